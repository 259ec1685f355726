// Private: rotary position embeddings in Hugging Face's rotate_half convention, with the scaling
// variants of transformers' rope_utils.
#pragma once

#include <utility>

#include <torch/types.h>

#include "sentlens/model/config.h"

namespace sentlens {

/// A model's rotary frequencies ([rotary_dim / 2] each, float32): one set for most layers and the
/// variants some families add.
struct RotaryFrequencies {
  torch::Tensor inv_freq;         // after linear / llama3 / yarn scaling; longrope: short factors
  torch::Tensor inv_freq_long;    // longrope: used once a forward runs past original_context
  torch::Tensor inv_freq_local;   // Gemma 3's sliding layers (own base, no scaling)
  double attention_factor = 1.0;  // longrope and yarn: cos and sin × this (not the local set)
  std::int64_t original_context = 0;  // longrope's switch point

  RotaryFrequencies to(torch::Device device) const;
};

/// The frequencies of `config`, computed in float32 exactly as transformers' rope_utils does.
RotaryFrequencies rotary_frequencies(const ModelConfig& config);

/// cos and sin tables [T, rotary_dim] of positions first_position .. first_position + T - 1.
struct RotaryTables {
  torch::Tensor cos, sin;              // the model's main set
  torch::Tensor local_cos, local_sin;  // Gemma 3's sliding layers; undefined otherwise
};

/// The tables of one forward: longrope picks its long factors when past + T exceeds the original
/// context (transformers' dynamic longrope update, decided per forward).
RotaryTables rotary_tables(const RotaryFrequencies& frequencies, std::int64_t first_position,
                           std::int64_t count);

/// Rotates x [..., T, rotary_dim] by cos/sin tables broadcastable to it: x·cos +
/// rotate_half(x)·sin. With `out` (x's shape, any strides) and `scratch` (x's shape, contiguous)
/// defined, the result is written into `out` by the same ops, so with the same float32 results.
torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                         const torch::Tensor& out = {}, const torch::Tensor& scratch = {});

}  // namespace sentlens
