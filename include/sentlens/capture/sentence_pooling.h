// SentencePoolingObserver: the sentence x sentence attention means of every layer and head
// (metrics.md §1.3), reduced block by block inside the forward pass, never holding [H, T, T].
#pragma once

#include <cstdint>
#include <vector>

#include <torch/types.h>

#include "sentlens/analysis/receivers.h"
#include "sentlens/model/hooks.h"
#include "sentlens/text/alignment.h"
#include "sentlens/text/splitter.h"

namespace sentlens {

/// Accumulates, per layer and head, the sums of attention from each sentence's query rows to each
/// sentence's key columns (float64, on the host: a block on an accelerator is copied over), and
/// divides by the block sizes at the end. The block mean includes causal zeros, like the original.
/// Equal to pooling the full matrix (pool_attention) for any block size. Memory: L·H·S·S doubles
/// plus one row of T doubles per thread.
class SentencePoolingObserver final : public AttentionObserver {
 public:
  /// `ranges`: token ranges of the sentences in the forward's positions. Reference profile: both
  /// ends clamped to T - 1 before pooling ([QUIRK] §1.3); empty blocks are 0 (reference) or NaN
  /// (clean). The ranges are checked against T in begin_forward.
  SentencePoolingObserver(std::vector<TokenRange> ranges, Profile profile);

  void begin_forward(const ForwardShape& shape) override;
  void observe(const AttentionBlock& block, const torch::Tensor& probs) override;
  void end_forward() override;

  /// The [L, H, S, S] means; throws InputError when no complete forward pass was observed.
  SentenceMatrices result() const;

 private:
  std::vector<TokenRange> ranges_;  // as given
  std::vector<TokenRange> pooled_;  // after the profile's clamp
  Profile profile_;
  ForwardShape shape_;
  std::int64_t tokens_ = 0;
  std::vector<double> sums_;             // [L, H, S, S]
  std::vector<std::int64_t> rows_seen_;  // query rows observed per layer
  bool complete_ = false;
};

}  // namespace sentlens
