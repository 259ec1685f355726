// The random-weight Qwen2.5-0.5B-shape checkpoint of the benchmarks.
#include "random_checkpoint.h"

#include <fstream>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <torch/torch.h>

#include "sentlens/io/safetensors.h"
#include "sentlens/model/tensor_io.h"

namespace sentlens::bench {

std::int64_t qwen_shape_parameters(const QwenShape& s) {
  const std::int64_t q = s.heads * s.head_dim, kv = s.kv_heads * s.head_dim;
  const std::int64_t per_layer = 2 * q * s.hidden + q             // q_proj (+ bias), o_proj
                                 + 2 * (kv * s.hidden + kv)       // k_proj, v_proj (+ biases)
                                 + 3 * s.hidden * s.intermediate  // gate, up, down
                                 + 2 * s.hidden;                  // the two norms
  return s.vocab * s.hidden + s.hidden + s.layers * per_layer;
}

std::int64_t write_random_qwen_checkpoint(const std::filesystem::path& folder,
                                          const std::filesystem::path& tokenizer_dir,
                                          std::uint64_t seed, const QwenShape& s) {
  namespace fs = std::filesystem;
  fs::create_directories(folder);
  std::ofstream(folder / "config.json") << fmt::format(
      R"({{"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "vocab_size": {},
 "hidden_size": {}, "intermediate_size": {}, "num_hidden_layers": {}, "num_attention_heads": {},
 "num_key_value_heads": {}, "max_position_embeddings": 32768, "rms_norm_eps": 1e-06,
 "rope_theta": 1000000.0, "hidden_act": "silu", "tie_word_embeddings": true,
 "use_sliding_window": false, "torch_dtype": "bfloat16", "bos_token_id": 1, "eos_token_id": 2}})",
      s.vocab, s.hidden, s.intermediate, s.layers, s.heads, s.kv_heads);
  if (!tokenizer_dir.empty()) {
    for (const char* name : {"tokenizer.model", "tokenizer_config.json"}) {
      if (fs::exists(tokenizer_dir / name)) {
        fs::copy_file(tokenizer_dir / name, folder / name, fs::copy_options::overwrite_existing);
      }
    }
  }
  torch::manual_seed(seed);
  SafetensorsWriter writer;
  const std::int64_t q = s.heads * s.head_dim, kv = s.kv_heads * s.head_dim;
  auto random = [&](const std::string& name, std::vector<std::int64_t> shape) {
    add_tensor(writer, name, (torch::randn(shape) * 0.02).to(torch::kBFloat16));
  };
  auto ones = [&](const std::string& name) {
    add_tensor(writer, name, torch::ones({s.hidden}, torch::kBFloat16));
  };
  random("model.embed_tokens.weight", {s.vocab, s.hidden});
  ones("model.norm.weight");
  for (std::int64_t l = 0; l < s.layers; ++l) {
    const std::string p = fmt::format("model.layers.{}.", l);
    ones(p + "input_layernorm.weight");
    ones(p + "post_attention_layernorm.weight");
    random(p + "self_attn.q_proj.weight", {q, s.hidden});
    random(p + "self_attn.q_proj.bias", {q});
    random(p + "self_attn.k_proj.weight", {kv, s.hidden});
    random(p + "self_attn.k_proj.bias", {kv});
    random(p + "self_attn.v_proj.weight", {kv, s.hidden});
    random(p + "self_attn.v_proj.bias", {kv});
    random(p + "self_attn.o_proj.weight", {s.hidden, q});
    random(p + "mlp.gate_proj.weight", {s.intermediate, s.hidden});
    random(p + "mlp.up_proj.weight", {s.intermediate, s.hidden});
    random(p + "mlp.down_proj.weight", {s.hidden, s.intermediate});
  }
  writer.write(folder / "model.safetensors");
  return qwen_shape_parameters(s);
}

}  // namespace sentlens::bench
