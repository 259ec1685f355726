// bench/analyze: `sentlens analyze` (tokenize, split, one capture pass with sentence pooling and
// every token accumulator, receiver heads, token roles, sinks) on a ~2,000-token trace against the
// model's plain forward pass over the same tokens, measured in one run on a random-weight
// checkpoint of the Qwen2.5-0.5B shape (24 layers by default). Target: analyze (model load
// excluded, as it is for the forward) within the forward time + 10%. Both runs alternate and the
// best of --repeats is compared (shared machines are noisy).
//
// usage: sentlens_bench_analyze [--tokens 2000] [--layers 24] [--threads 0] [--repeats 2]
//                               [--work DIR] [--shared DIR] [--token-rhythm 1]
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <string>

#include <fmt/core.h>
#include <torch/torch.h>

#include "bench_text.h"
#include "random_checkpoint.h"
#include "sentlens/model/model.h"
#include "sentlens/tokenizer/tokenizer.h"
#include "sentlens/util/openmp.h"
#include "sentlens/workflow/analyze.h"
#include "util/seconds.h"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  sentlens::ensure_passive_openmp_wait(argv);  // as the CLI (sentlens/util/openmp.h)
  std::int64_t tokens = 2000;
  int threads = 0;
  int repeats = 2;
  bool token_rhythm = true;  // --token-rhythm 0: sentence pooling alone (to see what costs what)
  auto shape = sentlens::bench::qwen2_5_0_5b_shape();
  fs::path work = fs::temp_directory_path() / "sentlens-bench-analyze";
  fs::path shared = std::getenv("SENTLENS_SHARED") != nullptr
                        ? fs::path(std::getenv("SENTLENS_SHARED"))
                        : fs::path(__FILE__).parent_path().parent_path().parent_path() / "shared";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--tokens") tokens = std::stoll(value);
    if (key == "--layers") shape.layers = std::stoll(value);
    if (key == "--threads") threads = std::stoi(value);
    if (key == "--repeats") repeats = std::max(1, std::stoi(value));
    if (key == "--work") work = value;
    if (key == "--shared") shared = value;
    if (key == "--token-rhythm") token_rhythm = value != "0";
  }
  try {
    const fs::path tokenizer_dir = shared / "models/stories260K";
    const fs::path model_dir = work / fmt::format("qwen2.5-0.5b-shape-{}-layers", shape.layers);
    if (!fs::exists(model_dir / "model.safetensors")) {
      fmt::print("writing a random Qwen2.5-0.5B-shape checkpoint ({} layers) to {} ...\n",
                 shape.layers, model_dir.string());
      sentlens::bench::write_random_checkpoint(model_dir, shape, tokenizer_dir);
    }
    const std::string text = sentlens::bench::make_bench_text(tokenizer_dir, tokens);
    const auto ids = torch::tensor(sentlens::load_tokenizer(model_dir)->encode(text).ids());

    sentlens::AnalyzeJob job;
    job.model.dir = model_dir;
    job.text = text;
    job.model.threads = threads;
    job.parameters.token_rhythm = token_rhythm;
    // One model in memory at a time, as in the CLI: a second loaded copy of the weights was
    // measured 25% slower than the first, which would be a property of the bench, not of analyze.
    auto plain_forward = [&] {
      const auto model =
          sentlens::Model::load(model_dir, sentlens::LoadOptions{torch::kCPU, threads});
      sentlens::ForwardOptions options;
      options.compute_logits = false;  // analyze needs no logits unless the entropy is asked
      const auto start = std::chrono::steady_clock::now();
      model.forward(ids, options);
      return sentlens::seconds_since(start);
    };
    plain_forward();  // warm-up (allocator, BLAS threads), not counted
    double best_forward = std::numeric_limits<double>::infinity();
    double best_analyze = best_forward;
    sentlens::AnalyzeResult result;
    for (int r = 0; r < repeats; ++r) {
      const double forward = plain_forward();
      result = sentlens::run_analyze_job(job);
      const auto& s = result.seconds;
      const double analyze = s.align + s.forward + s.analysis + s.write + s.report;
      fmt::print(
          "repeat {}: forward {:.2f} s, analyze {:.2f} s (align {:.2f}, capture pass {:.2f}, "
          "analyses {:.3f}; load {:.2f} not counted)\n",
          r + 1, forward, analyze, s.align, s.forward, s.analysis, s.load);
      best_forward = std::min(best_forward, forward);
      best_analyze = std::min(best_analyze, analyze);
    }
    fmt::print(
        "{} tokens, {} sentences, {} layers x {} heads, {} receiver heads\n"
        "forward (no LM head) {:.2f} s; analyze {:.2f} s; analyze / forward = {:.3f} "
        "(target <= 1.10)\n",
        ids.size(0), result.trace.num_sentences(), result.trace.num_layers, result.trace.num_heads,
        result.analysis.receivers ? result.analysis.receivers->receiver_heads.size()
                                  : std::size_t{0},
        best_forward, best_analyze, best_analyze / best_forward);
  } catch (const std::exception& error) {
    fmt::print(stderr, "sentlens_bench_analyze: {}\n", error.what());
    return 1;
  }
  return 0;
}
