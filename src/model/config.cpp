// config.json -> ModelConfig for the supported families (torch-free: part of sentlens_core).
#include "sentlens/model/config.h"

#include <array>
#include <vector>

#include <fmt/ranges.h>
#include <cmath>
#include <cstdint>

#include "io/json_file.h"
#include "util/check.h"
#include "util/hash.h"

namespace sentlens {

namespace {

// Sizes beyond these are not a real checkpoint; refusing them early avoids absurd allocations.
constexpr std::int64_t kMaxDimension = 1 << 20;
constexpr std::int64_t kMaxVocab = 1 << 24;
constexpr std::int64_t kMaxLayers = 1024;

// Typed access to config.json fields; a JSON null counts as absent, as in Hugging Face.
class FieldReader {
 public:
  FieldReader(const nlohmann::json& json, std::string source)
      : json_(json), source_(std::move(source)) {}

  bool has(const char* key) const { return json_.contains(key) && !json_[key].is_null(); }
  /// Present and null (transformers then uses None, not the class default).
  bool is_explicit_null(const char* key) const {
    return json_.contains(key) && json_[key].is_null();
  }

  std::int64_t integer(const char* key) const {
    SENTLENS_CHECK(has(key), ConfigError, "{}: missing required field \"{}\"", source_, key);
    return integer_value(key);
  }
  std::int64_t integer(const char* key, std::int64_t fallback) const {
    return has(key) ? integer_value(key) : fallback;
  }
  std::optional<std::int64_t> optional_integer(const char* key) const {
    if (!has(key)) return std::nullopt;
    return integer_value(key);
  }
  double number(const char* key, double fallback) const {
    if (!has(key)) return fallback;
    const auto& value = json_[key];
    SENTLENS_CHECK(value.is_number(), ConfigError, "{}: field \"{}\" must be a number, found {}",
                   source_, key, json_excerpt(value));
    double result = value.get<double>();
    SENTLENS_CHECK(std::isfinite(result), ConfigError, "{}: field \"{}\" must be finite", source_,
                   key);
    return result;
  }
  bool boolean(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    const auto& value = json_[key];
    SENTLENS_CHECK(value.is_boolean(), ConfigError,
                   "{}: field \"{}\" must be true or false, found {}", source_, key,
                   json_excerpt(value));
    return value.get<bool>();
  }
  std::string string(const char* key, const std::string& fallback) const {
    if (!has(key)) return fallback;
    const auto& value = json_[key];
    SENTLENS_CHECK(value.is_string(), ConfigError, "{}: field \"{}\" must be a string, found {}",
                   source_, key, json_excerpt(value));
    return value.get<std::string>();
  }
  const nlohmann::json& raw(const char* key) const { return json_[key]; }
  const std::string& source() const { return source_; }

 private:
  std::int64_t integer_value(const char* key) const {
    const auto& value = json_[key];
    SENTLENS_CHECK(value.is_number_integer(), ConfigError,
                   "{}: field \"{}\" must be an integer, found {}", source_, key,
                   json_excerpt(value));
    // An unsigned value above 2^63 - 1 would read as negative (2^64 - 1 as -1): name it as given.
    SENTLENS_CHECK(!value.is_number_unsigned() || value.get<std::uint64_t>() <= INT64_MAX,
                   ConfigError, "{}: field \"{}\" is {}, far beyond any model", source_, key,
                   value.get<std::uint64_t>());
    return value.get<std::int64_t>();
  }

  const nlohmann::json& json_;
  std::string source_;
};

void check_range(const std::string& source, const char* what, std::int64_t value, std::int64_t low,
                 std::int64_t high) {
  SENTLENS_CHECK(value >= low && value <= high, ConfigError,
                 "{}: {} is {}, expected a value in [{}, {}]", source, what, value, low, high);
}

// YaRN's attention temperature (transformers `get_mscale`): 0.1·m·ln(s) + 1 for s > 1.
double yarn_mscale(double scale, double mscale) {
  return scale <= 1 ? 1.0 : 0.1 * mscale * std::log(scale) + 1.0;
}

std::vector<double> number_list(const FieldReader& fields, const char* key, std::size_t size) {
  SENTLENS_CHECK(fields.has(key) && fields.raw(key).is_array(), ConfigError,
                 "{}: needs \"{}\", a list of {} numbers", fields.source(), key, size);
  std::vector<double> values;
  for (const auto& value : fields.raw(key)) {
    SENTLENS_CHECK(
        value.is_number() && std::isfinite(value.get<double>()) && value.get<double>() > 0,
        ConfigError, "{}: \"{}\" must hold positive finite numbers, found {}", fields.source(), key,
        json_excerpt(value));
    values.push_back(value.get<double>());
  }
  SENTLENS_CHECK(values.size() == size, ConfigError,
                 "{}: \"{}\" has {} entries, but rotary dimension {} needs {}", fields.source(),
                 key, values.size(), 2 * size, size);
  return values;
}

void read_rope_factor(const FieldReader& scaling_fields, const std::string& kind,
                      ModelConfig& config) {
  SENTLENS_CHECK(scaling_fields.has("factor"), ConfigError,
                 "{}: rope_scaling of type {} needs a \"factor\"", scaling_fields.source(), kind);
  config.rope_factor = scaling_fields.number("factor", 1.0);
  SENTLENS_CHECK(
      std::isfinite(config.rope_factor) && config.rope_factor > 0 && config.rope_factor <= 1e6,
      ConfigError, "{}: factor {} must be in (0, 1e6]", scaling_fields.source(),
      config.rope_factor);
}

// rope_scaling, as transformers' rope_utils reads it; needs max_position_embeddings and
// rotary_dim already set.
void read_rope_scaling(const FieldReader& fields, ModelConfig& config) {
  if (!fields.has("rope_scaling")) return;
  const auto& scaling = fields.raw("rope_scaling");
  const std::string& source = fields.source();
  SENTLENS_CHECK(scaling.is_object(), ConfigError, "{}: rope_scaling must be an object or null",
                 source);
  FieldReader scaling_fields(scaling, source + " rope_scaling");
  // Older configs say "type", newer ones "rope_type"; Phi-3's "su" is longrope's old name.
  std::string kind = scaling_fields.string("rope_type", scaling_fields.string("type", "default"));
  if (kind == "default") return;
  if (kind == "linear") {
    config.rope_scaling = RopeScalingKind::kLinear;
    read_rope_factor(scaling_fields, kind, config);
  } else if (kind == "llama3") {
    config.rope_scaling = RopeScalingKind::kLlama3;
    read_rope_factor(scaling_fields, kind, config);
    config.rope_low_freq_factor = scaling_fields.number("low_freq_factor", 1.0);
    config.rope_high_freq_factor = scaling_fields.number("high_freq_factor", 4.0);
    config.rope_original_max_position_embeddings =
        scaling_fields.integer("original_max_position_embeddings", 8192);
    SENTLENS_CHECK(config.rope_low_freq_factor > 0, ConfigError,
                   "{}: rope_scaling low/high_freq_factor must be finite and positive", source);
    SENTLENS_CHECK(config.rope_high_freq_factor > config.rope_low_freq_factor, ConfigError,
                   "{}: rope_scaling high_freq_factor must exceed low_freq_factor", source);
    check_range(source, "rope_scaling original_max_position_embeddings",
                config.rope_original_max_position_embeddings, 1, INT32_MAX);
  } else if (kind == "longrope" || kind == "su") {
    // transformers `_compute_longrope_parameters`: the short factors up to the original context,
    // the long ones beyond it; cos and sin scaled by sqrt(1 + ln(factor) / ln(original)).
    config.rope_scaling = RopeScalingKind::kLongRope;
    const auto half = static_cast<std::size_t>(config.rotary_dim / 2);
    config.rope_short_factor = number_list(scaling_fields, "short_factor", half);
    config.rope_long_factor = number_list(scaling_fields, "long_factor", half);
    double factor = scaling_fields.number("factor", 1.0);
    if (fields.has("original_max_position_embeddings")) {
      config.rope_original_max_position_embeddings =
          fields.integer("original_max_position_embeddings");
      check_range(source, "original_max_position_embeddings",
                  config.rope_original_max_position_embeddings, 2, INT32_MAX);
      factor = static_cast<double>(config.max_position_embeddings) /
               static_cast<double>(config.rope_original_max_position_embeddings);
    } else {
      config.rope_original_max_position_embeddings = config.max_position_embeddings;
    }
    config.rope_factor = factor;
    config.rope_attention_factor =
        scaling_fields.has("attention_factor")
            ? scaling_fields.number("attention_factor", 1.0)
            : (factor <= 1.0
                   ? 1.0
                   : std::sqrt(1.0 + std::log(factor) /
                                         std::log(static_cast<double>(
                                             config.rope_original_max_position_embeddings))));
  } else if (kind == "yarn") {
    // transformers `_compute_yarn_parameters`.
    config.rope_scaling = RopeScalingKind::kYarn;
    read_rope_factor(scaling_fields, kind, config);
    if (scaling_fields.has("original_max_position_embeddings")) {
      // DeepSeek-V3 style: the ratio of the two contexts replaces `factor` for the frequencies.
      config.rope_original_max_position_embeddings =
          scaling_fields.integer("original_max_position_embeddings");
      check_range(source, "rope_scaling original_max_position_embeddings",
                  config.rope_original_max_position_embeddings, 1, INT32_MAX);
      config.rope_factor = static_cast<double>(config.max_position_embeddings) /
                           static_cast<double>(config.rope_original_max_position_embeddings);
    } else {
      config.rope_original_max_position_embeddings = config.max_position_embeddings;
    }
    const double mscale = scaling_fields.number("mscale", 0.0);
    const double mscale_all_dim = scaling_fields.number("mscale_all_dim", 0.0);
    if (scaling_fields.has("attention_factor")) {
      config.rope_attention_factor = scaling_fields.number("attention_factor", 1.0);
    } else if (mscale != 0 && mscale_all_dim != 0) {
      config.rope_attention_factor =
          yarn_mscale(config.rope_factor, mscale) / yarn_mscale(config.rope_factor, mscale_all_dim);
    } else {
      config.rope_attention_factor = yarn_mscale(config.rope_factor, 1.0);
    }
    // `beta_fast or 32`: a null or 0 takes the default, as in Python.
    const double beta_fast = scaling_fields.number("beta_fast", 0.0);
    const double beta_slow = scaling_fields.number("beta_slow", 0.0);
    config.rope_beta_fast = beta_fast != 0 ? beta_fast : 32.0;
    config.rope_beta_slow = beta_slow != 0 ? beta_slow : 1.0;
    SENTLENS_CHECK(config.rope_beta_fast > 0 && config.rope_beta_slow > 0, ConfigError,
                   "{}: beta_fast and beta_slow must be positive", scaling_fields.source());
  } else {
    throw ConfigError(fmt::format(
        "{}: unsupported rope_scaling type \"{}\" (supported: default, linear, llama3, longrope, "
        "su, yarn)",
        source, kind));
  }
  SENTLENS_CHECK(std::isfinite(config.rope_attention_factor) && config.rope_attention_factor > 0,
                 ConfigError, "{}: attention_factor {} must be positive", source,
                 config.rope_attention_factor);
}

// The activation named by `key` (each family reads its own key), from the activation table.
Activation read_activation(const FieldReader& fields, const char* key, const char* fallback,
                           const std::string& model_type) {
  const std::string name = fields.string(key, fallback);
  const auto activation = activation_from_name(name);
  SENTLENS_CHECK(activation.has_value(), ConfigError,
                 "{}: {} \"{}\" is not a supported activation for {} (supported: {})",
                 fields.source(), key, name, model_type, supported_activation_names());
  return *activation;
}

// The family table: what each model_type reads beyond the fields every Llama-style config has.
struct FamilyRow {
  const char* model_type;
  const char* activation_key;
  const char* default_activation;
  std::int64_t default_max_positions;
  bool default_tied;
  void (*read)(const FieldReader& fields, ModelConfig& config);
};

// Fields named as in LlamaConfig (every family here but GPT-2).
void read_llama_fields(const FieldReader& fields, const FamilyRow& row, ModelConfig& config) {
  config.hidden_size = fields.integer("hidden_size");
  config.intermediate_size = fields.integer("intermediate_size");
  config.num_layers = fields.integer("num_hidden_layers");
  config.num_heads = fields.integer("num_attention_heads");
  config.num_kv_heads = fields.integer("num_key_value_heads", config.num_heads);
  config.vocab_size = fields.integer("vocab_size");
  config.norm_eps = fields.number("rms_norm_eps", 1e-6);
  config.rope_theta = fields.number("rope_theta", 10000.0);
  config.max_position_embeddings =
      fields.integer("max_position_embeddings", row.default_max_positions);
  config.tie_word_embeddings = fields.boolean("tie_word_embeddings", row.default_tied);
  config.activation =
      read_activation(fields, row.activation_key, row.default_activation, config.model_type);
  config.norm = NormKind::kRmsNorm;
  config.mlp = MlpKind::kGated;
  // Without `head_dim`, D / heads (0 when it does not divide: from_json says so, unless the
  // family has its own default).
  config.head_dim = fields.has("head_dim") ? fields.integer("head_dim")
                    : config.num_heads > 0 && config.hidden_size % config.num_heads == 0
                        ? config.hidden_size / config.num_heads
                        : 0;
}

void read_attention_bias(const FieldReader& fields, ModelConfig& config) {
  const bool attention_bias = fields.boolean("attention_bias", false);
  config.qkv_bias = attention_bias;
  config.output_proj_bias = attention_bias;
}

// Qwen applies the window only when use_sliding_window is set, from max_window_layers on.
void read_qwen_window(const FieldReader& fields, ModelConfig& config) {
  if (fields.boolean("use_sliding_window", false)) {
    config.sliding_window = fields.optional_integer("sliding_window");
    config.sliding_window_first_layer = fields.integer("max_window_layers", 28);
  }
}

void read_llama(const FieldReader& fields, ModelConfig& config) {
  read_attention_bias(fields, config);
  config.mlp_bias = fields.boolean("mlp_bias", false);
}

void read_mistral(const FieldReader& fields, ModelConfig& config) {
  config.sliding_window = fields.optional_integer("sliding_window");
}

void read_qwen2(const FieldReader& fields, ModelConfig& config) {
  config.qkv_bias = true;
  read_qwen_window(fields, config);
}

void read_qwen3(const FieldReader& fields, ModelConfig& config) {
  read_attention_bias(fields, config);
  config.qk_norm = QkNormKind::kPerHead;
  if (!fields.has("head_dim")) config.head_dim = 128;  // Qwen3Config's default
  read_qwen_window(fields, config);
}

// Gemma 2 and 3: (1 + w) RMSNorms around both sublayers, scaled embeddings, query_pre_attn_scalar.
void read_gemma_common(const FieldReader& fields, ModelConfig& config) {
  if (!fields.has("head_dim")) config.head_dim = 256;
  config.norm_weight_plus_one = true;
  config.output_norms = true;
  // transformers rounds sqrt(hidden_size) to the embeddings' dtype (float32) before multiplying.
  config.embedding_multiplier =
      static_cast<double>(static_cast<float>(std::sqrt(static_cast<double>(config.hidden_size))));
  const double scalar = fields.number("query_pre_attn_scalar", 256.0);
  SENTLENS_CHECK(scalar > 0, ConfigError, "{}: query_pre_attn_scalar {} must be positive",
                 fields.source(), scalar);
  config.attention_scale = 1.0 / std::sqrt(scalar);
  read_attention_bias(fields, config);
}

// An absent key takes the config class's default; an explicit null turns soft-capping off.
double read_softcap(const FieldReader& fields, const char* key, double class_default) {
  if (fields.is_explicit_null(key)) return 0.0;
  const double cap = fields.number(key, class_default);
  SENTLENS_CHECK(cap >= 0, ConfigError, "{}: {} {} must be positive or null", fields.source(), key,
                 cap);
  return cap;
}

void read_gemma2(const FieldReader& fields, ModelConfig& config) {
  read_gemma_common(fields, config);
  config.attention_softcap = read_softcap(fields, "attn_logit_softcapping", 50.0);
  config.final_logit_softcap = read_softcap(fields, "final_logit_softcapping", 30.0);
  // Gemma 2 alternates: even layers slide (transformers: is_sliding = not layer_idx % 2).
  config.sliding_window = fields.is_explicit_null("sliding_window")
                              ? std::nullopt
                              : std::optional<std::int64_t>(fields.integer("sliding_window", 4096));
  config.sliding_window_pattern = 2;
}

void read_gemma3_text(const FieldReader& fields, ModelConfig& config) {
  read_gemma_common(fields, config);
  config.qk_norm = QkNormKind::kPerHead;
  // transformers 4.51's Gemma 3 attention does not apply attn_logit_softcapping (the released
  // checkpoints set it to null); neither do we.
  config.final_logit_softcap = read_softcap(fields, "final_logit_softcapping", 0.0);
  config.sliding_window = fields.is_explicit_null("sliding_window")
                              ? std::nullopt
                              : std::optional<std::int64_t>(fields.integer("sliding_window", 4096));
  config.sliding_window_pattern = fields.integer("sliding_window_pattern", 6);
  check_range(fields.source(), "sliding_window_pattern", config.sliding_window_pattern, 1,
              kMaxLayers);
  config.rope_local_theta = fields.number("rope_local_base_freq", 10000.0);
}

void read_phi3(const FieldReader& fields, ModelConfig& config) {
  const double partial = fields.number("partial_rotary_factor", 1.0);
  SENTLENS_CHECK(partial > 0 && partial <= 1, ConfigError,
                 "{}: partial_rotary_factor {} must be in (0, 1]", fields.source(), partial);
  config.rotary_dim = static_cast<std::int64_t>(static_cast<double>(config.head_dim) * partial);
  config.sliding_window = fields.optional_integer("sliding_window");
}

void read_olmo2(const FieldReader& fields, ModelConfig& config) {
  read_attention_bias(fields, config);
  config.input_norms = false;
  config.output_norms = true;
  config.qk_norm = QkNormKind::kWholeProjection;
}

std::vector<bool> every_layer(const ModelConfig& config, bool value) {
  return std::vector<bool>(static_cast<std::size_t>(std::max<std::int64_t>(config.num_layers, 0)),
                           value);
}

void read_experts(const FieldReader& fields, const char* count_key, ModelConfig& config) {
  config.num_experts = fields.integer(count_key);
  config.experts_per_token = fields.integer("num_experts_per_tok");
  check_range(fields.source(), count_key, config.num_experts, 1, 4096);
  check_range(fields.source(), "num_experts_per_tok", config.experts_per_token, 1,
              config.num_experts);
}

// Qwen2-MoE and Qwen3-MoE: sparse layers every decoder_sparse_step, except mlp_only_layers.
void read_qwen_moe(const FieldReader& fields, ModelConfig& config) {
  read_experts(fields, "num_experts", config);
  config.moe_intermediate_size = fields.integer("moe_intermediate_size");
  config.norm_topk_prob = fields.boolean("norm_topk_prob", false);
  const std::int64_t step = fields.integer("decoder_sparse_step", 1);
  check_range(fields.source(), "decoder_sparse_step", step, 1, kMaxLayers);
  config.moe_layers = every_layer(config, false);
  for (std::int64_t l = 0; l < config.num_layers; ++l) {
    config.moe_layers[static_cast<std::size_t>(l)] = (l + 1) % step == 0;
  }
  if (fields.has("mlp_only_layers")) {
    SENTLENS_CHECK(fields.raw("mlp_only_layers").is_array(), ConfigError,
                   "{}: mlp_only_layers must be a list of layer indices", fields.source());
    for (const auto& layer : fields.raw("mlp_only_layers")) {
      SENTLENS_CHECK(layer.is_number_integer() && layer.get<std::int64_t>() >= 0 &&
                         layer.get<std::int64_t>() < config.num_layers,
                     ConfigError, "{}: mlp_only_layers holds {}, not a layer of the {} layers",
                     fields.source(), json_excerpt(layer), config.num_layers);
      config.moe_layers[layer.get<std::size_t>()] = false;
    }
  }
}

void read_qwen2_moe(const FieldReader& fields, ModelConfig& config) {
  config.qkv_bias = fields.boolean("qkv_bias", true);
  read_qwen_window(fields, config);
  read_qwen_moe(fields, config);
  config.shared_expert_intermediate_size = fields.integer("shared_expert_intermediate_size", 0);
  config.shared_expert_gated = config.shared_expert_intermediate_size > 0;
}

void read_qwen3_moe(const FieldReader& fields, ModelConfig& config) {
  read_qwen3(fields, config);
  read_qwen_moe(fields, config);
}

void read_mixtral(const FieldReader& fields, ModelConfig& config) {
  config.sliding_window = fields.optional_integer("sliding_window");
  read_experts(fields, "num_local_experts", config);
  config.moe_intermediate_size = config.intermediate_size;
  config.norm_topk_prob = true;  // Mixtral always renormalises the chosen weights
  config.moe_layers = every_layer(config, true);
}

void read_deepseek_v3(const FieldReader& fields, ModelConfig& config) {
  const std::string& source = fields.source();
  SENTLENS_CHECK(!fields.boolean("attention_bias", false), ConfigError,
                 "{}: attention_bias=true is not supported for deepseek_v3", source);
  config.attention = AttentionKind::kLatent;
  config.q_lora_rank = fields.integer("q_lora_rank", 0);  // null: a plain q_proj
  config.kv_lora_rank = fields.integer("kv_lora_rank");
  config.qk_nope_head_dim = fields.integer("qk_nope_head_dim");
  config.rotary_dim = fields.integer("qk_rope_head_dim");
  config.v_head_dim = fields.integer("v_head_dim");
  check_range(source, "q_lora_rank", config.q_lora_rank, 0, kMaxDimension);
  check_range(source, "kv_lora_rank", config.kv_lora_rank, 1, kMaxDimension);
  check_range(source, "qk_nope_head_dim", config.qk_nope_head_dim, 0, 65536);
  check_range(source, "qk_rope_head_dim", config.rotary_dim, 2, 65536);
  // config.json's head_dim is qk_rope_head_dim (DeepseekV3Config sets it so); a query/key head is
  // the nope and rope parts together.
  config.head_dim = config.qk_nope_head_dim + config.rotary_dim;
  SENTLENS_CHECK(
      config.num_kv_heads == config.num_heads, ConfigError,
      "{}: num_key_value_heads {} must equal num_attention_heads {} for latent attention", source,
      config.num_kv_heads, config.num_heads);
  config.rope_interleaved = fields.boolean("rope_interleave", true);
  config.attention_scale = 1.0 / std::sqrt(static_cast<double>(config.head_dim));
  if (fields.has("rope_scaling") && fields.raw("rope_scaling").is_object()) {
    // The softmax temperature follows the configured factor (not the context ratio).
    FieldReader scaling(fields.raw("rope_scaling"), source + " rope_scaling");
    const double mscale_all_dim = scaling.number("mscale_all_dim", 0.0);
    if (mscale_all_dim != 0) {
      const double mscale = yarn_mscale(scaling.number("factor", 1.0), mscale_all_dim);
      config.attention_scale *= mscale * mscale;
    }
  }
  const std::string scoring = fields.string("scoring_func", "sigmoid");
  const std::string method = fields.string("topk_method", "noaux_tc");
  SENTLENS_CHECK(scoring == "sigmoid" && method == "noaux_tc", ConfigError,
                 "{}: scoring_func \"{}\" with topk_method \"{}\" is not supported (DeepSeek-V3 "
                 "uses sigmoid with noaux_tc)",
                 source, scoring, method);
  read_experts(fields, "n_routed_experts", config);
  config.moe_intermediate_size = fields.integer("moe_intermediate_size");
  config.shared_expert_intermediate_size =
      config.moe_intermediate_size * fields.integer("n_shared_experts", 0);
  config.norm_topk_prob = fields.boolean("norm_topk_prob", true);
  config.router = RouterKind::kSigmoidGrouped;
  config.router_groups = fields.integer("n_group", 1);
  config.router_kept_groups = fields.integer("topk_group", 1);
  check_range(source, "n_group", config.router_groups, 1, config.num_experts);
  SENTLENS_CHECK(config.num_experts % config.router_groups == 0 &&
                     config.num_experts / config.router_groups >= 2,
                 ConfigError,
                 "{}: n_routed_experts {} must split into n_group {} groups of two or "
                 "more experts",
                 source, config.num_experts, config.router_groups);
  check_range(source, "topk_group", config.router_kept_groups, 1, config.router_groups);
  SENTLENS_CHECK(config.experts_per_token <=
                     config.router_kept_groups * (config.num_experts / config.router_groups),
                 ConfigError, "{}: num_experts_per_tok {} exceeds the experts of the kept groups",
                 source, config.experts_per_token);
  config.routed_scaling_factor = fields.number("routed_scaling_factor", 1.0);
  const std::int64_t first_sparse = fields.integer("first_k_dense_replace", 0);
  config.moe_layers = every_layer(config, false);
  for (std::int64_t l = std::max<std::int64_t>(first_sparse, 0); l < config.num_layers; ++l) {
    config.moe_layers[static_cast<std::size_t>(l)] = true;
  }
}

// clang-format off
constexpr std::array<FamilyRow, 12> kFamilies = {{
    // model_type     activation key        default activation   max positions  tied   reader
    {"llama",       "hidden_act",        "silu",              2048,          false, read_llama},
    {"mistral",     "hidden_act",        "silu",              4096 * 32,     false, read_mistral},
    {"qwen2",       "hidden_act",        "silu",              32768,         false, read_qwen2},
    {"qwen3",       "hidden_act",        "silu",              32768,         false, read_qwen3},
    {"gemma2",      "hidden_activation", "gelu_pytorch_tanh", 8192,          true,  read_gemma2},
    {"gemma3_text", "hidden_activation", "gelu_pytorch_tanh", 131072,        true,  read_gemma3_text},
    {"phi3",        "hidden_act",        "silu",              4096,          false, read_phi3},
    {"olmo2",       "hidden_act",        "silu",              2048,          false, read_olmo2},
    {"qwen2_moe",   "hidden_act",        "silu",              32768,         false, read_qwen2_moe},
    {"qwen3_moe",   "hidden_act",        "silu",              32768,         false, read_qwen3_moe},
    {"mixtral",     "hidden_act",        "silu",              4096 * 32,     false, read_mixtral},
    {"deepseek_v3", "hidden_act",        "silu",              4096,          false, read_deepseek_v3},
}};
// clang-format on

void read_gpt2(const FieldReader& fields, ModelConfig& config) {
  const std::string& source = fields.source();
  config.activation = read_activation(fields, "activation_function", "gelu_new", "gpt2");
  SENTLENS_CHECK(fields.boolean("scale_attn_weights", true), ConfigError,
                 "{}: scale_attn_weights=false is not supported", source);
  SENTLENS_CHECK(!fields.boolean("scale_attn_by_inverse_layer_idx", false), ConfigError,
                 "{}: scale_attn_by_inverse_layer_idx=true is not supported", source);
  config.hidden_size = fields.integer("n_embd", 768);
  config.num_layers = fields.integer("n_layer", 12);
  config.num_heads = fields.integer("n_head", 12);
  config.num_kv_heads = config.num_heads;
  config.intermediate_size = fields.integer("n_inner", 4 * config.hidden_size);
  config.vocab_size = fields.integer("vocab_size", 50257);
  config.max_position_embeddings = fields.integer("n_positions", 1024);
  config.norm_eps = fields.number("layer_norm_epsilon", 1e-5);
  SENTLENS_CHECK(config.num_heads > 0 && config.hidden_size % config.num_heads == 0, ConfigError,
                 "{}: n_embd {} is not divisible by n_head {}", source, config.hidden_size,
                 config.num_heads);
  config.head_dim = config.hidden_size / config.num_heads;
  config.norm = NormKind::kLayerNorm;
  config.mlp = MlpKind::kPlain;
  config.learned_positions = true;
  config.qkv_bias = true;
  config.output_proj_bias = true;
  config.mlp_bias = true;
  config.tie_word_embeddings = true;  // GPT2LMHeadModel always ties lm_head to wte
}

void validate(const ModelConfig& config, const std::string& source) {
  check_range(source, "the hidden size", config.hidden_size, 1, kMaxDimension);
  check_range(source, "the number of layers", config.num_layers, 1, kMaxLayers);
  check_range(source, "the number of attention heads", config.num_heads, 1, 4096);
  check_range(source, "the number of key/value heads", config.num_kv_heads, 1, config.num_heads);
  SENTLENS_CHECK(config.num_heads % config.num_kv_heads == 0, ConfigError,
                 "{}: num_attention_heads {} is not a multiple of num_key_value_heads {}", source,
                 config.num_heads, config.num_kv_heads);
  check_range(source, "head_dim", config.head_dim, 1, 65536);
  if (!config.learned_positions) {
    // Rotary frequencies are rope_theta^(-2i/d) for i < d/2: a base at or below 1 makes them grow
    // instead of decay (1e-300 overflows float32 to inf, and every logit becomes NaN).
    SENTLENS_CHECK(
        std::isfinite(config.rope_theta) && config.rope_theta > 1 && config.rope_theta <= 1e12,
        ConfigError,
        "{}: rope_theta {} is outside (1, 1e12]: its rotary frequencies would not be "
        "finite decaying values",
        source, config.rope_theta);
  }
  check_range(source, "the intermediate size", config.intermediate_size, 1, kMaxDimension);
  check_range(source, "the vocabulary size", config.vocab_size, 1, kMaxVocab);
  check_range(source, "max_position_embeddings", config.max_position_embeddings, 1, INT32_MAX);
  SENTLENS_CHECK(config.norm_eps > 0 && config.norm_eps < 1, ConfigError,
                 "{}: the norm epsilon {} must be in (0, 1)", source, config.norm_eps);
  if (config.sliding_window) {
    check_range(source, "sliding_window", *config.sliding_window, 1, INT32_MAX);
  }
  check_range(source, "the value head width", config.v_head_dim, 1, 65536);
  if (!config.learned_positions) {
    SENTLENS_CHECK(config.rotary_dim >= 2 && config.rotary_dim <= config.head_dim &&
                       config.rotary_dim % 2 == 0,
                   ConfigError, "{}: the rotary dimension {} must be even and within head_dim {}",
                   source, config.rotary_dim, config.head_dim);
    if (config.rope_local_theta) {
      SENTLENS_CHECK(*config.rope_local_theta > 1 && *config.rope_local_theta <= 1e12, ConfigError,
                     "{}: rope_local_base_freq {} is outside (1, 1e12]", source,
                     *config.rope_local_theta);
    }
  }
  SENTLENS_CHECK(std::isfinite(config.attention_scale) && config.attention_scale > 0, ConfigError,
                 "{}: the attention scale {} must be positive", source, config.attention_scale);
  if (config.num_experts > 0) {
    check_range(source, "moe_intermediate_size", config.moe_intermediate_size, 1, kMaxDimension);
    check_range(source, "the shared expert size", config.shared_expert_intermediate_size, 0,
                kMaxDimension);
    SENTLENS_CHECK(std::isfinite(config.routed_scaling_factor) && config.routed_scaling_factor > 0,
                   ConfigError, "{}: routed_scaling_factor {} must be positive", source,
                   config.routed_scaling_factor);
  }
}

}  // namespace

std::string ModelConfig::supported_model_types() {
  std::string names = "gpt2";
  for (const auto& row : kFamilies) {
    const char* name = row.model_type;
    if (!names.empty()) names += ", ";
    names += name;
  }
  return names;
}

ModelConfig ModelConfig::from_json(const std::string& json_text, const std::string& source) {
  const nlohmann::json json = parse_json(json_text, source);
  SENTLENS_CHECK(json.is_object(), ConfigError, "{}: expected a JSON object", source);
  FieldReader fields(json, source);
  SENTLENS_CHECK(fields.has("model_type"), ConfigError,
                 "{}: missing \"model_type\" (supported: {})", source, supported_model_types());
  ModelConfig config;
  config.model_type = fields.string("model_type", "");
  if (config.model_type == "gpt2") {
    read_gpt2(fields, config);
  } else {
    const FamilyRow* row = nullptr;
    for (const auto& candidate : kFamilies) {
      if (config.model_type == candidate.model_type) row = &candidate;
    }
    SENTLENS_CHECK(row != nullptr, ConfigError, "{}: unsupported model_type \"{}\" (supported: {})",
                   source, config.model_type, supported_model_types());
    read_llama_fields(fields, *row, config);
    row->read(fields, config);
    SENTLENS_CHECK(config.head_dim != 0 || fields.has("head_dim"), ConfigError,
                   "{}: hidden_size {} is not divisible by num_attention_heads {}", source,
                   config.hidden_size, config.num_heads);
    config.fill_derived();
    read_rope_scaling(fields, config);
  }
  config.fill_derived();
  config.bos_token_id = fields.optional_integer("bos_token_id");
  if (fields.has("eos_token_id")) {
    const auto& eos = fields.raw("eos_token_id");
    if (eos.is_array()) {
      for (const auto& id : eos) {
        SENTLENS_CHECK(id.is_number_integer(), ConfigError,
                       "{}: eos_token_id entries must be integers", source);
        config.eos_token_ids.push_back(id.get<std::int64_t>());
      }
    } else {
      config.eos_token_ids.push_back(fields.integer("eos_token_id"));
    }
  }
  config.torch_dtype = fields.string("torch_dtype", "");
  validate(config, source);
  return config;
}

ModelConfig ModelConfig::from_file(const std::filesystem::path& path) {
  std::string text;
  try {
    text = read_file_bytes(path, kMaxJsonFileBytes);
  } catch (const IoError& error) {
    throw ConfigError(error.what());
  }
  try {
    return from_json(text, path.string());
  } catch (const FormatError& error) {
    throw ConfigError(error.what());
  }
}

namespace {

// The fields of ModelConfig::fingerprint added with the families after GPT-2, Llama and Qwen3.
std::string fingerprint_extension(const ModelConfig& c) {
  std::string moe_layers;
  for (bool sparse : c.moe_layers) moe_layers += sparse ? '1' : '0';
  return fmt::format(
      "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}"
      "|{}|"
      "{}|{}",
      c.norm_weight_plus_one, c.input_norms, c.output_norms, activation_name(c.activation),
      c.embedding_multiplier, c.attention_scale, c.attention_softcap, c.final_logit_softcap,
      c.rotary_dim, c.rope_interleaved, fmt::join(c.rope_short_factor, ","),
      fmt::join(c.rope_long_factor, ","), c.rope_beta_fast, c.rope_beta_slow,
      c.rope_attention_factor, c.rope_local_theta.value_or(0), c.sliding_window_pattern,
      static_cast<int>(c.qk_norm), static_cast<int>(c.attention), c.q_lora_rank, c.kv_lora_rank,
      c.qk_nope_head_dim, c.v_head_dim, c.num_experts, c.experts_per_token, c.moe_intermediate_size,
      c.shared_expert_intermediate_size, c.shared_expert_gated, c.norm_topk_prob,
      static_cast<int>(c.router), c.router_groups, c.router_kept_groups, c.routed_scaling_factor,
      moe_layers);
}

}  // namespace

void ModelConfig::fill_derived() {
  if (rotary_dim == 0 && !learned_positions) rotary_dim = head_dim;
  if (v_head_dim == 0) v_head_dim = head_dim;
  if (attention_scale == 0 && head_dim > 0) {
    attention_scale = 1.0 / std::sqrt(static_cast<double>(head_dim));
  }
}

std::string ModelConfig::fingerprint() const {
  const std::string canonical = fmt::format(
      "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", model_type,
      hidden_size, num_layers, num_heads, num_kv_heads, head_dim, intermediate_size, vocab_size,
      max_position_embeddings, norm_eps, static_cast<int>(norm), static_cast<int>(mlp),
      learned_positions, rope_theta, static_cast<int>(rope_scaling), rope_factor,
      rope_low_freq_factor, rope_high_freq_factor, rope_original_max_position_embeddings, qkv_bias,
      output_proj_bias, qk_norm != QkNormKind::kNone, sliding_window.value_or(-1),
      sliding_window_first_layer);
  std::string hashed = canonical + fmt::format("|{}|{}", mlp_bias, tie_word_embeddings);
  // Fields added with more families are hashed only where they differ from the Llama/GPT-2
  // defaults, so the fingerprints of models supported before stay as they were.
  ModelConfig defaults;
  defaults.head_dim = head_dim;
  defaults.rotary_dim = learned_positions ? 0 : head_dim;
  defaults.v_head_dim = head_dim;
  defaults.attention_scale = 1.0 / std::sqrt(static_cast<double>(head_dim));
  defaults.activation = mlp == MlpKind::kPlain ? Activation::kGeluNew : Activation::kSilu;
  defaults.qk_norm = qk_norm == QkNormKind::kNone ? QkNormKind::kNone : QkNormKind::kPerHead;
  ModelConfig filled = *this;  // a config built in code may leave the derived fields at 0
  filled.fill_derived();
  const std::string extension = fingerprint_extension(filled);
  if (extension != fingerprint_extension(defaults)) hashed += "|" + extension;
  return fnv1a_hex(hashed);
}

}  // namespace sentlens
