// Loading checkpoint tensors into the internal layout, with shape checks that name the tensor.
#include "model/weights.h"

#include <cstring>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/torch.h>

#include "model/family.h"
#include "model/rope.h"
#include "sentlens/model/tensor_io.h"
#include "util/check.h"
#include "util/log.h"

namespace sentlens {

namespace {

std::string layer_name(const std::string& pattern, std::int64_t layer) {
  return fmt::format(fmt::runtime(pattern), layer);
}

// Reads tensors from the store, checking shapes, and records the dtypes seen.
class WeightReader {
 public:
  WeightReader(const TensorStore& store, torch::Device device) : store_(store), device_(device) {}

  torch::Tensor required(const std::string& name, std::vector<std::int64_t> expected_shape) {
    SENTLENS_CHECK(store_.contains(name), FormatError,
                   "{}: missing tensor \"{}\" (expected shape [{}])", store_.origin().string(),
                   name, fmt::join(expected_shape, ", "));
    const SafetensorsFile& file = store_.file_of(name);
    const TensorInfo& info = file.info(name);
    SENTLENS_CHECK(is_floating(info.dtype), FormatError,
                   "{}: tensor \"{}\" has dtype {}, expected a floating type", file.path().string(),
                   name, dtype_name(info.dtype));
    SENTLENS_CHECK(info.shape == expected_shape, FormatError,
                   "{}: tensor \"{}\" has shape [{}], but the config needs [{}]",
                   file.path().string(), name, fmt::join(info.shape, ", "),
                   fmt::join(expected_shape, ", "));
    dtypes_.insert(std::string(dtype_name(info.dtype)));
    used_.insert(name);
    auto tensor = read_tensor(file, name).to(device_, torch::kFloat32);
    file.release(name);  // keeps peak memory near the float32 weights, not weights + file
    return tensor;
  }

  torch::Tensor optional(const std::string& name, std::vector<std::int64_t> expected_shape) {
    if (name.empty() || !store_.contains(name)) return {};
    return required(name, std::move(expected_shape));
  }

  bool contains(const std::string& name) const { return store_.contains(name); }
  std::string dtypes() const { return fmt::format("{}", fmt::join(dtypes_, "+")); }
  const std::set<std::string>& used() const { return used_; }

 private:
  const TensorStore& store_;
  torch::Device device_;
  std::set<std::string> dtypes_;
  std::set<std::string> used_;
};

// The bias of a projection: required when the config says the projection has one.
torch::Tensor bias(WeightReader& reader, const std::string& base, bool expected,
                   std::int64_t size) {
  if (!expected) return {};
  return reader.required(base + ".bias", {size});
}

}  // namespace

ModelWeights load_weights(const TensorStore& store, const ModelConfig& config,
                          torch::Device device) {
  const bool gpt2 = config.model_type == "gpt2";
  std::string prefix;
  if (gpt2 && store.contains("transformer.wte.weight")) prefix = "transformer.";
  const FamilyTensorNames names = family_tensor_names(config, prefix);
  WeightReader reader(store, device);

  const std::int64_t D = config.hidden_size;
  const std::int64_t V = config.vocab_size;
  const std::int64_t H = config.num_heads;
  const std::int64_t KVH = config.num_kv_heads;
  const std::int64_t Dh = config.head_dim;
  const std::int64_t I = config.intermediate_size;
  const bool layer_norm = config.norm == NormKind::kLayerNorm;

  ModelWeights weights;
  weights.token_embedding = reader.required(names.token_embedding, {V, D});
  if (config.learned_positions) {
    weights.position_embedding =
        reader.required(names.position_embedding, {config.max_position_embeddings, D});
  }
  weights.final_norm_weight = reader.required(names.final_norm_weight, {D});
  if (layer_norm) weights.final_norm_bias = reader.required(names.final_norm_bias, {D});
  if (config.tie_word_embeddings || names.lm_head.empty()) {
    weights.lm_head = weights.token_embedding;
  } else {
    weights.lm_head = reader.required(names.lm_head, {V, D});
  }

  for (std::int64_t l = 0; l < config.num_layers; ++l) {
    auto name = [&](const std::string& pattern) { return layer_name(pattern, l); };
    LayerWeights layer;
    layer.attn_norm_weight = reader.required(name(names.attn_norm_weight), {D});
    layer.mlp_norm_weight = reader.required(name(names.mlp_norm_weight), {D});
    if (layer_norm) {
      layer.attn_norm_bias = reader.required(name(names.attn_norm_bias), {D});
      layer.mlp_norm_bias = reader.required(name(names.mlp_norm_bias), {D});
    }
    if (!names.fused_qkv_conv1d.empty()) {
      // GPT-2 Conv1D stores [in, out] and computes x·W + b: transpose to [out, in].
      const std::string base = name(names.fused_qkv_conv1d);
      layer.qkv_weight = reader.required(base + ".weight", {D, 3 * D}).t().contiguous();
      layer.qkv_bias = reader.required(base + ".bias", {3 * D});
    } else {
      const std::string q = name(names.q_proj), k = name(names.k_proj), v = name(names.v_proj);
      layer.qkv_weight = torch::cat({reader.required(q + ".weight", {H * Dh, D}),
                                     reader.required(k + ".weight", {KVH * Dh, D}),
                                     reader.required(v + ".weight", {KVH * Dh, D})});
      if (config.qkv_bias) {
        layer.qkv_bias = torch::cat({bias(reader, q, true, H * Dh), bias(reader, k, true, KVH * Dh),
                                     bias(reader, v, true, KVH * Dh)});
      }
    }
    const std::string o = name(names.o_proj);
    layer.o_weight = names.o_proj_is_conv1d
                         ? reader.required(o + ".weight", {D, D}).t().contiguous()
                         : reader.required(o + ".weight", {D, H * Dh});
    layer.o_bias = bias(reader, o, config.output_proj_bias, D);
    if (config.qk_norm) {
      layer.q_norm_weight = reader.required(name(names.q_norm), {Dh});
      layer.k_norm_weight = reader.required(name(names.k_norm), {Dh});
    }
    const std::string up = name(names.up_proj), down = name(names.down_proj);
    if (names.mlp_is_conv1d) {
      layer.gate_up_weight = reader.required(up + ".weight", {D, I}).t().contiguous();
      layer.gate_up_bias = reader.required(up + ".bias", {I});
      layer.down_weight = reader.required(down + ".weight", {I, D}).t().contiguous();
      layer.down_bias = reader.required(down + ".bias", {D});
    } else {
      const std::string gate = name(names.gate_proj);
      layer.gate_up_weight = torch::cat(
          {reader.required(gate + ".weight", {I, D}), reader.required(up + ".weight", {I, D})});
      if (config.mlp_bias) {
        layer.gate_up_bias = torch::cat({bias(reader, gate, true, I), bias(reader, up, true, I)});
      }
      layer.down_weight = reader.required(down + ".weight", {D, I});
      layer.down_bias = bias(reader, down, config.mlp_bias, D);
    }
    weights.layers.push_back(std::move(layer));
  }
  if (!config.learned_positions) weights.inv_freq = rope_inverse_frequencies(config).to(device);

  std::int64_t unused = 0;
  for (const auto& tensor_name : store.names()) {
    if (reader.used().count(tensor_name) == 0) {
      ++unused;
      logger().debug("{}: tensor \"{}\" is not used by the {} forward", store.origin().string(),
                     tensor_name, config.model_type);
    }
  }
  if (unused > 0) {
    logger().info(
        "{}: {} checkpoint tensors are not used (e.g. rotary caches, attention bias buffers)",
        store.origin().string(), unused);
  }

  std::int64_t count = 0;
  for (const auto& tensor_name : reader.used()) count += store.info(tensor_name).numel();
  weights.parameter_count = count;
  weights.stored_dtypes = reader.dtypes();
  return weights;
}

}  // namespace sentlens
