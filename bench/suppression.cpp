// bench/suppression: the suppression matrix the naive way (1 + S full forward passes, one sentence
// at a time, as the original code) against sentlens' default (continue from the baseline's KV
// cache at each sentence's start, several sentences per batched forward), measured in one run on a
// random-weight Llama-architecture checkpoint (12 layers, hidden 768, 12 heads, vocab 32000) that
// the bench writes with sentlens' writer.
// Usage: sentlens_bench_suppression [--tokens 1024] [--sentences 40] [--threads 0]
#include <chrono>
#include <cmath>
#include <filesystem>
#include <string>

#include <fmt/core.h>
#include <torch/torch.h>

#include "sentlens/io/safetensors.h"
#include "sentlens/model/model.h"
#include "sentlens/model/tensor_io.h"
#include "sentlens/suppression/suppression.h"
#include "sentlens/util/openmp.h"

namespace {

std::filesystem::path write_checkpoint(const std::filesystem::path& folder) {
  const std::int64_t D = 768, I = 3072, V = 32000, L = 12, H = 12;
  std::filesystem::create_directories(folder);
  std::FILE* config = std::fopen((folder / "config.json").c_str(), "w");
  fmt::print(config,
             R"({{"model_type": "llama", "hidden_size": {}, "intermediate_size": {},
 "num_hidden_layers": {}, "num_attention_heads": {}, "num_key_value_heads": {},
 "vocab_size": {}, "max_position_embeddings": 4096, "rms_norm_eps": 1e-5}})",
             D, I, L, H, H, V);
  std::fclose(config);
  torch::manual_seed(0);
  sentlens::SafetensorsWriter writer;
  auto add = [&](const std::string& name, std::vector<std::int64_t> shape, double scale) {
    sentlens::add_tensor(writer, name, torch::randn(shape) * scale);
  };
  add("model.embed_tokens.weight", {V, D}, 0.02);
  add("lm_head.weight", {V, D}, 0.02);
  add("model.norm.weight", {D}, 1.0);
  for (std::int64_t l = 0; l < L; ++l) {
    const std::string p = fmt::format("model.layers.{}.", l);
    add(p + "input_layernorm.weight", {D}, 1.0);
    add(p + "post_attention_layernorm.weight", {D}, 1.0);
    for (const char* projection : {"q_proj", "k_proj", "v_proj", "o_proj"}) {
      add(p + "self_attn." + projection + ".weight", {D, D}, 0.05);
    }
    add(p + "mlp.gate_proj.weight", {I, D}, 0.02);
    add(p + "mlp.up_proj.weight", {I, D}, 0.02);
    add(p + "mlp.down_proj.weight", {D, I}, 0.02);
  }
  writer.write(folder / "model.safetensors");
  return folder;
}

}  // namespace

int main(int argc, char** argv) {
  sentlens::ensure_passive_openmp_wait(argv);  // as the CLI (sentlens/util/openmp.h)
  std::int64_t tokens = 1024, sentence_count = 40;
  int threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--tokens")
      tokens = std::stoll(argv[i + 1]);
    else if (arg == "--sentences")
      sentence_count = std::stoll(argv[i + 1]);
    else if (arg == "--threads")
      threads = std::stoi(argv[i + 1]);
  }
  const auto folder = std::filesystem::temp_directory_path() / "sentlens-bench-suppression-12l";
  if (!std::filesystem::exists(folder / "model.safetensors")) write_checkpoint(folder);
  const auto model = sentlens::Model::load(folder, {torch::kCPU, threads});
  fmt::print("threads {}, T {}, S {}\n", torch::get_num_threads(), tokens, sentence_count);

  torch::manual_seed(1);
  const auto ids = torch::randint(32000, {tokens}, torch::kInt64);
  // Sentences of equal length after a prompt of one twentieth of the text.
  const std::int64_t prompt = tokens / 20;
  std::vector<sentlens::TokenRange> sentences;
  for (std::int64_t i = 0; i < sentence_count; ++i) {
    sentences.push_back(
        sentlens::TokenRange{prompt + i * (tokens - prompt) / sentence_count,
                             prompt + (i + 1) * (tokens - prompt) / sentence_count});
  }
  auto progress = [](const sentlens::SuppressionProgress& p) {
    fmt::print(stderr, "\r  sentence {} of {}, {:.0f} s", p.done, p.total, p.elapsed_seconds);
  };
  sentlens::SuppressionOptions naive;
  naive.reuse_prefix = false;
  naive.batch_size = 1;
  naive.on_progress = progress;
  sentlens::SuppressionOptions fast;
  fast.on_progress = progress;

  const auto naive_result = sentlens::suppression_matrix(model, ids, sentences, naive);
  fmt::print(stderr, "\n");
  const auto fast_result = sentlens::suppression_matrix(model, ids, sentences, fast);
  fmt::print(stderr, "\n");
  double worst = 0;
  for (std::size_t i = 0; i < fast_result.kl_matrix.size(); ++i) {
    const double a = fast_result.kl_matrix[i], b = naive_result.kl_matrix[i];
    if (!std::isnan(a) || !std::isnan(b)) worst = std::max(worst, std::abs(a - b));
  }
  fmt::print("naive 1+S full passes: {:.2f} s\n", naive_result.seconds);
  fmt::print("prefix reuse + batch {}: {:.2f} s\n", fast.batch_size, fast_result.seconds);
  fmt::print("speed-up: {:.2f}x   max |difference| of ln(KL + 1e-9): {:.2e}\n",
             naive_result.seconds / fast_result.seconds, worst);
  return 0;
}
