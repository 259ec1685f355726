// Random-weight checkpoints of real model shapes for the benchmarks.
#include "random_checkpoint.h"

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "sentlens/io/safetensors.h"
#include "sentlens/model/tensor_io.h"

namespace sentlens::bench {

CheckpointShape qwen2_5_0_5b_shape() {
  return {};
}

CheckpointShape llama_12_layer_shape() {
  CheckpointShape shape;
  shape.model_type = "llama";
  shape.layers = 12;
  shape.heads = shape.kv_heads = 12;
  shape.hidden = 768;
  shape.intermediate = 3072;
  shape.vocab = 32000;
  shape.tied_embeddings = false;
  shape.max_positions = 8192;
  return shape;
}

CheckpointShape r1_distill_qwen_1_5b_shape() {
  CheckpointShape shape;
  shape.layers = 28;
  shape.heads = 12;
  shape.kv_heads = 2;
  shape.hidden = 1536;
  shape.head_dim = 128;
  shape.intermediate = 8960;
  shape.vocab = 151936;
  shape.tied_embeddings = false;
  shape.max_positions = 131072;
  return shape;
}

CheckpointShape r1_distill_llama_8b_shape() {
  CheckpointShape shape;
  shape.model_type = "llama";
  shape.layers = 32;
  shape.heads = 32;
  shape.kv_heads = 8;
  shape.hidden = 4096;
  shape.head_dim = 128;
  shape.intermediate = 14336;
  shape.vocab = 128256;
  shape.tied_embeddings = false;
  shape.llama3_rope = true;
  shape.max_positions = 131072;
  return shape;
}

CheckpointShape r1_distill_qwen_14b_shape() {
  CheckpointShape shape;
  shape.layers = 48;
  shape.heads = 40;
  shape.kv_heads = 8;
  shape.hidden = 5120;
  shape.head_dim = 128;
  shape.intermediate = 13824;
  shape.vocab = 152064;
  shape.tied_embeddings = false;
  shape.max_positions = 131072;
  return shape;
}

namespace {

bool has_qkv_bias(const CheckpointShape& s) {
  return s.model_type == "qwen2";
}

std::string config_json(const CheckpointShape& s) {
  nlohmann::json config = {
      {"model_type", s.model_type},
      {"architectures", {s.model_type == "qwen2" ? "Qwen2ForCausalLM" : "LlamaForCausalLM"}},
      {"vocab_size", s.vocab},
      {"hidden_size", s.hidden},
      {"intermediate_size", s.intermediate},
      {"num_hidden_layers", s.layers},
      {"num_attention_heads", s.heads},
      {"num_key_value_heads", s.kv_heads},
      {"max_position_embeddings", s.max_positions},
      {"rms_norm_eps", 1e-6},
      {"rope_theta", s.model_type == "qwen2" ? 1000000.0 : 500000.0},
      {"hidden_act", "silu"},
      {"tie_word_embeddings", s.tied_embeddings},
      {"torch_dtype", "bfloat16"},
      {"bos_token_id", 1},
      {"eos_token_id", 2}};
  if (s.head_dim * s.heads != s.hidden) config["head_dim"] = s.head_dim;
  if (s.model_type == "qwen2") config["use_sliding_window"] = false;
  if (s.llama3_rope) {
    config["rope_scaling"] = {{"rope_type", "llama3"},
                              {"factor", 8.0},
                              {"low_freq_factor", 1.0},
                              {"high_freq_factor", 4.0},
                              {"original_max_position_embeddings", 8192}};
  }
  return config.dump(1);
}

// Collects tensors into shards of at most shard_bytes and writes each shard when it is full, so
// that a 15 GB checkpoint never needs more than one shard in memory.
class ShardedWriter {
 public:
  ShardedWriter(std::filesystem::path folder, std::int64_t shard_bytes)
      : folder_(std::move(folder)), shard_bytes_(shard_bytes) {}

  void add(const std::string& name, const torch::Tensor& tensor) {
    const auto bytes = static_cast<std::int64_t>(tensor.numel() * tensor.element_size());
    if (pending_bytes_ > 0 && pending_bytes_ + bytes > shard_bytes_) flush();
    add_tensor(writer_, name, tensor);
    pending_names_.push_back(name);
    pending_bytes_ += bytes;
    total_bytes_ += bytes;
  }

  void finish() {
    if (pending_bytes_ > 0 || shard_count_ == 0) flush();
    namespace fs = std::filesystem;
    if (shard_count_ == 1) {
      fs::rename(folder_ / shard_name(1), folder_ / "model.safetensors");
      return;
    }
    nlohmann::json index;
    index["metadata"] = {{"total_size", total_bytes_}};
    for (const auto& [name, shard] : shard_of_) {
      const auto final_name = fmt::format("model-{:05}-of-{:05}.safetensors", shard, shard_count_);
      index["weight_map"][name] = final_name;
    }
    for (int shard = 1; shard <= shard_count_; ++shard) {
      fs::rename(folder_ / shard_name(shard),
                 folder_ / fmt::format("model-{:05}-of-{:05}.safetensors", shard, shard_count_));
    }
    std::ofstream(folder_ / "model.safetensors.index.json") << index.dump(1);
  }

 private:
  static std::string shard_name(int shard) { return fmt::format("shard-{}.tmp", shard); }

  void flush() {
    ++shard_count_;
    writer_.write(folder_ / shard_name(shard_count_));
    for (const auto& name : pending_names_) shard_of_[name] = shard_count_;
    writer_ = SafetensorsWriter();
    pending_names_.clear();
    pending_bytes_ = 0;
  }

  std::filesystem::path folder_;
  std::int64_t shard_bytes_;
  SafetensorsWriter writer_;
  std::vector<std::string> pending_names_;
  std::map<std::string, int> shard_of_;
  std::int64_t pending_bytes_ = 0, total_bytes_ = 0;
  int shard_count_ = 0;
};

}  // namespace

std::int64_t shape_parameters(const CheckpointShape& s) {
  const std::int64_t q = s.heads * s.head_dim, kv = s.kv_heads * s.head_dim;
  const std::int64_t biases = has_qkv_bias(s) ? q + 2 * kv : 0;
  const std::int64_t per_layer = 2 * q * s.hidden + 2 * kv * s.hidden + biases  // q, o, k, v
                                 + 3 * s.hidden * s.intermediate                // gate, up, down
                                 + 2 * s.hidden;                                // the two norms
  const std::int64_t embeddings = (s.tied_embeddings ? 1 : 2) * s.vocab * s.hidden;
  return embeddings + s.hidden + s.layers * per_layer;
}

std::int64_t write_random_checkpoint(const std::filesystem::path& folder, const CheckpointShape& s,
                                     const std::filesystem::path& tokenizer_dir,
                                     std::uint64_t seed) {
  namespace fs = std::filesystem;
  fs::create_directories(folder);
  if (!tokenizer_dir.empty()) {
    for (const char* name : {"tokenizer.model", "tokenizer_config.json"}) {
      if (fs::exists(tokenizer_dir / name)) {
        fs::copy_file(tokenizer_dir / name, folder / name, fs::copy_options::overwrite_existing);
      }
    }
  }
  torch::manual_seed(seed);
  ShardedWriter writer(folder, s.shard_bytes);
  const std::int64_t q = s.heads * s.head_dim, kv = s.kv_heads * s.head_dim;
  auto random = [&](const std::string& name, std::vector<std::int64_t> shape) {
    writer.add(name, (torch::randn(shape) * 0.02).to(torch::kBFloat16));
  };
  auto ones = [&](const std::string& name) {
    writer.add(name, torch::ones({s.hidden}, torch::kBFloat16));
  };
  random("model.embed_tokens.weight", {s.vocab, s.hidden});
  for (std::int64_t l = 0; l < s.layers; ++l) {
    const std::string p = fmt::format("model.layers.{}.", l);
    ones(p + "input_layernorm.weight");
    ones(p + "post_attention_layernorm.weight");
    random(p + "self_attn.q_proj.weight", {q, s.hidden});
    random(p + "self_attn.k_proj.weight", {kv, s.hidden});
    random(p + "self_attn.v_proj.weight", {kv, s.hidden});
    if (has_qkv_bias(s)) {
      random(p + "self_attn.q_proj.bias", {q});
      random(p + "self_attn.k_proj.bias", {kv});
      random(p + "self_attn.v_proj.bias", {kv});
    }
    random(p + "self_attn.o_proj.weight", {s.hidden, q});
    random(p + "mlp.gate_proj.weight", {s.intermediate, s.hidden});
    random(p + "mlp.up_proj.weight", {s.intermediate, s.hidden});
    random(p + "mlp.down_proj.weight", {s.hidden, s.intermediate});
  }
  ones("model.norm.weight");
  if (!s.tied_embeddings) random("lm_head.weight", {s.vocab, s.hidden});
  writer.finish();
  // config.json last: benches take a folder with one as a finished checkpoint, so a killed write
  // is redone instead of read half-written.
  std::ofstream(folder / "config.json") << config_json(s);
  return shape_parameters(s);
}

}  // namespace sentlens::bench
