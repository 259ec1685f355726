// Tokenizing a 1 MB reasoning trace with the Qwen3 tokenizer.json: sentlens against Tokenizers.js
// on Node, measured in the same run, with the ids of both compared.
//   sentlens_bench_tokenize [DATA_DIR]
// DATA_DIR: what tests/scripts/fetch-tokenizers.sh wrote (default $SENTLENS_TOKENIZER_DATA, else
// tokenizer-data beside the bench folder of the build tree).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "sentlens/tokenizer/tokenizer.h"

namespace {

// About 1 MB of reasoning-trace-like text: prose, LaTeX, code, numbers, CJK, emoji, whitespace.
std::string make_trace(std::size_t bytes) {
  const std::vector<std::string> parts = {
      "Okay, so I need to find the value of x such that \\( x^2 - 5x + 6 = 0 \\). ",
      "Let me factor: (x - 2)(x - 3) = 0, so x = 2 or x = 3.\n\n",
      "Wait, let me double-check by substituting x = 2: 4 - 10 + 6 = 0. Correct.\n",
      "Hmm, but the problem says 1,000,000 iterations with step 3.14159, so 2^{10} = 1024 "
      "matters. ",
      "Therefore the answer is \\boxed{42}.\n",
      "```python\ndef solve(n):\n    return sum(i * i for i in range(n))\n```\n",
      "Alternatively, consider the integral $\\int_0^1 x^2\\,dx = \\frac{1}{3}$.  ",
      "\u6211\u4eec\u9700\u8981\u8ba1\u7b97\u8fd9\u4e2a\u503c\u3002 ",
      "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645. ",
      "That's it \U0001F914\u200d \U0001F44D\U0001F3FD!\r\n",
      "\t\tindented line with    several   spaces\n",
      "So step 7) gives 17 * 23 = 391; step 8) gives 391 + 9 = 400.\n",
  };
  std::string text;
  std::size_t i = 0;
  while (text.size() < bytes) {
    text += parts[i % parts.size()];
    // Vary numbers so that the text is not one paragraph repeated.
    text += std::to_string((i * 7919) % 100003) + " ";
    ++i;
  }
  return text;
}

std::filesystem::path data_dir(int argc, char** argv) {
  if (argc > 1) return argv[1];
  if (const char* dir = std::getenv("SENTLENS_TOKENIZER_DATA")) return dir;
  return std::filesystem::absolute(argv[0]).parent_path().parent_path() / "tokenizer-data";
}

}  // namespace

int main(int argc, char** argv) {
  const auto data = data_dir(argc, argv);
  const auto model_dir = data / "qwen3";
  if (!std::filesystem::exists(model_dir / "tokenizer.json")) {
    fmt::print(stderr,
               "no Qwen3 tokenizer in {} (run tests/scripts/fetch-tokenizers.sh BUILD_DIR)\n",
               model_dir.string());
    return 1;
  }
  const std::string text = make_trace(1 << 20);
  const auto text_file = std::filesystem::temp_directory_path() / "sentlens-bench-trace.txt";
  const auto ids_file = std::filesystem::temp_directory_path() / "sentlens-bench-ids.json";
  std::ofstream(text_file, std::ios::binary) << text;

  // sentlens: a fresh tokenizer per run (its piece cache starts cold, as Tokenizers.js's does).
  double best = 1e30;
  std::vector<std::int64_t> ids;
  for (int run = 0; run < 3; ++run) {
    const auto tokenizer = sentlens::load_tokenizer(model_dir);
    const auto start = std::chrono::steady_clock::now();
    const auto encoding = tokenizer->encode(text, sentlens::EncodeOptions{false});
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    best = std::min(best, elapsed.count());
    ids = encoding.ids();
  }

  const std::string command =
      fmt::format("node '{}' '{}' qwen3 '{}' '{}' 3", (data / "tokenizer-bench.mjs").string(),
                  data.string(), text_file.string(), ids_file.string());
  std::string output;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buffer[512];
    while (fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
    pclose(pipe);
  }
  fmt::print("text: {} bytes, {} tokens (Qwen3 tokenizer.json)\n", text.size(), ids.size());
  fmt::print("sentlens:       {:8.1f} ms  ({:.1f} MB/s)\n", best * 1e3, text.size() / best / 1e6);
  nlohmann::json node;
  try {
    node = nlohmann::json::parse(output);
  } catch (const std::exception&) {
    fmt::print("Tokenizers.js:  not measured (node failed: {})\n", output);
    return 1;
  }
  const double js = node["seconds"].get<double>();
  std::ifstream in(ids_file);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const auto js_ids = nlohmann::json::parse(buffer.str()).get<std::vector<std::int64_t>>();
  fmt::print("Tokenizers.js:  {:8.1f} ms  ({:.1f} MB/s)\n", js * 1e3, text.size() / js / 1e6);
  fmt::print("ratio:          sentlens is {:.2f}x the speed of Tokenizers.js\n", js / best);
  fmt::print("ids identical:  {}\n", js_ids == ids ? "yes" : "NO");
  std::filesystem::remove(text_file);
  std::filesystem::remove(ids_file);
  return js_ids == ids ? 0 : 1;
}
