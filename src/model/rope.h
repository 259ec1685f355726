// Private: rotary position embeddings in Hugging Face's rotate_half convention.
#pragma once

#include <torch/types.h>

#include "sentlens/model/config.h"

namespace sentlens {

/// The [head_dim / 2] inverse frequencies, with linear or llama3 scaling applied, computed in
/// float32 exactly as transformers' rope_utils does.
torch::Tensor rope_inverse_frequencies(const ModelConfig& config);

/// cos and sin tables [T, head_dim] for positions first_position .. first_position + T - 1.
std::pair<torch::Tensor, torch::Tensor> rope_tables(const torch::Tensor& inv_freq,
                                                    std::int64_t first_position,
                                                    std::int64_t count);

/// Rotates x [..., T, head_dim] by the tables: x·cos + rotate_half(x)·sin.
torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& cos,
                         const torch::Tensor& sin);

}  // namespace sentlens
