// AttentionRecorder: full attention maps from the blockwise forward.
#include "sentlens/model/attention_recorder.h"

#include <algorithm>

#include <torch/torch.h>

#include "util/check.h"

namespace sentlens {

AttentionRecorder::AttentionRecorder(std::vector<std::int64_t> layers, std::int64_t max_bytes)
    : layers_(std::move(layers)), max_bytes_(max_bytes) {}

void AttentionRecorder::begin_forward(const ForwardShape& shape) {
  shape_ = shape;
  const std::int64_t recorded =
      layers_.empty() ? shape.num_layers : static_cast<std::int64_t>(layers_.size());
  for (auto layer : layers_) {
    SENTLENS_CHECK(layer >= 0 && layer < shape.num_layers, InputError,
                   "attention recorder: layer {} does not exist (the model has {})", layer,
                   shape.num_layers);
  }
  const std::int64_t total = shape.past_length + shape.new_tokens;
  const double bytes = 4.0 * static_cast<double>(shape.num_sequences) * recorded * shape.num_heads *
                       shape.new_tokens * total;
  SENTLENS_CHECK(
      bytes <= static_cast<double>(max_bytes_), LimitError,
      "full attention maps for {} layers x {} heads x {} x {} tokens need {:.1f} GiB, more "
      "than the {:.1f} GiB allowed; record fewer layers or use a streaming observer",
      recorded, shape.num_heads, shape.new_tokens, total, bytes / (1 << 30),
      static_cast<double>(max_bytes_) / (1 << 30));
  maps_ = torch::zeros({shape.num_sequences, recorded, shape.num_heads, shape.new_tokens, total});
}

bool AttentionRecorder::observes_layer(std::int64_t layer) const {
  return layers_.empty() || std::find(layers_.begin(), layers_.end(), layer) != layers_.end();
}

void AttentionRecorder::observe(const AttentionBlock& block, const torch::Tensor& probs) {
  std::int64_t slot = block.layer;
  if (!layers_.empty()) {
    slot = std::find(layers_.begin(), layers_.end(), block.layer) - layers_.begin();
  }
  maps_[block.sequence][slot]
      .narrow(1, block.query_start - shape_.past_length, block.query_count)
      .narrow(2, 0, block.key_count)
      .copy_(probs);
}

torch::Tensor AttentionRecorder::attentions() const {
  return shape_.num_sequences == 1 ? maps_.squeeze(0) : maps_;
}

}  // namespace sentlens
