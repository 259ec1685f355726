// AttentionRecorder: an observer that keeps full attention maps, for the layers asked. Meant for
// small inputs, golden comparisons and users who name a few heads: [L, H, T, T] grows as T².
#pragma once

#include <cstdint>
#include <vector>

#include "sentlens/model/hooks.h"

namespace sentlens {

class AttentionRecorder final : public AttentionObserver {
 public:
  /// Records every layer, or only `layers` when not empty. The recorder refuses (LimitError) to
  /// allocate more than `max_bytes`.
  explicit AttentionRecorder(std::vector<std::int64_t> layers = {},
                             std::int64_t max_bytes = std::int64_t{8} << 30);

  void begin_forward(const ForwardShape& shape) override;
  bool observes_layer(std::int64_t layer) const override;
  void observe(const AttentionBlock& block, const torch::Tensor& probs) override;

  /// float32 [N?, L_recorded, H, T_new, T_total] on the CPU: rows are the new positions, columns
  /// every key. The batch axis is dropped for a single sequence.
  torch::Tensor attentions() const;

 private:
  std::vector<std::int64_t> layers_;
  std::int64_t max_bytes_;
  ForwardShape shape_;
  torch::Tensor maps_;  // [N, L_recorded, H, T_new, T_total]
};

}  // namespace sentlens
