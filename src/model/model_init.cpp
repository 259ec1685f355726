// Models made in memory: fresh initialisation for training, the parameter list, and saving as an
// ordinary Hugging Face Llama folder (the inverse of load_weights for the Llama layout).
#include <cmath>
#include <fstream>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "model/family.h"
#include "model/rope.h"
#include "model/weights.h"
#include "sentlens/io/atomic_file.h"
#include "sentlens/model/model.h"
#include "sentlens/model/tensor_io.h"
#include "util/check.h"
#include "util/log.h"

namespace sentlens {

namespace {

std::string layer_name(const std::string& pattern, std::int64_t layer) {
  return fmt::format(fmt::runtime(pattern), layer);
}

void check_llama_layout(const ModelConfig& config, const std::string& what) {
  ModelConfig plain;
  SENTLENS_CHECK(config.model_type == "llama" && config.norm == NormKind::kRmsNorm &&
                     config.mlp == MlpKind::kGated && config.activation == Activation::kSilu &&
                     !config.learned_positions && !config.qkv_bias && !config.output_proj_bias &&
                     !config.mlp_bias && config.qk_norm == QkNormKind::kNone &&
                     !config.sliding_window && config.rope_scaling == RopeScalingKind::kNone &&
                     config.input_norms && !config.output_norms && !config.norm_weight_plus_one &&
                     config.embedding_multiplier == plain.embedding_multiplier &&
                     config.attention_softcap == 0 && config.final_logit_softcap == 0 &&
                     config.attention == AttentionKind::kStandard && config.num_experts == 0 &&
                     (config.rotary_dim == 0 || config.rotary_dim == config.head_dim) &&
                     (config.v_head_dim == 0 || config.v_head_dim == config.head_dim),
                 InputError,
                 "{}: only plain Llama models (RMSNorm, SwiGLU, RoPE without scaling, no biases, "
                 "no q/k norm, no sliding window) are supported",
                 what);
  SENTLENS_CHECK(config.hidden_size > 0 && config.num_layers > 0 && config.num_heads > 0 &&
                     config.num_kv_heads > 0 && config.num_heads % config.num_kv_heads == 0 &&
                     config.head_dim > 0 && config.head_dim % 2 == 0 &&
                     config.intermediate_size > 0 && config.vocab_size > 0 &&
                     config.max_position_embeddings > 0,
                 InputError, "{}: invalid sizes in the config", what);
}

std::string config_json(const ModelConfig& config, torch::Dtype dtype) {
  nlohmann::ordered_json json;
  json["architectures"] = {"LlamaForCausalLM"};
  json["model_type"] = "llama";
  json["hidden_size"] = config.hidden_size;
  json["intermediate_size"] = config.intermediate_size;
  json["num_hidden_layers"] = config.num_layers;
  json["num_attention_heads"] = config.num_heads;
  json["num_key_value_heads"] = config.num_kv_heads;
  json["head_dim"] = config.head_dim;
  json["vocab_size"] = config.vocab_size;
  json["max_position_embeddings"] = config.max_position_embeddings;
  json["hidden_act"] = "silu";
  json["rms_norm_eps"] = config.norm_eps;
  json["rope_theta"] = config.rope_theta;
  json["rope_scaling"] = nullptr;
  json["attention_bias"] = false;
  json["attention_dropout"] = 0.0;
  json["mlp_bias"] = false;
  json["initializer_range"] = 0.02;
  json["tie_word_embeddings"] = config.tie_word_embeddings;
  json["bos_token_id"] =
      config.bos_token_id ? nlohmann::ordered_json(*config.bos_token_id) : nlohmann::ordered_json();
  if (config.eos_token_ids.size() == 1) {
    json["eos_token_id"] = config.eos_token_ids.front();
  } else if (config.eos_token_ids.empty()) {
    json["eos_token_id"] = nullptr;
  } else {
    json["eos_token_id"] = config.eos_token_ids;
  }
  json["use_cache"] = true;
  json["torch_dtype"] = dtype == torch::kBFloat16 ? "bfloat16" : "float32";
  return json.dump(2) + "\n";
}

}  // namespace

Model Model::create(const ModelConfig& config, std::uint64_t seed, const LoadOptions& options,
                    double init_std) {
  check_llama_layout(config, "Model::create");
  set_threads(options.threads);
  torch::NoGradGuard no_grad;
  auto generator = at::detail::createCPUGenerator(seed);
  auto tensor_options = torch::TensorOptions().dtype(torch::kFloat32);
  auto normal = [&](std::vector<std::int64_t> shape, double std) {
    return at::normal(0.0, std, shape, generator, tensor_options).to(options.device);
  };
  auto ones = [&](std::int64_t size) {
    return torch::ones({size}, tensor_options).to(options.device);
  };
  const std::int64_t D = config.hidden_size, V = config.vocab_size, H = config.num_heads;
  const std::int64_t KVH = config.num_kv_heads, Dh = config.head_dim;
  const std::int64_t I = config.intermediate_size;
  const double output_std = init_std / std::sqrt(2.0 * static_cast<double>(config.num_layers));

  Model model;
  model.config_ = config;
  model.config_.fill_derived();
  model.directory_ = "<in memory>";
  model.device_ = options.device;
  model.stored_dtype_ = "F32";
  auto weights = std::make_unique<ModelWeights>();
  weights->token_embedding = normal({V, D}, init_std);
  weights->final_norm_weight = ones(D);
  weights->lm_head =
      config.tie_word_embeddings ? weights->token_embedding : normal({V, D}, init_std);
  for (std::int64_t l = 0; l < config.num_layers; ++l) {
    LayerWeights layer;
    layer.attn_norm_weight = ones(D);
    layer.qkv_weight = normal({(H + 2 * KVH) * Dh, D}, init_std);
    layer.o_weight = normal({D, H * Dh}, output_std);
    layer.mlp_norm_weight = ones(D);
    layer.gate_up_weight = normal({2 * I, D}, init_std);
    layer.down_weight = normal({D, I}, output_std);
    weights->layers.push_back(std::move(layer));
  }
  weights->rotary = rotary_frequencies(model.config_).to(options.device);
  weights->stored_dtypes = "F32";
  model.weights_ = std::move(weights);
  std::int64_t count = 0;
  for (const auto& tensor : model.parameters()) count += tensor.numel();
  model.weights_->parameter_count = count;
  model.weights_->resident_bytes = 4 * count;
  model.weights_->layer_float32_bytes = 4 * ((H + 2 * KVH) * Dh * D + D * H * Dh + 3 * I * D);
  return model;
}

std::vector<torch::Tensor> Model::parameters() const {
  const ModelWeights& w = *weights_;
  std::vector<torch::Tensor> out;
  auto add = [&](const torch::Tensor& tensor) {
    if (!tensor.defined()) return;
    for (const auto& seen : out) {
      if (seen.is_same(tensor)) return;
    }
    out.push_back(tensor);
  };
  add(w.token_embedding);
  add(w.position_embedding);
  for (const auto& layer : w.layers) {
    for (const auto* tensor :
         {&layer.attn_norm_weight, &layer.attn_norm_bias, &layer.qkv_weight, &layer.qkv_bias,
          &layer.o_weight, &layer.o_bias, &layer.q_norm_weight, &layer.k_norm_weight,
          &layer.mlp_norm_weight, &layer.mlp_norm_bias, &layer.gate_up_weight, &layer.gate_up_bias,
          &layer.down_weight, &layer.down_bias}) {
      add(*tensor);
    }
  }
  add(w.final_norm_weight);
  add(w.final_norm_bias);
  add(w.lm_head);
  return out;
}

void Model::save(const std::filesystem::path& directory, torch::Dtype dtype) const {
  check_llama_layout(config_, "Model::save");
  SENTLENS_CHECK(dtype == torch::kFloat32 || dtype == torch::kBFloat16, InputError,
                 "Model::save: dtype must be float32 or bfloat16");
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  SENTLENS_CHECK(!error, IoError, "{}: cannot create the folder: {}", directory.string(),
                 error.message());
  torch::NoGradGuard no_grad;
  const ModelConfig& config = config_;
  const ModelWeights& w = *weights_;
  SENTLENS_CHECK(w.streamed.empty(), InputError,
                 "Model::save: the weights of {} are streamed from disk; load it with weights mode "
                 "\"resident\" to save it",
                 directory_.string());
  const FamilyTensorNames names = family_tensor_names(config, "");
  const std::int64_t H = config.num_heads, KVH = config.num_kv_heads, Dh = config.head_dim;
  const std::int64_t I = config.intermediate_size;
  SafetensorsWriter writer;
  auto put = [&](const std::string& name, const torch::Tensor& tensor) {
    add_tensor(writer, name, tensor.detach().to(torch::kCPU).to(dtype).contiguous());
  };
  put(names.token_embedding, w.token_embedding);
  put(names.final_norm_weight, w.final_norm_weight);
  if (!config.tie_word_embeddings) put(names.lm_head, w.lm_head);
  for (std::int64_t l = 0; l < config.num_layers; ++l) {
    const LayerWeights& layer = w.layers[static_cast<std::size_t>(l)];
    auto name = [&](const std::string& pattern) { return layer_name(pattern, l); };
    put(name(names.attn_norm_weight), layer.attn_norm_weight);
    put(name(names.mlp_norm_weight), layer.mlp_norm_weight);
    auto qkv = layer.qkv_weight.split({H * Dh, KVH * Dh, KVH * Dh}, 0);
    put(name(names.q_proj) + ".weight", qkv[0]);
    put(name(names.k_proj) + ".weight", qkv[1]);
    put(name(names.v_proj) + ".weight", qkv[2]);
    put(name(names.o_proj) + ".weight", layer.o_weight);
    auto gate_up = layer.gate_up_weight.split({I, I}, 0);
    put(name(names.gate_proj) + ".weight", gate_up[0]);
    put(name(names.up_proj) + ".weight", gate_up[1]);
    put(name(names.down_proj) + ".weight", layer.down_weight);
  }
  writer.set_metadata("format", "pt");
  writer.write(directory / "model.safetensors");
  write_text_atomically(directory / "config.json", config_json(config, dtype));
}

}  // namespace sentlens
