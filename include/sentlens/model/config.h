// ModelConfig: what sentlens reads from a Hugging Face config.json, for every supported family.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sentlens/model/activation.h"

namespace sentlens {

enum class NormKind { kRmsNorm, kLayerNorm };
/// kGated: act(gate(x)) · up(x) (the SwiGLU family); kPlain: act(up(x)) (GPT-2).
enum class MlpKind { kGated, kPlain };
enum class RopeScalingKind { kNone, kLinear, kLlama3, kLongRope, kYarn };
/// kPerHead: an RMSNorm over head_dim on each head (Qwen3, Gemma 3); kWholeProjection: over the
/// whole q and k projections before the head split (OLMo 2).
enum class QkNormKind { kNone, kPerHead, kWholeProjection };
/// kStandard: q/k/v projections (multi-head, grouped-query); kLatent: DeepSeek's multi-head latent
/// attention (low-rank q and kv, a shared rotary key).
enum class AttentionKind { kStandard, kLatent };
/// kSoftmax: softmax over the experts, top-k (Qwen-MoE, Mixtral); kSigmoidGrouped: sigmoid
/// scores, a correction bias for the choice, group-limited top-k (DeepSeek-V3).
enum class RouterKind { kSoftmax, kSigmoidGrouped };

/// The architecture of a checkpoint, normalised across families. Field defaults are Hugging Face's
/// defaults for a Llama config; each family's reader in config.cpp sets what differs.
struct ModelConfig {
  std::string model_type;  // as in config.json; see supported_model_types()
  std::int64_t hidden_size = 0;
  std::int64_t num_layers = 0;
  std::int64_t num_heads = 0;     // query heads
  std::int64_t num_kv_heads = 0;  // key/value heads (GQA when < num_heads)
  std::int64_t head_dim = 0;      // query/key head width: `head_dim` when given, else D / heads
  std::int64_t v_head_dim = 0;    // value head width (head_dim except latent attention)
  std::int64_t intermediate_size = 0;
  std::int64_t vocab_size = 0;
  std::int64_t max_position_embeddings = 0;
  double norm_eps = 1e-6;  // rms_norm_eps or layer_norm_epsilon

  NormKind norm = NormKind::kRmsNorm;
  bool norm_weight_plus_one = false;  // Gemma: RMSNorm scales by (1 + w)
  bool input_norms = true;            // norm before attention and MLP (all but OLMo 2)
  bool output_norms = false;          // norm after attention and MLP (Gemma 2/3, OLMo 2)
  MlpKind mlp = MlpKind::kGated;
  Activation activation = Activation::kSilu;
  bool learned_positions = false;   // GPT-2 `wpe` instead of RoPE
  double embedding_multiplier = 1;  // Gemma: embeddings × sqrt(hidden_size), rounded to float32
  double attention_scale = 0;       // scores × this; from_json sets it (1/sqrt(head_dim) mostly)
  double attention_softcap = 0;     // Gemma 2: scores = cap·tanh(scores/cap); 0 = none
  double final_logit_softcap = 0;   // Gemma 2/3: logits = cap·tanh(logits/cap); 0 = none

  // Rotary embeddings (HF `rotate_half` convention) over the first `rotary_dim` dims of a head.
  std::int64_t rotary_dim = 0;    // head_dim × partial_rotary_factor; qk_rope_head_dim for MLA
  bool rope_interleaved = false;  // DeepSeek `rope_interleave`: pairs (2i, 2i+1) rotate together
  double rope_theta = 10000.0;
  RopeScalingKind rope_scaling = RopeScalingKind::kNone;
  double rope_factor = 1.0;                                   // linear, llama3, yarn
  double rope_low_freq_factor = 1.0;                          // llama3
  double rope_high_freq_factor = 4.0;                         // llama3
  std::int64_t rope_original_max_position_embeddings = 8192;  // llama3, longrope, yarn
  std::vector<double> rope_short_factor, rope_long_factor;    // longrope, [rotary_dim / 2]
  double rope_beta_fast = 32, rope_beta_slow = 1;             // yarn
  double rope_attention_factor = 1.0;      // longrope, yarn: cos and sin are multiplied by it
  std::optional<double> rope_local_theta;  // Gemma 3: sliding layers' base, without scaling

  bool qkv_bias = false;          // bias on q/k/v projections (qwen2; llama attention_bias)
  bool output_proj_bias = false;  // bias on o_proj (llama attention_bias; gpt2)
  bool mlp_bias = false;          // bias on MLP projections (llama mlp_bias; gpt2)
  QkNormKind qk_norm = QkNormKind::kNone;  // RMSNorm on q and k before RoPE
  bool tie_word_embeddings = false;

  /// Keys older than this many positions are masked (0 <= q - k < window) in the layers
  /// sliding_window_applies() names; nullopt = full causal attention.
  std::optional<std::int64_t> sliding_window;
  std::int64_t sliding_window_first_layer = 0;  // Qwen's max_window_layers
  /// Gemma: every `pattern`-th layer (layer + 1 divisible by it) is global; 0 = none is.
  std::int64_t sliding_window_pattern = 0;

  // Multi-head latent attention (DeepSeek-V2/V3); head_dim = qk_nope_head_dim + rotary_dim.
  AttentionKind attention = AttentionKind::kStandard;
  std::int64_t q_lora_rank = 0;  // 0: a plain q_proj
  std::int64_t kv_lora_rank = 0;
  std::int64_t qk_nope_head_dim = 0;

  // Mixture of experts; num_experts = 0 for dense models.
  std::int64_t num_experts = 0;
  std::int64_t experts_per_token = 0;
  std::int64_t moe_intermediate_size = 0;
  std::int64_t shared_expert_intermediate_size = 0;  // 0: no shared expert
  bool shared_expert_gated = false;  // Qwen2-MoE: shared output × sigmoid(shared_expert_gate(x))
  bool norm_topk_prob = false;       // the k chosen weights renormalised to sum to 1
  RouterKind router = RouterKind::kSoftmax;
  std::int64_t router_groups = 1;       // DeepSeek n_group
  std::int64_t router_kept_groups = 1;  // DeepSeek topk_group
  double routed_scaling_factor = 1.0;   // DeepSeek: the routed weights × this
  std::vector<bool> moe_layers;         // per layer: experts (true) or the dense MLP

  std::optional<std::int64_t> bos_token_id;
  std::vector<std::int64_t> eos_token_ids;
  std::string torch_dtype;  // as declared in config.json (informational)

  /// Parses config.json; throws ConfigError naming the file and the problem.
  static ModelConfig from_file(const std::filesystem::path& path);
  /// Parses the JSON text of a config; `source` names it in messages.
  static ModelConfig from_json(const std::string& json_text, const std::string& source);

  bool sliding_window_applies(std::int64_t layer) const {
    return sliding_window.has_value() && layer >= sliding_window_first_layer &&
           (sliding_window_pattern == 0 || (layer + 1) % sliding_window_pattern != 0);
  }
  /// Whether layer `layer` runs its tokens through experts instead of the dense MLP.
  bool is_moe_layer(std::int64_t layer) const {
    return layer >= 0 && static_cast<std::size_t>(layer) < moe_layers.size() &&
           moe_layers[static_cast<std::size_t>(layer)];
  }
  /// Query heads sharing one key/value head.
  std::int64_t kv_group_size() const { return num_heads / num_kv_heads; }
  /// Sets rotary_dim, v_head_dim and attention_scale from head_dim where they are 0 (from_json
  /// does; call it on a config built in code).
  void fill_derived();
  /// A stable hex hash of every field above, to tie traces to the model they came from.
  std::string fingerprint() const;
  /// The model types sentlens supports, comma-separated, for messages.
  static std::string supported_model_types();
};

}  // namespace sentlens
