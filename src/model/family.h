// The family table: how each model_type's checkpoint tensors are named. One forward implementation
// serves every family; this table maps checkpoint names onto it (see weights.cpp).
#pragma once

#include <string>

#include "sentlens/model/config.h"

namespace sentlens {

/// Tensor names of one family. `{}` in a layer name is replaced by the layer index (and, in
/// `expert`, the second by the expert index). An empty name
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
  // ... or one fused [(H + 2·KVH)·Dh, D] projection (Phi-3 `qkv_proj`).
  std::string fused_qkv;
  std::string q_norm, k_norm;                             // qwen3, gemma3, olmo2
  std::string attn_out_norm_weight, mlp_out_norm_weight;  // norms of the sublayer outputs
  std::string gate_proj, up_proj, down_proj;
  std::string fused_gate_up;   // Phi-3 `gate_up_proj` [2·I, D]
  bool mlp_is_conv1d = false;  // GPT-2 c_fc/c_proj stored [in, out]

  // Latent attention (DeepSeek): q_a_proj/q_b_proj (or q_proj), kv_a_proj_with_mqa, kv_b_proj.
  std::string q_a_proj, q_a_norm, q_b_proj, kv_a_proj, kv_a_norm, kv_b_proj;

  // Mixture of experts. `expert` has two placeholders: layer, then expert index.
  std::string router, router_bias;
  std::string expert;
  std::string expert_gate, expert_up, expert_down;  // suffixes after `expert` + "."
  std::string shared_expert, shared_expert_gate;
};

/// The names for a config's family. `prefix` is prepended to every name (GPT-2 checkpoints saved
/// from GPT2LMHeadModel use "transformer.", the original ones none).
FamilyTensorNames family_tensor_names(const ModelConfig& config, const std::string& prefix);

}  // namespace sentlens
