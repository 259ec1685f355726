// config.json -> ModelConfig for the supported families (torch-free: part of sentlens_core).
#include "sentlens/model/config.h"

#include <array>
#include <cmath>
#include <cstdint>

#include "io/json_file.h"
#include "util/check.h"
#include "util/hash.h"

namespace sentlens {

namespace {

constexpr std::array<const char*, 5> kSupportedModelTypes = {"llama", "mistral", "qwen2", "qwen3",
                                                             "gpt2"};
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

void read_rope_scaling(const FieldReader& fields, ModelConfig& config) {
  if (!fields.has("rope_scaling")) return;
  const auto& scaling = fields.raw("rope_scaling");
  const std::string& source = fields.source();
  SENTLENS_CHECK(scaling.is_object(), ConfigError, "{}: rope_scaling must be an object or null",
                 source);
  FieldReader scaling_fields(scaling, source + " rope_scaling");
  // Older configs say "type", newer ones "rope_type".
  std::string kind = scaling_fields.string("rope_type", scaling_fields.string("type", "default"));
  if (kind == "default") return;
  if (kind == "linear") {
    config.rope_scaling = RopeScalingKind::kLinear;
  } else if (kind == "llama3") {
    config.rope_scaling = RopeScalingKind::kLlama3;
    config.rope_low_freq_factor = scaling_fields.number("low_freq_factor", 1.0);
    config.rope_high_freq_factor = scaling_fields.number("high_freq_factor", 4.0);
    config.rope_original_max_position_embeddings =
        scaling_fields.integer("original_max_position_embeddings", 8192);
    SENTLENS_CHECK(std::isfinite(config.rope_low_freq_factor) && config.rope_low_freq_factor > 0 &&
                       std::isfinite(config.rope_high_freq_factor),
                   ConfigError, "{}: rope_scaling low/high_freq_factor must be finite and positive",
                   source);
    SENTLENS_CHECK(config.rope_high_freq_factor > config.rope_low_freq_factor, ConfigError,
                   "{}: rope_scaling high_freq_factor must exceed low_freq_factor", source);
    check_range(source, "rope_scaling original_max_position_embeddings",
                config.rope_original_max_position_embeddings, 1, INT32_MAX);
  } else {
    throw ConfigError(
        fmt::format("{}: unsupported rope_scaling type \"{}\" (supported: default, linear, llama3)",
                    source, kind));
  }
  SENTLENS_CHECK(scaling_fields.has("factor"), ConfigError,
                 "{}: rope_scaling of type {} needs a \"factor\"", source, kind);
  config.rope_factor = scaling_fields.number("factor", 1.0);
  SENTLENS_CHECK(
      std::isfinite(config.rope_factor) && config.rope_factor > 0 && config.rope_factor <= 1e6,
      ConfigError, "{}: rope_scaling factor {} must be in (0, 1e6]", source, config.rope_factor);
}

void read_llama_like(const FieldReader& fields, const std::string& model_type,
                     ModelConfig& config) {
  const std::string& source = fields.source();
  const std::string activation = fields.string("hidden_act", "silu");
  SENTLENS_CHECK(activation == "silu" || activation == "swish", ConfigError,
                 "{}: hidden_act \"{}\" is not supported for {} (expected silu)", source,
                 activation, model_type);
  config.hidden_size = fields.integer("hidden_size");
  config.intermediate_size = fields.integer("intermediate_size");
  config.num_layers = fields.integer("num_hidden_layers");
  config.num_heads = fields.integer("num_attention_heads");
  config.num_kv_heads = fields.integer("num_key_value_heads", config.num_heads);
  config.vocab_size = fields.integer("vocab_size");
  config.norm_eps = fields.number("rms_norm_eps", 1e-6);
  config.rope_theta = fields.number("rope_theta", 10000.0);
  config.norm = NormKind::kRmsNorm;
  config.mlp = MlpKind::kSwiGlu;
  read_rope_scaling(fields, config);

  if (model_type == "llama") {
    config.max_position_embeddings = fields.integer("max_position_embeddings", 2048);
    const bool attention_bias = fields.boolean("attention_bias", false);
    config.qkv_bias = attention_bias;
    config.output_proj_bias = attention_bias;
    config.mlp_bias = fields.boolean("mlp_bias", false);
  } else if (model_type == "mistral") {
    config.max_position_embeddings = fields.integer("max_position_embeddings", 4096 * 32);
    config.sliding_window = fields.optional_integer("sliding_window");
  } else if (model_type == "qwen2" || model_type == "qwen3") {
    config.max_position_embeddings = fields.integer("max_position_embeddings", 32768);
    if (model_type == "qwen2") {
      config.qkv_bias = true;
    } else {
      const bool attention_bias = fields.boolean("attention_bias", false);
      config.qkv_bias = attention_bias;
      config.output_proj_bias = attention_bias;
      config.qk_norm = true;
    }
    // Qwen applies the window only when use_sliding_window is set, from max_window_layers on.
    if (fields.boolean("use_sliding_window", false)) {
      config.sliding_window = fields.optional_integer("sliding_window");
      config.sliding_window_first_layer = fields.integer("max_window_layers", 28);
    }
  }
  const std::int64_t default_head_dim =
      model_type == "qwen3" ? 128
                            : (config.num_heads > 0 ? config.hidden_size / config.num_heads : 0);
  config.head_dim = fields.integer("head_dim", default_head_dim);
  if (!fields.has("head_dim") && model_type != "qwen3") {
    SENTLENS_CHECK(config.num_heads > 0 && config.hidden_size % config.num_heads == 0, ConfigError,
                   "{}: hidden_size {} is not divisible by num_attention_heads {}", source,
                   config.hidden_size, config.num_heads);
  }
  config.tie_word_embeddings = fields.boolean("tie_word_embeddings", false);
}

void read_gpt2(const FieldReader& fields, ModelConfig& config) {
  const std::string& source = fields.source();
  const std::string activation = fields.string("activation_function", "gelu_new");
  SENTLENS_CHECK(activation == "gelu_new", ConfigError,
                 "{}: activation_function \"{}\" is not supported for gpt2 (expected gelu_new)",
                 source, activation);
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
  config.mlp = MlpKind::kGeluNew;
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
    SENTLENS_CHECK(config.head_dim % 2 == 0, ConfigError,
                   "{}: head_dim {} must be even for rotary embeddings", source, config.head_dim);
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
}

}  // namespace

std::string ModelConfig::supported_model_types() {
  std::string names;
  for (const char* name : kSupportedModelTypes) {
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
  } else if (config.model_type == "llama" || config.model_type == "mistral" ||
             config.model_type == "qwen2" || config.model_type == "qwen3") {
    read_llama_like(fields, config.model_type, config);
  } else {
    throw ConfigError(fmt::format("{}: unsupported model_type \"{}\" (supported: {})", source,
                                  config.model_type, supported_model_types()));
  }
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

std::string ModelConfig::fingerprint() const {
  const std::string canonical = fmt::format(
      "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", model_type,
      hidden_size, num_layers, num_heads, num_kv_heads, head_dim, intermediate_size, vocab_size,
      max_position_embeddings, norm_eps, static_cast<int>(norm), static_cast<int>(mlp),
      learned_positions, rope_theta, static_cast<int>(rope_scaling), rope_factor,
      rope_low_freq_factor, rope_high_freq_factor, rope_original_max_position_embeddings, qkv_bias,
      output_proj_bias, qk_norm, sliding_window.value_or(-1), sliding_window_first_layer);
  return fnv1a_hex(canonical + fmt::format("|{}|{}", mlp_bias, tie_word_embeddings));
}

}  // namespace sentlens
