// Private: the loaded weights in the one internal layout every family is mapped onto.
#pragma once

#include <string>
#include <vector>

#include <torch/types.h>

#include "sentlens/io/safetensors.h"
#include "sentlens/model/config.h"
#include "sentlens/model/model.h"

namespace sentlens {

/// One transformer block. Linear weights are [out, in] (torch's convention); GPT-2's Conv1D
/// weights are transposed at load time. Undefined tensors mean "absent" (no bias, no q/k norm).
struct LayerWeights {
  torch::Tensor attn_norm_weight, attn_norm_bias;  // [D]
  torch::Tensor qkv_weight, qkv_bias;  // [(H + 2·KVH)·Dh, D]: q, k, v stacked for one matmul
  torch::Tensor o_weight, o_bias;      // [D, H·Dh]
  torch::Tensor q_norm_weight, k_norm_weight;  // [Dh]
  torch::Tensor mlp_norm_weight, mlp_norm_bias;
  torch::Tensor gate_up_weight, gate_up_bias;  // SwiGLU: [2·I, D] gate then up; GELU: up [I, D]
  torch::Tensor down_weight, down_bias;        // [D, I]
};

struct ModelWeights {
  torch::Tensor token_embedding;     // [V, D]
  torch::Tensor position_embedding;  // [P, D] (GPT-2) or undefined
  torch::Tensor final_norm_weight, final_norm_bias;
  torch::Tensor lm_head;   // [V, D]; the same tensor as token_embedding when tied
  torch::Tensor inv_freq;  // [Dh / 2] rotary inverse frequencies after scaling (RoPE families)
  std::vector<LayerWeights> layers;
  std::string stored_dtypes;  // e.g. "F32" or "BF16"
  std::int64_t parameter_count = 0;
};

/// Loads and checks every tensor the config requires from `store`, converting to float32 on
/// `device`. Throws FormatError naming the checkpoint and the tensor (missing, wrong shape, wrong
/// dtype).
ModelWeights load_weights(const TensorStore& store, const ModelConfig& config,
                          torch::Device device);

}  // namespace sentlens
