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
  const std::string& type = config.model_type;
  if (type == "gpt2") return gpt2_names(prefix);
  FamilyTensorNames names = llama_names();
  if (config.qk_norm == QkNormKind::kNone) {
    names.q_norm.clear();
    names.k_norm.clear();
  }
  if (type == "gemma2" || type == "gemma3_text") {
    // Sandwich norms: post_attention_layernorm normalises the attention output here, and the MLP
    // has its own pre- and post-norms.
    names.attn_out_norm_weight = "model.layers.{}.post_attention_layernorm.weight";
    names.mlp_norm_weight = "model.layers.{}.pre_feedforward_layernorm.weight";
    names.mlp_out_norm_weight = "model.layers.{}.post_feedforward_layernorm.weight";
  } else if (type == "olmo2") {
    names.attn_norm_weight.clear();
    names.mlp_norm_weight.clear();
    names.attn_out_norm_weight = "model.layers.{}.post_attention_layernorm.weight";
    names.mlp_out_norm_weight = "model.layers.{}.post_feedforward_layernorm.weight";
  } else if (type == "phi3") {
    names.fused_qkv = "model.layers.{}.self_attn.qkv_proj";
    names.fused_gate_up = "model.layers.{}.mlp.gate_up_proj";
  } else if (type == "deepseek_v3") {
    names.q_a_proj = "model.layers.{}.self_attn.q_a_proj";
    names.q_a_norm = "model.layers.{}.self_attn.q_a_layernorm.weight";
    names.q_b_proj = "model.layers.{}.self_attn.q_b_proj";
    names.kv_a_proj = "model.layers.{}.self_attn.kv_a_proj_with_mqa";
    names.kv_a_norm = "model.layers.{}.self_attn.kv_a_layernorm.weight";
    names.kv_b_proj = "model.layers.{}.self_attn.kv_b_proj";
    names.router_bias = "model.layers.{}.mlp.gate.e_score_correction_bias";
    names.shared_expert = "model.layers.{}.mlp.shared_experts";
  } else if (type == "qwen2_moe") {
    names.shared_expert = "model.layers.{}.mlp.shared_expert";
    names.shared_expert_gate = "model.layers.{}.mlp.shared_expert_gate.weight";
  }
  if (config.num_experts > 0) {
    const bool mixtral = type == "mixtral";
    const std::string block = mixtral ? "model.layers.{}.block_sparse_moe" : "model.layers.{}.mlp";
    names.router = block + ".gate.weight";
    names.expert = block + ".experts.{}";
    names.expert_gate = mixtral ? "w1" : "gate_proj";
    names.expert_up = mixtral ? "w3" : "up_proj";
    names.expert_down = mixtral ? "w2" : "down_proj";
  }
  return names;
}

}  // namespace sentlens
