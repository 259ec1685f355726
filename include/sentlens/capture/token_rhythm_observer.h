// TokenRhythmObserver: the per-head token statistics of metrics.md §2 (d, WAAD, FAI) and §3 (key
// column sums for ACT's c_j), reduced block by block inside the forward pass, never holding
// [H, T, T].
#pragma once

#include <cstdint>
#include <vector>

#include <torch/types.h>

#include "sentlens/analysis/token_rhythm.h"
#include "sentlens/model/hooks.h"

namespace sentlens {

/// Accumulates in float64 on the attention's device, per layer and head: Σ_{t∈R} Σ_s A[t,s](t−s)
/// (for d, Eq. 7), WAAD_t per response row (Eq. 9), Σ_{t ∈ R, H_lo ≤ t−s ≤ H_hi} A[t,s] per key s
/// (FAI numerator, Eq. 10) and Σ_i A[i,j] per key j over all rows (ACT, §3.1). Equal to the
/// materialised formulas for any block size. Needs one sequence and no KV cache (positions are
/// those of the text). Memory: 4·L·H·T doubles plus, per block, a few [H, rows, keys] floats.
class TokenRhythmObserver final : public AttentionObserver {
 public:
  explicit TokenRhythmObserver(TokenRhythmOptions options);

  void begin_forward(const ForwardShape& shape) override;
  void observe(const AttentionBlock& block, const torch::Tensor& probs) override;
  void end_forward() override;

  /// The statistics (token_entropy left empty); throws InputError when no complete forward pass
  /// was observed.
  TokenRhythm result() const;

 private:
  TokenRhythmOptions options_;
  ForwardShape shape_;
  torch::Tensor distance_sums_;          // float64 [L, H]
  torch::Tensor waad_;                   // float64 [L, H, T]
  torch::Tensor fai_sums_;               // float64 [L, H, T]
  torch::Tensor key_sums_;               // float64 [L, H, T]
  std::vector<std::int64_t> rows_seen_;  // query rows observed per layer
  // Reused for the [H, rows, K] products of every block: a fresh tensor per product cost a page-
  // faulted mapping of up to 32 MiB each time (bench/analyze: ~10% of the forward at 2,000 tokens).
  torch::Tensor workspace_;
  bool complete_ = false;
};

/// Entropy (nats) of each token's predictive distribution: entry t is that of logits row t − 1,
/// the distribution token t was drawn from (NaN for t = 0). `logits` float [T, V].
std::vector<float> token_entropy_from_logits(const torch::Tensor& logits);

}  // namespace sentlens
