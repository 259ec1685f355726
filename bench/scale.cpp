// bench/scale: the paper's models on one machine. Writes random-weight checkpoints of the real
// shapes (bf16, shards of at most 2 GB with an index, as on the hub) of
// DeepSeek-R1-Distill-Qwen-1.5B, -Llama-8B and -Qwen-14B, and runs `analyze` (one capture pass with
// every observer, then the analyses) on a generated R1-style trace of --tokens tokens, once per
// weights mode, each run in a child process of its own so that its peak RSS is its alone. Prints
// load time, capture-pass time, peak RSS and the streamed/resident time ratio.
//
// usage: sentlens_bench_scale [--models 1.5b,8b,14b] [--modes resident,stream] [--tokens 4096]
//                             [--threads 0] [--work DIR] [--shared DIR]
// Targets at 4,096 tokens: 1.5B resident peak RSS <= 4.5 GiB, 8B streamed <= 6 GiB, 14B streamed
// <= 8 GiB; streamed time <= 1.10 x resident time on 1.5B; loading 1.5B <= 10 s.
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "bench_text.h"
#include "random_checkpoint.h"
#include "sentlens/model/model.h"
#include "sentlens/util/openmp.h"
#include "sentlens/workflow/analyze.h"

namespace fs = std::filesystem;

namespace {

sentlens::bench::CheckpointShape shape_named(const std::string& name) {
  if (name == "1.5b") return sentlens::bench::r1_distill_qwen_1_5b_shape();
  if (name == "8b") return sentlens::bench::r1_distill_llama_8b_shape();
  if (name == "14b") return sentlens::bench::r1_distill_qwen_14b_shape();
  throw std::runtime_error("unknown model " + name + " (1.5b, 8b, 14b)");
}

// The child: one analyze run, its figures as one JSON line on stdout.
int run_one(const fs::path& model_dir, const fs::path& text_file, const std::string& mode,
            int threads) {
  sentlens::AnalyzeJob job;
  job.model.dir = model_dir;
  std::ifstream input(text_file);
  job.text.assign(std::istreambuf_iterator<char>(input), std::istreambuf_iterator<char>());
  job.model.threads = threads;
  job.model.weights = sentlens::parse_weights_mode(mode);
  job.parameters.forward.allow_longer = true;
  const auto result = sentlens::run_analyze_job(job);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  nlohmann::json line = {{"tokens", result.trace.tokens.size()},
                         {"sentences", result.trace.num_sentences()},
                         {"load_s", result.seconds.load},
                         {"forward_s", result.seconds.forward},
                         {"analysis_s", result.seconds.analysis},
                         {"user_s", usage.ru_utime.tv_sec + usage.ru_utime.tv_usec * 1e-6},
                         {"system_s", usage.ru_stime.tv_sec + usage.ru_stime.tv_usec * 1e-6},
                         {"minor_faults", usage.ru_minflt},
                         {"major_faults", usage.ru_majflt},
                         {"peak_rss_gib", usage.ru_maxrss / (1024.0 * 1024.0)}};
  fmt::print("RESULT {}\n", line.dump());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  sentlens::ensure_passive_openmp_wait(argv);  // as the CLI (sentlens/util/openmp.h)
  std::vector<std::string> models = {"1.5b", "8b"};
  std::vector<std::string> modes = {"resident", "stream"};
  std::int64_t tokens = 4096;
  int threads = 0;
  fs::path work = fs::temp_directory_path() / "sentlens-bench-scale";
  fs::path shared = std::getenv("SENTLENS_SHARED") != nullptr
                        ? fs::path(std::getenv("SENTLENS_SHARED"))
                        : fs::path(__FILE__).parent_path().parent_path().parent_path() / "shared";
  std::string child_model, child_text, child_mode;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--models") models = sentlens::bench::split_list(value);
    if (key == "--modes") modes = sentlens::bench::split_list(value);
    if (key == "--tokens") tokens = std::stoll(value);
    if (key == "--threads") threads = std::stoi(value);
    if (key == "--work") work = value;
    if (key == "--shared") shared = value;
    if (key == "--child-model") child_model = value;
    if (key == "--child-text") child_text = value;
    if (key == "--child-mode") child_mode = value;
  }
  try {
    if (!child_model.empty()) return run_one(child_model, child_text, child_mode, threads);
    const fs::path tokenizer_dir = shared / "models/stories260K";
    fs::create_directories(work);
    const fs::path text_file = work / fmt::format("r1-trace-{}.txt", tokens);
    std::ofstream(text_file) << sentlens::bench::make_bench_text(tokenizer_dir, tokens);
    for (const auto& name : models) {
      const auto shape = shape_named(name);
      const fs::path folder = work / ("r1-distill-" + name);
      if (!fs::exists(folder / "config.json")) {
        fmt::print("writing a random {}-shape checkpoint ({:.2f} B parameters, bf16) to {} ...\n",
                   name, sentlens::bench::shape_parameters(shape) / 1e9, folder.string());
        std::fflush(stdout);
        sentlens::bench::write_random_checkpoint(folder, shape, tokenizer_dir);
      }
      std::map<std::string, double> forward_seconds;
      for (const auto& mode : modes) {
        // Drop the checkpoint from the page cache? No: both modes read it warm, as a user's second
        // run would; the first run of each model pays the cold read in its load time.
        const std::string command =
            fmt::format("'{}' --child-model '{}' --child-text '{}' --child-mode {} --threads {}",
                        argv[0], folder.string(), text_file.string(), mode, threads);
        std::FILE* child = ::popen(command.c_str(), "r");
        if (child == nullptr) throw std::runtime_error("cannot start " + command);
        char buffer[4096];
        std::string output;
        while (std::fgets(buffer, sizeof buffer, child) != nullptr) output += buffer;
        const int status = ::pclose(child);
        const auto at = output.find("RESULT ");
        if (status != 0 || at == std::string::npos) {
          fmt::print("{} {}: failed (status {}): {}\n", name, mode, status, output);
          continue;
        }
        const auto line = nlohmann::json::parse(output.substr(at + 7));
        forward_seconds[mode] = line["forward_s"].get<double>();
        fmt::print(
            "{:<5} {:<9} {} tokens: load {:6.2f} s, capture pass {:8.2f} s, analyses {:.2f} s, "
            "user {:.1f} s, sys {:.1f} s, minflt {}, majflt {}, peak RSS {:.2f} GiB\n",
            name, mode, line["tokens"].get<std::int64_t>(), line["load_s"].get<double>(),
            line["forward_s"].get<double>(), line["analysis_s"].get<double>(),
            line["user_s"].get<double>(), line["system_s"].get<double>(),
            line["minor_faults"].get<long>(), line["major_faults"].get<long>(),
            line["peak_rss_gib"].get<double>());
        std::fflush(stdout);
      }
      if (forward_seconds.count("resident") != 0 && forward_seconds.count("stream") != 0) {
        fmt::print("{}: streamed / resident capture time = {:.3f}\n", name,
                   forward_seconds["stream"] / forward_seconds["resident"]);
      }
    }
  } catch (const std::exception& error) {
    fmt::print(stderr, "sentlens_bench_scale: {}\n", error.what());
    return 1;
  }
  return 0;
}
