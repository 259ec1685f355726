// Per-layer progress lines of a forward pass.
#include "sentlens/model/layer_progress.h"

#include <fmt/format.h>

#include "util/seconds.h"

namespace sentlens {

LayerProgress::LayerProgress(std::function<void(const std::string&)> report, std::string label)
    : report_(std::move(report)), label_(std::move(label)) {}

void LayerProgress::begin_forward(const ForwardShape& shape) {
  layers_ = shape.num_layers;
  tokens_ = shape.new_tokens;
  last_layer_ = -1;
  start_ = std::chrono::steady_clock::now();
}

void LayerProgress::observe(const AttentionBlock& block, const torch::Tensor& /*probs*/) {
  if (block.sequence != 0 || block.layer == last_layer_) return;
  last_layer_ = block.layer;
  report_(fmt::format("{}: layer {}/{} ({} tokens, {:.1f} s)", label_, block.layer + 1, layers_,
                      tokens_, seconds_since(start_)));
}

}  // namespace sentlens
