// Peak memory of `sentlens trace` on a long text with a random-weight checkpoint of the
// Qwen2.5-0.5B shape (24 layers, 14 query heads, 2 KV heads, hidden 896): the streaming sentence
// pooling must keep peak RSS within weights + 1.5 GiB, where full attention maps would need
// L·H·T²·4 bytes. Runs the real CLI as a child process and reads its peak RSS from wait4; the
// baseline is the same command on a short text, in the same run. Also times the long trace with
// sentence pooling alone (--no-token-rhythm) against pooling + token rhythm (target <= +10%).
// --entropy adds the token entropy to the full run (every accumulator on: it also computes the
// LM head's [T, V] logits); --repeats N runs the two long traces N times each, alternating, and
// compares the best forward times (the shared machines are noisy).
//
// usage: sentlens_bench_trace_memory [--tokens N] [--work DIR] [--cli PATH] [--shared DIR]
//                                    [--threads N] [--block-size N] [--entropy] [--repeats N]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "bench_text.h"
#include "random_checkpoint.h"

namespace fs = std::filesystem;

namespace {

struct Run {
  long peak_rss_kib = 0;
  double seconds = 0;
  int status = 0;
  std::string output;
};

Run run_cli(const std::vector<std::string>& args) {
  Run run;
  const auto start = std::chrono::steady_clock::now();
  const fs::path log = fs::temp_directory_path() / fmt::format("sentlens-bench-{}.log", getpid());
  std::fflush(stdout);  // else the child inherits (and writes again) what is still buffered
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::freopen(log.c_str(), "w", stdout);
    execv(argv[0], argv.data());
    _exit(127);
  }
  struct rusage usage {};
  wait4(pid, &run.status, 0, &usage);
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  run.peak_rss_kib = usage.ru_maxrss;
  std::ifstream in(log);
  run.output.assign(std::istreambuf_iterator<char>(in), {});
  fs::remove(log);
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t tokens = 8192;
  std::string threads = "0", block = "256";
  fs::path work = fs::temp_directory_path() / "sentlens-bench-trace-memory";
  // Defaults: the CLI beside the bench folder of the build, shared/ beside the repository (as
  // the tests find it) unless $SENTLENS_SHARED says otherwise.
  fs::path cli = fs::absolute(argv[0]).parent_path().parent_path() / "sentlens";
  fs::path shared = std::getenv("SENTLENS_SHARED") != nullptr
                        ? fs::path(std::getenv("SENTLENS_SHARED"))
                        : fs::path(__FILE__).parent_path().parent_path().parent_path() / "shared";
  bool entropy = false;
  int repeats = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string key = argv[i];
    if (key == "--entropy") {
      entropy = true;
      continue;
    }
    if (i + 1 >= argc) break;
    const std::string value = argv[++i];
    if (key == "--tokens") tokens = std::stoll(value);
    if (key == "--work") work = value;
    if (key == "--cli") cli = value;
    if (key == "--shared") shared = value;
    if (key == "--threads") threads = value;
    if (key == "--block-size") block = value;
    if (key == "--repeats") repeats = std::max(1, std::stoi(value));
  }
  const fs::path tokenizer_dir = shared / "models/stories260K";
  const fs::path model_dir = work / "qwen2.5-0.5b-shape";
  const auto shape = sentlens::bench::qwen2_5_0_5b_shape();
  const std::int64_t parameters = sentlens::bench::shape_parameters(shape);
  if (!fs::exists(model_dir / "model.safetensors")) {
    fmt::print("writing a random Qwen2.5-0.5B-shape checkpoint to {} ...\n", model_dir.string());
    sentlens::bench::write_random_checkpoint(model_dir, shape, tokenizer_dir);
  }
  const double weights_gib = static_cast<double>(parameters) * 4 / (1ull << 30);  // float32 in RAM
  const std::string long_text = sentlens::bench::make_bench_text(tokenizer_dir, tokens);
  std::ofstream(work / "long.txt") << long_text;
  std::ofstream(work / "short.txt") << "Solve it. <think>\nThe cat sat. The dog ran far away. "
                                       "Why did it run? It saw a bird.\n</think> Done.";
  auto trace = [&](const std::string& text_file, const std::string& out, bool rhythm = true) {
    std::vector<std::string> args = {cli.string(),   "trace",
                                     "--model",      model_dir.string(),
                                     "--text-file",  (work / text_file).string(),
                                     "--out",        (work / out).string(),
                                     "--threads",    threads,
                                     "--block-size", block,
                                     "--json"};
    if (!rhythm) args.push_back("--no-token-rhythm");
    if (rhythm && entropy) args.push_back("--entropy");
    return run_cli(args);
  };
  auto forward_seconds = [](const Run& run) {
    const auto at = run.output.find("\"forward\": ");
    return at == std::string::npos ? 0.0 : std::stod(run.output.substr(at + 11));
  };
  const Run baseline = trace("short.txt", "short.trace.safetensors");
  // Sentence pooling alone, then everything (pooling + token rhythm accumulators) in one pass;
  // with --repeats the pair runs again and the best forward time of each is kept.
  Run pooling_only = trace("long.txt", "long-pooling.trace.safetensors", false);
  Run full = trace("long.txt", "long.trace.safetensors");
  for (int r = 1; r < repeats && pooling_only.status == 0 && full.status == 0; ++r) {
    Run again = trace("long.txt", "long-pooling.trace.safetensors", false);
    if (again.status != 0 || forward_seconds(again) < forward_seconds(pooling_only))
      pooling_only = again;
    again = trace("long.txt", "long.trace.safetensors");
    if (again.status != 0 || forward_seconds(again) < forward_seconds(full)) full = again;
  }
  if (baseline.status != 0 || full.status != 0 || pooling_only.status != 0) {
    fmt::print(stderr, "sentlens trace failed (status {} / {} / {}):\n{}\n{}\n{}\n",
               baseline.status, pooling_only.status, full.status, baseline.output,
               pooling_only.output, full.output);
    return 1;
  }
  const double gib = 1.0 / (1 << 20);  // KiB -> GiB
  const double base_gib = static_cast<double>(baseline.peak_rss_kib) * gib;
  const double peak_gib = static_cast<double>(full.peak_rss_kib) * gib;
  fmt::print("{}\n", full.output);
  // T from the CLI's JSON summary.
  const auto at = full.output.find("\"tokens\": ");
  const std::int64_t t = at == std::string::npos ? tokens : std::stoll(full.output.substr(at + 10));
  const double full_maps_gib = static_cast<double>(shape.layers * shape.heads) *
                               static_cast<double>(t) * static_cast<double>(t) * 4.0 / (1ull << 30);
  fmt::print("weights (float32 in memory)      {:8.3f} GiB\n", weights_gib);
  fmt::print("baseline: short text   peak RSS  {:8.3f} GiB  {:7.1f} s\n", base_gib,
             baseline.seconds);
  fmt::print("trace: {} tokens     peak RSS  {:8.3f} GiB  {:7.1f} s\n", t, peak_gib, full.seconds);
  fmt::print("peak - weights                   {:8.3f} GiB  (budget 1.5 GiB: {})\n",
             peak_gib - weights_gib, peak_gib - weights_gib <= 1.5 ? "ok" : "EXCEEDED");
  fmt::print(
      "peak / baseline                  {:8.3f}x  (+{:.3f} GiB for {} tokens: the trace's own "
      "cost; the baseline is dominated by loading the checkpoint)\n",
      peak_gib / base_gib, peak_gib - base_gib, t);
  const double pooling_s = forward_seconds(pooling_only), all_s = forward_seconds(full);
  fmt::print(
      "forward{}: pooling only {:8.3f} s, pooling + token rhythm{} {:8.3f} s: {:+.1f}% "
      "(target <= +10%); peak RSS {:.3f} -> {:.3f} GiB\n",
      repeats > 1 ? fmt::format(" (best of {})", repeats) : std::string(), pooling_s,
      entropy ? " + entropy" : "", all_s, 100.0 * (all_s / pooling_s - 1.0),
      static_cast<double>(pooling_only.peak_rss_kib) * gib, peak_gib);
  fmt::print("full attention maps would need   {:8.1f} GiB  ({:.0f}x the measured peak)\n",
             full_maps_gib, full_maps_gib / peak_gib);
  return peak_gib - weights_gib <= 1.5 ? 0 : 2;
}
