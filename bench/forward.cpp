// bench/forward: how close the forward pass comes to this machine's matmul throughput, and what a
// no-op observer costs. Measured in one run:
//   1. the limit: float32 matmul GFLOP/s of libtorch's BLAS on shapes like the model's;
//   2. for stories260K (from ../shared) and a random-weight Qwen2.5-0.5B-shape checkpoint (written
//      by this bench with sentlens' writer): the forward's FLOPs, its time, achieved GFLOP/s as a %
//      of the limit, and the time with a no-op observer on every layer as a ratio to without.
// Usage: sentlens_bench_forward [--tokens 1024] [--threads 0] [--repeats 2] [--shared DIR]
//                               [--skip-large]
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>

#include <fmt/core.h>
#include <torch/torch.h>

#include "random_checkpoint.h"
#include "sentlens/model/model.h"

namespace {

using Clock = std::chrono::steady_clock;
using sentlens::ModelConfig;

double seconds(const std::function<void()>& action) {
  auto start = Clock::now();
  action();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Best time of `repeats` runs after one warm-up.
double best_time(int repeats, const std::function<void()>& action) {
  action();
  double best = 1e300;
  for (int i = 0; i < repeats; ++i) best = std::min(best, seconds(action));
  return best;
}

// The limit: the best float32 GEMM rate over shapes a transformer layer runs.
double matmul_gflops(std::int64_t rows, std::int64_t inner, std::int64_t cols, int repeats) {
  auto a = torch::randn({rows, inner});
  auto b = torch::randn({inner, cols});
  const double time = best_time(repeats, [&] { auto c = torch::matmul(a, b); });
  return 2.0 * rows * inner * cols / time / 1e9;
}

// Multiply-adds ×2 of one forward over T tokens, counting the attention blocks as computed
// (each query row against keys 0..row).
double forward_flops(const ModelConfig& config, std::int64_t T) {
  const double D = config.hidden_size, H = config.num_heads, KVH = config.num_kv_heads;
  const double Dh = config.head_dim, I = config.intermediate_size, V = config.vocab_size;
  const double mlp_matrices = config.mlp == sentlens::MlpKind::kSwiGlu ? 3 : 2;
  const double per_token_linear = D * (H + 2 * KVH) * Dh + H * Dh * D + mlp_matrices * D * I;
  const double key_visits = static_cast<double>(T) * (T + 1) / 2;  // Σ over rows of (row + 1)
  const double attention = 2 * H * Dh * key_visits;                // QKᵀ and P·V
  return 2.0 * (config.num_layers * (per_token_linear * T + attention) + V * D * T);
}

class NoOpObserver final : public sentlens::AttentionObserver {
 public:
  void observe(const sentlens::AttentionBlock&, const torch::Tensor&) override {}
};

void bench_model(const std::string& label, const std::filesystem::path& folder, std::int64_t T,
                 int repeats, double limit_gflops) {
  const sentlens::Model model = sentlens::Model::load(folder);
  const auto& config = model.config();
  T = std::min(T, config.max_position_embeddings);
  torch::manual_seed(1);
  const auto ids = torch::randint(config.vocab_size, {T}, torch::kInt64);
  sentlens::ForwardOptions plain;
  NoOpObserver observer;
  sentlens::ForwardOptions observed;
  observed.observers = {&observer};
  // Small models run in milliseconds: take the best of many runs so that noise does not swamp the
  // observer's overhead. Plain and observed runs alternate so both see the same machine load.
  const int runs = model.parameter_count() < 10'000'000 ? std::max(repeats, 30) : repeats;
  double plain_time = 1e300, observed_time = 1e300;
  model.forward(ids, plain);  // warm-up
  for (int i = 0; i < runs; ++i) {
    plain_time = std::min(plain_time, seconds([&] { model.forward(ids, plain); }));
    observed_time = std::min(observed_time, seconds([&] { model.forward(ids, observed); }));
  }
  const double flops = forward_flops(config, T);
  const double achieved = flops / plain_time / 1e9;
  fmt::print(
      "{:<28} params {:>11}  T {:>5}  FLOPs {:>9.1f} G  forward {:>8.3f} s  "
      "{:>7.1f} GFLOP/s = {:>5.1f}% of limit  no-op observer {:>8.3f} s = {:.3f}x\n",
      label, model.parameter_count(), T, flops / 1e9, plain_time, achieved,
      100.0 * achieved / limit_gflops, observed_time, observed_time / plain_time);
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t tokens = 1024;
  int threads = 0, repeats = 2;
  bool skip_large = false;
  std::filesystem::path shared =
      std::getenv("SENTLENS_SHARED") ? std::getenv("SENTLENS_SHARED") : "../shared";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (arg == "--tokens")
      tokens = std::stoll(value());
    else if (arg == "--threads")
      threads = std::stoi(value());
    else if (arg == "--repeats")
      repeats = std::stoi(value());
    else if (arg == "--shared")
      shared = value();
    else if (arg == "--skip-large")
      skip_large = true;
    else {
      fmt::print(stderr, "unknown argument {}\n", arg);
      return 2;
    }
  }
  torch::NoGradGuard no_grad;
  const int used_threads = sentlens::set_threads(threads);
  fmt::print("threads {}\n", used_threads);
  // The limit: the best of GEMM shapes the 0.5B forward runs at T tokens.
  const double limit = std::max({matmul_gflops(tokens, 896, 4864, repeats),
                                 matmul_gflops(tokens, 4864, 896, repeats),
                                 matmul_gflops(1024, 1024, 1024, repeats)});
  fmt::print(
      "limit: float32 matmul {:.1f} GFLOP/s (best of [T,896]x[896,4864], "
      "[T,4864]x[4864,896], 1024^3)\n",
      limit);

  const auto stories = shared / "models/stories260K";
  if (std::filesystem::exists(stories / "config.json")) {
    bench_model("stories260K", stories, tokens, repeats, limit);
  } else {
    fmt::print("stories260K: skipped ({} not found; pass --shared DIR)\n", stories.string());
  }
  if (!skip_large) {
    const auto folder =
        std::filesystem::temp_directory_path() / "sentlens-bench-qwen2.5-0.5b-shape";
    if (!std::filesystem::exists(folder / "model.safetensors")) {
      const double write_time =
          seconds([&] { sentlens::bench::write_random_qwen_checkpoint(folder); });
      fmt::print("wrote random-weight Qwen2.5-0.5B-shape checkpoint to {} in {:.1f} s\n",
                 folder.string(), write_time);
    }
    bench_model("qwen2.5-0.5b-shape (random)", folder, tokens, repeats, limit);
  }
  return 0;
}
