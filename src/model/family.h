// The family table: how each model_type's checkpoint tensors are named. One forward implementation
// serves every family; this table maps checkpoint names onto it (see weights.cpp).
#pragma once

#include <string>

#include "sentlens/model/config.h"

namespace sentlens {

/// Tensor names of one family. `{}` in a layer name is replaced by the layer index. An empty name
/// means the family has no such tensor.
struct FamilyTensorNames {
  std::string token_embedding;
  std::string position_embedding;  // learned positions (GPT-2)
  std::string final_norm_weight;
  std::string final_norm_bias;
  std::string lm_head;  // absent when tied to the token embedding

  std::string attn_norm_weight;
  std::string attn_norm_bias;
  std::string mlp_norm_weight;
  std::string mlp_norm_bias;
  // Separate projections (Llama family) ...
  std::string q_proj, k_proj, v_proj;  // ".weight" / ".bias" appended
  // ... or one fused, transposed Conv1D [hidden, 3 * hidden] (GPT-2 `c_attn`).
  std::string fused_qkv_conv1d;
  std::string o_proj;
  bool o_proj_is_conv1d = false;
  std::string q_norm, k_norm;  // qwen3
  std::string gate_proj, up_proj, down_proj;
  bool mlp_is_conv1d = false;  // GPT-2 c_fc/c_proj stored [in, out]
};

/// The names for a config's family. `prefix` is prepended to every name (GPT-2 checkpoints saved
/// from GPT2LMHeadModel use "transformer.", the original ones none).
FamilyTensorNames family_tensor_names(const ModelConfig& config, const std::string& prefix);

}  // namespace sentlens
