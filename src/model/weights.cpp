// Loading checkpoint tensors into the internal layout, with shape checks that name the tensor.
#include "model/weights.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/torch.h>

#include "model/family.h"
#include "model/host_memory.h"
#include "model/rope.h"
#include "sentlens/model/tensor_io.h"
#include "util/check.h"
#include "util/log.h"

namespace sentlens {

namespace {

std::string layer_name(const std::string& pattern, std::int64_t layer) {
  return fmt::format(fmt::runtime(pattern), layer);
}

// One NaN or Inf in a weight makes every later logit NaN: refuse the checkpoint instead, naming the
// tensor (resident weights are checked once at load, streamed ones as each layer is read).
void check_finite(const torch::Tensor& tensor, const std::string& where) {
  const std::int64_t first = first_nonfinite(tensor);
  if (first < 0) return;
  throw FormatError(
      fmt::format("{} holds {} non-finite values (NaN or Inf), the first at flat "
                  "index {}: the checkpoint is corrupt",
                  where, torch::isfinite(tensor).logical_not().sum().item<std::int64_t>(), first));
}

// Drops the pages of a mapped tensor's bytes from memory (they are re-read from the file if used
// again): whole pages inside the range only, so neighbours are never touched.
void release_pages(const torch::Tensor& mapped) {
  if (!mapped.defined() || mapped.numel() == 0 || !mapped.device().is_cpu()) return;
  static const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto first = reinterpret_cast<std::uintptr_t>(mapped.data_ptr());
  const auto last = first + static_cast<std::uintptr_t>(mapped.numel() * mapped.element_size());
  const auto begin = (first + page - 1) & ~(page - 1);
  const auto end = last & ~(page - 1);
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

// Reads tensors from the store, checking shapes, and records the dtypes seen. Vectors (norms,
// biases) are read as float32; matrices stay in the stored dtype, copied (resident) or mapped
// (streamed).
class WeightReader {
 public:
  WeightReader(const TensorStore& store, torch::Device device, bool streamed)
      : store_(store), device_(device), streamed_(streamed) {}

  // A float32 copy (small tensors: norms, biases, position embeddings).
  torch::Tensor required(const std::string& name, std::vector<std::int64_t> expected_shape) {
    const SafetensorsFile& file = check(name, expected_shape);
    auto tensor = read_tensor(file, name).to(device_, torch::kFloat32);
    file.release(name);  // keeps peak memory near the weights, not weights + file
    check_finite(tensor, where(file, name));
    resident_bytes_ += tensor.numel() * 4;
    return tensor;
  }

  torch::Tensor optional(const std::string& name, std::vector<std::int64_t> expected_shape) {
    if (name.empty() || !store_.contains(name)) return {};
    return required(name, std::move(expected_shape));
  }

  // A matrix in its stored dtype: a view of the mapping when streamed (and aligned for its dtype),
  // else a copy in memory.
  torch::Tensor matrix(const std::string& name, std::vector<std::int64_t> expected_shape) {
    const SafetensorsFile& file = check(name, expected_shape);
    const TensorInfo& info = file.info(name);
    const auto options = torch::TensorOptions().dtype(torch_dtype(info.dtype));
    const auto address = reinterpret_cast<std::uintptr_t>(file.data(name));
    if (streamed_ && device_.is_cpu() && info.byte_size() > 0 &&
        address % static_cast<std::uintptr_t>(dtype_size(info.dtype)) == 0) {
      auto keep_open = owner_of(file);
      return torch::from_blob(
          const_cast<std::byte*>(file.data(name)), info.shape, [keep_open](void*) {}, options);
    }
    auto tensor = huge_page_tensor(info.shape, torch_dtype(info.dtype));
    copy_into(file, name, tensor);
    return tensor.to(device_);
  }

  /// Checks a matrix's name, dtype and shape (as matrix() does) without reading it.
  torch::ScalarType check_matrix(const std::string& name,
                                 const std::vector<std::int64_t>& expected_shape) {
    return torch_dtype(check(name, expected_shape).info(name).dtype);
  }

  /// Reads the stored bytes of a checked matrix into `destination` (contiguous, on the CPU, of
  /// its dtype and size) and checks them for NaN and Inf.
  void read_into(const std::string& name, torch::Tensor destination) {
    copy_into(store_.file_of(name), name, destination);
  }

  bool contains(const std::string& name) const { return store_.contains(name); }
  bool on_cpu() const { return device_.is_cpu(); }
  std::string where(const std::string& name) const { return where(store_.file_of(name), name); }
  std::string dtypes() const { return fmt::format("{}", fmt::join(dtypes_, "+")); }
  const std::set<std::string>& used() const { return used_; }
  std::int64_t resident_bytes() const { return resident_bytes_; }

 private:
  const SafetensorsFile& check(const std::string& name,
                               const std::vector<std::int64_t>& expected_shape) {
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
    return file;
  }

  void copy_into(const SafetensorsFile& file, const std::string& name, torch::Tensor& destination) {
    const std::size_t bytes = file.info(name).byte_size();
    if (bytes > 0) std::memcpy(destination.data_ptr(), file.data(name), bytes);
    file.release(name);  // keeps peak memory near the weights, not weights + file
    check_finite(destination, where(file, name));
    resident_bytes_ += static_cast<std::int64_t>(bytes);
  }

  static std::string where(const SafetensorsFile& file, const std::string& name) {
    return fmt::format("{}: tensor \"{}\"", file.path().string(), name);
  }

  std::shared_ptr<const SafetensorsFile> owner_of(const SafetensorsFile& file) const {
    for (const auto& candidate : store_.files()) {
      if (candidate.get() == &file) return candidate;
    }
    return {};
  }

  const TensorStore& store_;
  torch::Device device_;
  bool streamed_;
  std::set<std::string> dtypes_;
  std::set<std::string> used_;
  std::int64_t resident_bytes_ = 0;
};

// The bias of a projection: required when the config says the projection has one.
torch::Tensor bias(WeightReader& reader, const std::string& base, bool expected,
                   std::int64_t size) {
  if (!expected) return {};
  return reader.required(base + ".bias", {size});
}

// A matrix of the internal layout from its checkpoint parts: kept as parts (streamed) or stacked
// and transposed once in the stored dtype (resident; parts of different dtypes become float32).
class MatrixBuilder {
 public:
  MatrixBuilder(WeightReader& reader, bool streamed) : reader_(reader), streamed_(streamed) {}

  // `transposed`: the checkpoint stores [in, out] (GPT-2 Conv1D); `stored_shape` is its shape.
  MatrixBuilder& part(const std::string& name, std::vector<std::int64_t> stored_shape,
                      bool transposed = false) {
    if (streamed_) {
      parts_.push_back({reader_.matrix(name, stored_shape), transposed, reader_.where(name)});
    } else {
      // Resident parts are read by resident(), straight into the stacked matrix.
      dtypes_.push_back(reader_.check_matrix(name, stored_shape));
    }
    names_.push_back(name);
    shapes_.push_back(std::move(stored_shape));
    transposed_.push_back(transposed);
    return *this;
  }

  StreamedMatrix streamed() const {
    StreamedMatrix matrix;
    matrix.parts = parts_;
    for (const auto& part : parts_) {
      matrix.rows += part.stored.size(part.transposed ? 1 : 0);
      matrix.cols = part.stored.size(part.transposed ? 0 : 1);
    }
    return matrix;
  }

  torch::Tensor resident() const {
    const bool same_dtype =
        std::all_of(dtypes_.begin(), dtypes_.end(), [&](auto d) { return d == dtypes_[0]; });
    const bool any_transposed = std::any_of(transposed_.begin(), transposed_.end(),
                                            [](bool transposed) { return transposed; });
    if (same_dtype && !any_transposed && reader_.on_cpu()) {
      // The common case: the parts' bytes copied once, into their rows of the stacked matrix.
      std::int64_t rows = 0;
      for (const auto& shape : shapes_) rows += shape[0];
      auto matrix = huge_page_tensor({rows, shapes_[0][1]}, dtypes_[0]);
      std::int64_t row = 0;
      for (std::size_t i = 0; i < names_.size(); ++i) {
        reader_.read_into(names_[i], matrix.narrow(0, row, shapes_[i][0]));
        row += shapes_[i][0];
      }
      return matrix;
    }
    std::vector<torch::Tensor> oriented;
    for (std::size_t i = 0; i < names_.size(); ++i) {
      auto tensor = reader_.matrix(names_[i], shapes_[i]);
      if (transposed_[i]) tensor = tensor.t();
      oriented.push_back(same_dtype ? tensor : tensor.to(torch::kFloat32));
    }
    return oriented.size() == 1 ? oriented[0].contiguous() : torch::cat(oriented);
  }

  // Fills `slot` (resident) or records the mapped parts for it (streamed).
  void build(torch::Tensor& slot, std::map<const torch::Tensor*, StreamedMatrix>& mapped) const {
    if (streamed_) {
      mapped[&slot] = streamed();
    } else {
      slot = resident();
    }
  }

 private:
  WeightReader& reader_;
  bool streamed_;
  std::vector<StreamedMatrix::Part> parts_;  // streamed
  std::vector<std::string> names_;
  std::vector<std::vector<std::int64_t>> shapes_;
  std::vector<bool> transposed_;
  std::vector<torch::ScalarType> dtypes_;  // resident
};

std::string layer_name(const std::string& pattern, std::int64_t layer, std::int64_t expert) {
  return fmt::format(fmt::runtime(pattern), layer, expert);
}

// A norm's weight in float32; Gemma's (1 + w) norms get their 1 added here, once (the same
// float32 value transformers computes in every forward).
torch::Tensor norm_weight(WeightReader& reader, const ModelConfig& config, const std::string& name,
                          std::int64_t size) {
  auto weight = reader.required(name, {size});
  return config.norm_weight_plus_one ? weight.add_(1.0) : weight;
}

using MappedMatrices = std::map<const torch::Tensor*, StreamedMatrix>;

// Multi-head / grouped-query attention: q, k, v (separate, fused, or GPT-2's Conv1D) and o.
void load_attention(WeightReader& reader, const ModelConfig& config, const FamilyTensorNames& names,
                    std::int64_t l, bool streamed, LayerWeights& layer, MappedMatrices& mapped) {
  auto name = [&](const std::string& pattern) { return layer_name(pattern, l); };
  const std::int64_t D = config.hidden_size, H = config.num_heads, KVH = config.num_kv_heads;
  const std::int64_t Dh = config.head_dim;
  MatrixBuilder qkv(reader, streamed), o(reader, streamed);
  if (!names.fused_qkv_conv1d.empty()) {
    // GPT-2 Conv1D stores [in, out] and computes x·W + b: used as [out, in].
    const std::string base = name(names.fused_qkv_conv1d);
    qkv.part(base + ".weight", {D, 3 * D}, /*transposed=*/true);
    layer.qkv_bias = reader.required(base + ".bias", {3 * D});
  } else if (!names.fused_qkv.empty()) {
    const std::string base = name(names.fused_qkv);
    qkv.part(base + ".weight", {(H + 2 * KVH) * Dh, D});
    layer.qkv_bias = bias(reader, base, config.qkv_bias, (H + 2 * KVH) * Dh);
  } else {
    const std::string q = name(names.q_proj), k = name(names.k_proj), v = name(names.v_proj);
    qkv.part(q + ".weight", {H * Dh, D})
        .part(k + ".weight", {KVH * Dh, D})
        .part(v + ".weight", {KVH * Dh, D});
    if (config.qkv_bias) {
      layer.qkv_bias = torch::cat({bias(reader, q, true, H * Dh), bias(reader, k, true, KVH * Dh),
                                   bias(reader, v, true, KVH * Dh)});
    }
  }
  const std::string o_name = name(names.o_proj);
  if (names.o_proj_is_conv1d) {
    o.part(o_name + ".weight", {D, D}, /*transposed=*/true);
  } else {
    o.part(o_name + ".weight", {D, H * Dh});
  }
  layer.o_bias = bias(reader, o_name, config.output_proj_bias, D);
  if (config.qk_norm == QkNormKind::kPerHead) {
    layer.q_norm_weight = norm_weight(reader, config, name(names.q_norm), Dh);
    layer.k_norm_weight = norm_weight(reader, config, name(names.k_norm), Dh);
  } else if (config.qk_norm == QkNormKind::kWholeProjection) {
    layer.q_norm_weight = norm_weight(reader, config, name(names.q_norm), H * Dh);
    layer.k_norm_weight = norm_weight(reader, config, name(names.k_norm), KVH * Dh);
  }
  qkv.build(layer.qkv_weight, mapped);
  o.build(layer.o_weight, mapped);
}

// DeepSeek's multi-head latent attention: q_a_proj (or q_proj) and kv_a_proj_with_mqa stacked in
// qkv_weight (both read x), then q_b_proj and kv_b_proj on the normed low-rank parts.
void load_latent_attention(WeightReader& reader, const ModelConfig& config,
                           const FamilyTensorNames& names, std::int64_t l, bool streamed,
                           LayerWeights& layer, MappedMatrices& mapped) {
  auto name = [&](const std::string& pattern) { return layer_name(pattern, l); };
  const std::int64_t D = config.hidden_size, H = config.num_heads, Dh = config.head_dim;
  const std::int64_t kv_rank = config.kv_lora_rank, q_rank = config.q_lora_rank;
  MatrixBuilder stacked(reader, streamed), q_b(reader, streamed), kv_b(reader, streamed),
      o(reader, streamed);
  if (q_rank > 0) {
    stacked.part(name(names.q_a_proj) + ".weight", {q_rank, D});
    layer.q_a_norm_weight = reader.required(name(names.q_a_norm), {q_rank});
    q_b.part(name(names.q_b_proj) + ".weight", {H * Dh, q_rank});
    q_b.build(layer.q_b_weight, mapped);
  } else {
    stacked.part(name(names.q_proj) + ".weight", {H * Dh, D});
  }
  stacked.part(name(names.kv_a_proj) + ".weight", {kv_rank + config.rotary_dim, D});
  layer.kv_a_norm_weight = reader.required(name(names.kv_a_norm), {kv_rank});
  kv_b.part(name(names.kv_b_proj) + ".weight",
            {H * (config.qk_nope_head_dim + config.v_head_dim), kv_rank});
  o.part(name(names.o_proj) + ".weight", {D, H * config.v_head_dim});
  stacked.build(layer.qkv_weight, mapped);
  kv_b.build(layer.kv_b_weight, mapped);
  o.build(layer.o_weight, mapped);
}

// A gated MLP's two matrices from `base`.{gate,up,down} (an expert or a shared expert).
void load_gated(WeightReader& reader, const std::string& base, const std::string& gate,
                const std::string& up, const std::string& down, std::int64_t D, std::int64_t I,
                bool streamed, ExpertWeights& expert, MappedMatrices& mapped) {
  MatrixBuilder gate_up(reader, streamed), down_matrix(reader, streamed);
  gate_up.part(base + "." + gate + ".weight", {I, D}).part(base + "." + up + ".weight", {I, D});
  down_matrix.part(base + "." + down + ".weight", {D, I});
  gate_up.build(expert.gate_up_weight, mapped);
  down_matrix.build(expert.down_weight, mapped);
}

void load_mlp(WeightReader& reader, const ModelConfig& config, const FamilyTensorNames& names,
              std::int64_t l, bool streamed, LayerWeights& layer, MappedMatrices& mapped) {
  auto name = [&](const std::string& pattern) { return layer_name(pattern, l); };
  const std::int64_t D = config.hidden_size, I = config.intermediate_size;
  MatrixBuilder gate_up(reader, streamed), down(reader, streamed);
  const std::string up = name(names.up_proj), down_name = name(names.down_proj);
  if (names.mlp_is_conv1d) {
    gate_up.part(up + ".weight", {D, I}, /*transposed=*/true);
    layer.gate_up_bias = reader.required(up + ".bias", {I});
    down.part(down_name + ".weight", {I, D}, /*transposed=*/true);
    layer.down_bias = reader.required(down_name + ".bias", {D});
  } else {
    if (!names.fused_gate_up.empty()) {
      gate_up.part(name(names.fused_gate_up) + ".weight", {2 * I, D});
    } else {
      const std::string gate = name(names.gate_proj);
      gate_up.part(gate + ".weight", {I, D}).part(up + ".weight", {I, D});
      if (config.mlp_bias) {
        layer.gate_up_bias = torch::cat({bias(reader, gate, true, I), bias(reader, up, true, I)});
      }
    }
    down.part(down_name + ".weight", {D, I});
    layer.down_bias = bias(reader, down_name, config.mlp_bias, D);
  }
  gate_up.build(layer.gate_up_weight, mapped);
  down.build(layer.down_weight, mapped);
}

void load_experts(WeightReader& reader, const ModelConfig& config, const FamilyTensorNames& names,
                  std::int64_t l, bool streamed, LayerWeights& layer, MappedMatrices& mapped) {
  auto name = [&](const std::string& pattern) { return layer_name(pattern, l); };
  const std::int64_t D = config.hidden_size, E = config.num_experts;
  layer.router_weight = reader.required(name(names.router), {E, D});
  if (config.router == RouterKind::kSigmoidGrouped) {
    layer.router_bias = reader.required(name(names.router_bias), {E});
  }
  layer.experts.resize(static_cast<std::size_t>(E));  // before any slot's address is taken
  for (std::int64_t e = 0; e < E; ++e) {
    load_gated(reader, layer_name(names.expert, l, e), names.expert_gate, names.expert_up,
               names.expert_down, D, config.moe_intermediate_size, streamed,
               layer.experts[static_cast<std::size_t>(e)], mapped);
  }
  if (config.shared_expert_intermediate_size > 0) {
    load_gated(reader, name(names.shared_expert), "gate_proj", "up_proj", "down_proj", D,
               config.shared_expert_intermediate_size, streamed, layer.shared_expert, mapped);
    if (config.shared_expert_gated) {
      layer.shared_expert_gate = reader.required(name(names.shared_expert_gate), {1, D});
    }
  }
}

}  // namespace

std::vector<torch::Tensor*> matrix_slots(LayerWeights& layer) {
  std::vector<torch::Tensor*> slots = {&layer.qkv_weight,     &layer.q_b_weight,
                                       &layer.kv_b_weight,    &layer.o_weight,
                                       &layer.gate_up_weight, &layer.down_weight};
  for (auto& expert : layer.experts) {
    slots.push_back(&expert.gate_up_weight);
    slots.push_back(&expert.down_weight);
  }
  slots.push_back(&layer.shared_expert.gate_up_weight);
  slots.push_back(&layer.shared_expert.down_weight);
  return slots;
}

ModelWeights load_weights(const TensorStore& store, const ModelConfig& config, torch::Device device,
                          bool streamed) {
  const bool gpt2 = config.model_type == "gpt2";
  std::string prefix;
  if (gpt2 && store.contains("transformer.wte.weight")) prefix = "transformer.";
  const FamilyTensorNames names = family_tensor_names(config, prefix);
  WeightReader reader(store, device, streamed);

  const std::int64_t D = config.hidden_size;
  const std::int64_t V = config.vocab_size;
  const bool layer_norm = config.norm == NormKind::kLayerNorm;

  ModelWeights weights;
  weights.token_embedding = reader.matrix(names.token_embedding, {V, D});
  if (config.learned_positions) {
    weights.position_embedding =
        reader.required(names.position_embedding, {config.max_position_embeddings, D});
  }
  weights.final_norm_weight = norm_weight(reader, config, names.final_norm_weight, D);
  if (layer_norm) weights.final_norm_bias = reader.required(names.final_norm_bias, {D});
  if (config.tie_word_embeddings || names.lm_head.empty()) {
    weights.lm_head = weights.token_embedding;
  } else {
    weights.lm_head = reader.matrix(names.lm_head, {V, D});
  }

  for (std::int64_t l = 0; l < config.num_layers; ++l) {
    auto name = [&](const std::string& pattern) { return layer_name(pattern, l); };
    LayerWeights layer;
    std::map<const torch::Tensor*, StreamedMatrix> mapped;
    if (!names.attn_norm_weight.empty()) {
      layer.attn_norm_weight = norm_weight(reader, config, name(names.attn_norm_weight), D);
      if (layer_norm) layer.attn_norm_bias = reader.required(name(names.attn_norm_bias), {D});
    }
    if (!names.mlp_norm_weight.empty()) {
      layer.mlp_norm_weight = norm_weight(reader, config, name(names.mlp_norm_weight), D);
      if (layer_norm) layer.mlp_norm_bias = reader.required(name(names.mlp_norm_bias), {D});
    }
    if (!names.attn_out_norm_weight.empty()) {
      layer.attn_out_norm_weight = norm_weight(reader, config, name(names.attn_out_norm_weight), D);
      layer.mlp_out_norm_weight = norm_weight(reader, config, name(names.mlp_out_norm_weight), D);
    }
    if (config.attention == AttentionKind::kLatent) {
      load_latent_attention(reader, config, names, l, streamed, layer, mapped);
    } else {
      load_attention(reader, config, names, l, streamed, layer, mapped);
    }
    if (config.is_moe_layer(l)) {
      load_experts(reader, config, names, l, streamed, layer, mapped);
    } else {
      load_mlp(reader, config, names, l, streamed, layer, mapped);
    }
    StreamedLayer streamed_layer;
    std::int64_t matrices = 0;
    for (torch::Tensor* slot : matrix_slots(layer)) {
      const auto found = mapped.find(slot);
      StreamedMatrix matrix = found != mapped.end() ? found->second : StreamedMatrix{};
      matrices += streamed ? matrix.rows * matrix.cols : (slot->defined() ? slot->numel() : 0);
      streamed_layer.matrices.push_back(std::move(matrix));
    }
    weights.layer_float32_bytes = std::max(weights.layer_float32_bytes, 4 * matrices);
    weights.layers.push_back(std::move(layer));
    if (streamed) weights.streamed.push_back(std::move(streamed_layer));
  }
  if (!config.learned_positions) weights.rotary = rotary_frequencies(config).to(device);
  if (streamed) weights.mapped_files = store.files();

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
  weights.resident_bytes = reader.resident_bytes();
  return weights;
}

std::int64_t stored_weight_bytes(const TensorStore& store) {
  std::int64_t bytes = 0;
  for (const auto& name : store.names()) {
    bytes += static_cast<std::int64_t>(store.info(name).byte_size());
  }
  return bytes;
}

LayerMaterializer::LayerMaterializer(const ModelWeights& weights, torch::Device device)
    : weights_(weights), device_(device) {}

torch::Tensor LayerMaterializer::materialize(const torch::Tensor& stored, torch::Tensor& buffer) {
  if (stored.scalar_type() == torch::kFloat32 && stored.device() == device_) return stored;
  if (!buffer.defined() || buffer.numel() < stored.numel()) {
    buffer = torch::empty({stored.numel()}, torch::TensorOptions().device(device_));
  }
  auto target = buffer.narrow(0, 0, stored.numel()).view(stored.sizes());
  target.copy_(stored);  // converts the dtype
  return target;
}

torch::Tensor LayerMaterializer::materialize(const StreamedMatrix& matrix, torch::Tensor& buffer) {
  const auto count = matrix.rows * matrix.cols;
  if (!buffer.defined() || buffer.numel() < count) {
    buffer = torch::empty({count}, torch::TensorOptions().device(device_));
  }
  auto target = buffer.narrow(0, 0, count).view({matrix.rows, matrix.cols});
  std::int64_t row = 0;
  for (const auto& part : matrix.parts) {
    auto oriented = part.transposed ? part.stored.t() : part.stored;
    auto rows = target.narrow(0, row, oriented.size(0));
    rows.copy_(oriented);
    check_finite(rows, part.where);
    row += oriented.size(0);
  }
  return target;
}

const LayerWeights& LayerMaterializer::layer(std::int64_t l) {
  const auto index = static_cast<std::size_t>(l);
  current_ = weights_.layers[index];
  const auto slots = matrix_slots(current_);
  if (buffers_.size() < slots.size()) buffers_.resize(slots.size());
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (!weights_.streamed.empty()) {
      const StreamedMatrix& mapped = weights_.streamed[index].matrices[i];
      if (!mapped.parts.empty()) *slots[i] = materialize(mapped, buffers_[i]);
    } else if (slots[i]->defined()) {
      *slots[i] = materialize(*slots[i], buffers_[i]);
    }
  }
  return current_;
}

void LayerMaterializer::release(std::int64_t l) const {
  if (weights_.streamed.empty()) return;
  for (const auto& matrix : weights_.streamed[static_cast<std::size_t>(l)].matrices) {
    for (const auto& part : matrix.parts) release_pages(part.stored);
  }
}

torch::Tensor lm_head_logits(const ModelWeights& weights, const torch::Tensor& hidden) {
  const auto& head = weights.lm_head;
  if (head.scalar_type() == torch::kFloat32) {
    return torch::nn::functional::linear(hidden, head);
  }
  // Slices of 16,384 vocabulary rows: 64 MiB of float32 at D = 1024.
  constexpr std::int64_t kSliceRows = 16384;
  const std::int64_t V = head.size(0);
  auto sizes = hidden.sizes().vec();
  sizes.back() = V;
  auto logits = torch::empty(sizes, hidden.options());
  const bool mapped = !weights.streamed.empty();
  for (std::int64_t first = 0; first < V; first += kSliceRows) {
    const auto count = std::min(kSliceRows, V - first);
    const auto slice = head.narrow(0, first, count);
    const auto converted = slice.to(torch::kFloat32);
    if (mapped) {  // resident weights were checked at load
      check_finite(converted, fmt::format("the LM head rows {}..{}", first, first + count - 1));
    }
    logits.narrow(-1, first, count).copy_(torch::nn::functional::linear(hidden, converted));
    if (mapped) release_pages(slice);
  }
  return logits;
}

}  // namespace sentlens
