// ModelConfig: what sentlens reads from a Hugging Face config.json, for every supported family.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sentlens {

enum class NormKind { kRmsNorm, kLayerNorm };
enum class MlpKind { kSwiGlu, kGeluNew };
enum class RopeScalingKind { kNone, kLinear, kLlama3 };

/// The architecture of a checkpoint, normalised across families. Field defaults are Hugging Face's
/// defaults for a Llama config.
struct ModelConfig {
  std::string model_type;  // llama, mistral, qwen2, qwen3, gpt2
  std::int64_t hidden_size = 0;
  std::int64_t num_layers = 0;
  std::int64_t num_heads = 0;     // query heads
  std::int64_t num_kv_heads = 0;  // key/value heads (GQA when < num_heads)
  std::int64_t head_dim = 0;      // `head_dim` when given, else hidden_size / num_heads
  std::int64_t intermediate_size = 0;
  std::int64_t vocab_size = 0;
  std::int64_t max_position_embeddings = 0;
  double norm_eps = 1e-6;  // rms_norm_eps or layer_norm_epsilon

  NormKind norm = NormKind::kRmsNorm;
  MlpKind mlp = MlpKind::kSwiGlu;
  bool learned_positions = false;  // GPT-2 `wpe` instead of RoPE

  // Rotary embeddings (HF `rotate_half` convention).
  double rope_theta = 10000.0;
  RopeScalingKind rope_scaling = RopeScalingKind::kNone;
  double rope_factor = 1.0;                                   // linear and llama3
  double rope_low_freq_factor = 1.0;                          // llama3
  double rope_high_freq_factor = 4.0;                         // llama3
  std::int64_t rope_original_max_position_embeddings = 8192;  // llama3

  bool qkv_bias = false;          // bias on q/k/v projections (qwen2; llama attention_bias)
  bool output_proj_bias = false;  // bias on o_proj (llama attention_bias; gpt2)
  bool mlp_bias = false;          // bias on MLP projections (llama mlp_bias; gpt2)
  bool qk_norm = false;           // RMSNorm over head_dim on q and k before RoPE (qwen3)
  bool tie_word_embeddings = false;

  /// Keys older than this many positions are masked (0 <= q - k < window), from layer
  /// `sliding_window_first_layer` on; nullopt = full causal attention.
  std::optional<std::int64_t> sliding_window;
  std::int64_t sliding_window_first_layer = 0;

  std::optional<std::int64_t> bos_token_id;
  std::vector<std::int64_t> eos_token_ids;
  std::string torch_dtype;  // as declared in config.json (informational)

  /// Parses config.json; throws ConfigError naming the file and the problem.
  static ModelConfig from_file(const std::filesystem::path& path);
  /// Parses the JSON text of a config; `source` names it in messages.
  static ModelConfig from_json(const std::string& json_text, const std::string& source);

  bool sliding_window_applies(std::int64_t layer) const {
    return sliding_window.has_value() && layer >= sliding_window_first_layer;
  }
  /// Query heads sharing one key/value head.
  std::int64_t kv_group_size() const { return num_heads / num_kv_heads; }
  /// A stable hex hash of every field above, to tie traces to the model they came from.
  std::string fingerprint() const;
  /// The model types sentlens supports, comma-separated, for messages.
  static std::string supported_model_types();
};

}  // namespace sentlens
