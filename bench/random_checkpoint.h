// A random-weight checkpoint of Qwen2.5-0.5B's shape (24 layers, 14 query heads, 2 KV heads,
// hidden 896, vocabulary 151936; stored bf16 as Qwen ships it), written with sentlens' own
// safetensors writer for the benchmarks that need a realistically sized model without a download.
#pragma once

#include <cstdint>
#include <filesystem>

namespace sentlens::bench {

struct QwenShape {
  std::int64_t layers = 24, heads = 14, kv_heads = 2, hidden = 896, head_dim = 64;
  std::int64_t intermediate = 4864, vocab = 151936;
};

/// Parameters of the checkpoint (tied embeddings counted once).
std::int64_t qwen_shape_parameters(const QwenShape& shape = {});

/// Writes config.json and model.safetensors to `folder` (created): weights N(0, 0.02²) from
/// torch::manual_seed(seed), norms 1. Copies tokenizer.model and tokenizer_config.json from
/// `tokenizer_dir` when given (the bench texts are tokenized with stories260K's tokenizer; the
/// config's BOS/EOS ids 1 and 2 are its). Returns the parameter count.
std::int64_t write_random_qwen_checkpoint(const std::filesystem::path& folder,
                                          const std::filesystem::path& tokenizer_dir = {},
                                          std::uint64_t seed = 0, const QwenShape& shape = {});

}  // namespace sentlens::bench
