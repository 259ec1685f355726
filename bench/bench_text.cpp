// The benchmarks' long text.
#include "bench_text.h"

#include <sstream>

#include "sentlens/tokenizer/tokenizer.h"

namespace sentlens::bench {

std::string make_bench_text(const std::filesystem::path& tokenizer_dir, std::int64_t tokens) {
  const auto tokenizer = sentlens::load_tokenizer(tokenizer_dir);
  std::string text = "Solve the problem. <think>\n";
  const char* pieces[] = {"The cat sat on the mat and looked at the sky.",
                          "Then it saw a bird fly over the big tree!", "Why did the bird go there?",
                          "Maybe it wanted to find some food for its babies.",
                          "Let me check that again, step by step."};
  std::int64_t i = 0;
  while (true) {
    std::string chunk;
    for (int k = 0; k < 10; ++k, ++i) {
      chunk += pieces[i % 5];
      chunk += (i % 7 == 6) ? "\n\n" : " ";
    }
    text += chunk;
    if (static_cast<std::int64_t>(tokenizer->encode(text).size()) >= tokens) break;
  }
  return text + "\n</think> The answer is 42.";
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

}  // namespace sentlens::bench
