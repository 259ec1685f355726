// The family table.
#include "model/family.h"

namespace sentlens {

namespace {

FamilyTensorNames llama_names() {
  FamilyTensorNames names;
  names.token_embedding = "model.embed_tokens.weight";
  names.final_norm_weight = "model.norm.weight";
  names.lm_head = "lm_head.weight";
  names.attn_norm_weight = "model.layers.{}.input_layernorm.weight";
  names.mlp_norm_weight = "model.layers.{}.post_attention_layernorm.weight";
  names.q_proj = "model.layers.{}.self_attn.q_proj";
  names.k_proj = "model.layers.{}.self_attn.k_proj";
  names.v_proj = "model.layers.{}.self_attn.v_proj";
  names.o_proj = "model.layers.{}.self_attn.o_proj";
  names.q_norm = "model.layers.{}.self_attn.q_norm.weight";
  names.k_norm = "model.layers.{}.self_attn.k_norm.weight";
  names.gate_proj = "model.layers.{}.mlp.gate_proj";
  names.up_proj = "model.layers.{}.mlp.up_proj";
  names.down_proj = "model.layers.{}.mlp.down_proj";
  return names;
}

FamilyTensorNames gpt2_names(const std::string& prefix) {
  FamilyTensorNames names;
  names.token_embedding = prefix + "wte.weight";
  names.position_embedding = prefix + "wpe.weight";
  names.final_norm_weight = prefix + "ln_f.weight";
  names.final_norm_bias = prefix + "ln_f.bias";
  names.attn_norm_weight = prefix + "h.{}.ln_1.weight";
  names.attn_norm_bias = prefix + "h.{}.ln_1.bias";
  names.mlp_norm_weight = prefix + "h.{}.ln_2.weight";
  names.mlp_norm_bias = prefix + "h.{}.ln_2.bias";
  names.fused_qkv_conv1d = prefix + "h.{}.attn.c_attn";
  names.o_proj = prefix + "h.{}.attn.c_proj";
  names.o_proj_is_conv1d = true;
  names.up_proj = prefix + "h.{}.mlp.c_fc";
  names.down_proj = prefix + "h.{}.mlp.c_proj";
  names.mlp_is_conv1d = true;
  return names;
}

}  // namespace

FamilyTensorNames family_tensor_names(const ModelConfig& config, const std::string& prefix) {
  if (config.model_type == "gpt2") return gpt2_names(prefix);
  FamilyTensorNames names = llama_names();
  if (!config.qk_norm) {
    names.q_norm.clear();
    names.k_norm.clear();
  }
  return names;
}

}  // namespace sentlens
