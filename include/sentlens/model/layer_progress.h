// A progress line per layer of a forward pass: an observer that reports when each layer starts
// ("forward: layer 3/28 (2,048 tokens, 12.4 s)"). Cheap: one comparison per block.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "sentlens/model/hooks.h"

namespace sentlens {

class LayerProgress final : public AttentionObserver {
 public:
  /// `label` starts each line ("forward", "calibrated forward").
  LayerProgress(std::function<void(const std::string&)> report, std::string label = "forward");

  void begin_forward(const ForwardShape& shape) override;
  void observe(const AttentionBlock& block, const torch::Tensor& probs) override;

 private:
  std::function<void(const std::string&)> report_;
  std::string label_;
  std::int64_t layers_ = 0, tokens_ = 0, last_layer_ = -1;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace sentlens
