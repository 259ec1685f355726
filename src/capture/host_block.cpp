// The attention block as the host-side reducers read it: checked, then on the host.
#include "capture/host_block.h"

#include <fmt/ranges.h>
#include <torch/torch.h>

#include "util/check.h"

namespace sentlens {

torch::Tensor host_block(const char* observer, const AttentionBlock& block,
                         const torch::Tensor& probs, const ForwardShape& shape) {
  SENTLENS_CHECK(probs.dim() == 3 && probs.size(0) == block.num_heads &&
                     probs.size(1) == block.query_count && probs.size(2) == block.key_count,
                 InputError, "{}: probs of shape [{}] do not match the block [{}, {}, {}]",
                 observer, fmt::join(probs.sizes(), ", "), block.num_heads, block.query_count,
                 block.key_count);
  const std::int64_t positions = shape.past_length + shape.new_tokens;
  SENTLENS_CHECK(block.sequence == 0 && block.layer >= 0 && block.layer < shape.num_layers &&
                     block.num_heads == shape.num_heads && block.query_start >= 0 &&
                     block.query_start + block.query_count <= positions &&
                     block.key_count <= positions,
                 InputError,
                 "{}: the block of sequence {}, layer {} ({} heads, rows {}..{}, {} keys) does not "
                 "fit the forward (1 sequence, {} layers, {} heads, {} positions)",
                 observer, block.sequence, block.layer, block.num_heads, block.query_start,
                 block.query_start + block.query_count, block.key_count, shape.num_layers,
                 shape.num_heads, positions);
  return probs.to(torch::kCPU, torch::kFloat32).contiguous();
}

}  // namespace sentlens
