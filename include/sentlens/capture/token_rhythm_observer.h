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

/// Accumulates in float64 on the host, per layer and head, in one pass over each block's rows:
/// Σ_{t∈R} Σ_s A[t,s](t−s) (for d, Eq. 7), WAAD_t per response row (Eq. 9), Σ_{t ∈ R, H_lo ≤ t−s ≤
/// H_hi} A[t,s] per key s (FAI numerator, Eq. 10) and Σ_i A[i,j] per key j over all rows (ACT,
/// §3.1). Equal to the materialised formulas for any block size. Needs one sequence and no KV cache
/// (positions are those of the text). Memory: 4·L·H·T doubles (a block on an accelerator is also
/// copied to the host).
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
  // float64 accumulators on the host, indexed [L, H] and [L, H, T].
  std::vector<double> distance_sums_;    // Σ over response rows of Eq. 7's row sums
  std::vector<double> waad_;             // WAAD_t (Eq. 9) of each response row
  std::vector<double> fai_sums_;         // Eq. 10 numerators
  std::vector<double> key_sums_;         // column sums over every query row (ACT, §3.1)
  std::vector<std::int64_t> rows_seen_;  // query rows observed per layer
  bool complete_ = false;
};

/// Entropy (nats) of each token's predictive distribution: entry t is that of logits row t − 1,
/// the distribution token t was drawn from (NaN for t = 0). `logits` float [T, V].
std::vector<float> token_entropy_from_logits(const torch::Tensor& logits);

}  // namespace sentlens
