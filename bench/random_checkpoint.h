// Random-weight checkpoints of real model shapes, written with sentlens' own safetensors writer for
// the benchmarks that need a realistically sized model without a download. Stored bf16 (as the
// hub ships these models) unless asked otherwise, sharded with an index file when the weights
// exceed the shard limit, as on the hub.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace sentlens::bench {

/// The shape of a Llama-family checkpoint (llama or qwen2 layout).
struct CheckpointShape {
  std::string model_type = "qwen2";  // "qwen2" (q/k/v biases) or "llama"
  std::int64_t layers = 24, heads = 14, kv_heads = 2, hidden = 896, head_dim = 64;
  std::int64_t intermediate = 4864, vocab = 151936;
  bool tied_embeddings = true;
  bool llama3_rope = false;  // rope_scaling {"rope_type": "llama3", factor 8}
  std::int64_t max_positions = 32768;
  std::int64_t shard_bytes = 2'000'000'000;  // at most this many bytes per shard (hub: 2-5 GB)
};

/// Qwen2.5-0.5B: 24 layers, hidden 896, 14 heads, 2 KV heads, intermediate 4864, tied.
CheckpointShape qwen2_5_0_5b_shape();
/// A 12-layer Llama: hidden 768, 12 heads (no GQA), intermediate 3072, vocabulary 32,000.
CheckpointShape llama_12_layer_shape();
/// DeepSeek-R1-Distill-Qwen-1.5B: Qwen2, hidden 1536, 28 layers, 12 heads, 2 KV heads,
/// intermediate 8960, vocabulary 151,936, untied.
CheckpointShape r1_distill_qwen_1_5b_shape();
/// DeepSeek-R1-Distill-Llama-8B: hidden 4096, 32 layers, 32 heads, 8 KV heads, intermediate
/// 14336, vocabulary 128,256, llama3 rope scaling, untied.
CheckpointShape r1_distill_llama_8b_shape();
/// DeepSeek-R1-Distill-Qwen-14B: hidden 5120, 48 layers, 40 heads, 8 KV heads, intermediate
/// 13824, vocabulary 152,064, untied.
CheckpointShape r1_distill_qwen_14b_shape();

/// Parameters of the checkpoint (tied embeddings counted once).
std::int64_t shape_parameters(const CheckpointShape& shape);

/// Writes config.json and the weights (model.safetensors, or model-0000i-of-0000n.safetensors
/// with model.safetensors.index.json) to `folder` (created): weights N(0, 0.02²) from
/// torch::manual_seed(seed), norms 1, stored bf16. Copies tokenizer.model and
/// tokenizer_config.json from `tokenizer_dir` when given (the bench texts are tokenized with
/// stories260K's tokenizer; the config's BOS/EOS ids 1 and 2 are its). Returns the parameter count.
std::int64_t write_random_checkpoint(const std::filesystem::path& folder,
                                     const CheckpointShape& shape,
                                     const std::filesystem::path& tokenizer_dir = {},
                                     std::uint64_t seed = 0);

}  // namespace sentlens::bench
