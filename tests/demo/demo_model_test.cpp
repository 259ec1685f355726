// The bundled demo model (models/demo, built by sentlens-train-demo): it loads, its config is the
// documented one, its tokenizer round-trips, and it answers a bundled held-out trace greedily.
#include <fstream>

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "sentlens/model/generate.h"
#include "sentlens/model/model.h"
#include "sentlens/text/splitter.h"
#include "sentlens/tokenizer/tokenizer.h"
#include "test_support.h"

namespace sentlens {
namespace {

const std::filesystem::path kDemo = std::filesystem::path(SENTLENS_SOURCE_DIR) / "models/demo";
const std::filesystem::path kTraces =
    std::filesystem::path(SENTLENS_SOURCE_DIR) / "examples/traces";

nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

TEST(DemoModel, ConfigIsASmallGqaLlama) {
  const Model model = Model::load(kDemo);
  const ModelConfig& config = model.config();
  EXPECT_EQ(config.model_type, "llama");
  EXPECT_LT(config.num_kv_heads, config.num_heads);  // grouped-query attention
  EXPECT_FALSE(config.learned_positions);            // RoPE
  EXPECT_TRUE(config.tie_word_embeddings);
  EXPECT_EQ(config.bos_token_id, 1);
  ASSERT_EQ(config.eos_token_ids.size(), 1u);
  EXPECT_EQ(config.eos_token_ids[0], 2);
  EXPECT_EQ(config.hidden_size, 144);
  EXPECT_EQ(config.num_layers, 4);
  EXPECT_EQ(config.num_heads, 4);
  EXPECT_EQ(config.num_kv_heads, 2);
  EXPECT_EQ(config.vocab_size, 256);
  EXPECT_EQ(model.parameter_count(), 1'005'840);
  std::uintmax_t bytes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kDemo)) bytes += entry.file_size();
  EXPECT_LE(bytes, 10u << 20);
}

TEST(DemoModel, TokenizerMatchesTheConfig) {
  const Model model = Model::load(kDemo);
  const auto tokenizer = load_tokenizer(kDemo);
  EXPECT_EQ(tokenizer->kind(), "sentencepiece");
  EXPECT_EQ(tokenizer->vocab_size(), model.config().vocab_size);
  EXPECT_EQ(tokenizer->bos_id(), 1);
  EXPECT_EQ(tokenizer->eos_id(), 2);
  const std::string text = "Tom has 12 apples. <think> After buying, 12 + 5 = 17.";
  const auto encoding = tokenizer->encode(text);
  EXPECT_EQ(encoding.tokens.front().id, 1);
  EXPECT_EQ(tokenizer->decode(encoding.ids()), text);
  // Digits are split: "17" is two tokens.
  int digits = 0;
  for (const auto& token : encoding.tokens) {
    if (token.byte_end - token.byte_start == 1 &&
        std::isdigit(
            static_cast<unsigned char>(text[static_cast<std::size_t>(token.byte_start)]))) {
      ++digits;
    }
  }
  EXPECT_EQ(digits, 7);  // 1 2 1 2 5 1 7
}

TEST(DemoModel, BundledTracesSplitIntoTheirGroundTruthSentences) {
  for (int i = 1; i <= 3; ++i) {
    const auto truth = read_json(kTraces / ("demo_" + std::to_string(i) + ".json"));
    const auto text = truth.at("text").get<std::string>();
    const auto split = split_sentences(text);
    EXPECT_EQ(split.chunks, truth.at("sentences").get<std::vector<std::string>>()) << text;
  }
}

TEST(DemoModel, GreedilyAnswersABundledTrace) {
  const Model model = Model::load(kDemo);
  const auto tokenizer = load_tokenizer(kDemo);
  const auto truth = read_json(kTraces / "demo_1.json");
  const auto sentences = truth.at("sentences").get<std::vector<std::string>>();
  const auto text = truth.at("text").get<std::string>();
  const std::string before = text.substr(0, text.size() - sentences.back().size() - 1);
  const auto prompt = tokenizer->encode(before).ids();
  GenerateOptions options;
  options.max_new_tokens = 48;
  options.stop_ids = {2};
  auto ids = generate_greedy(model, prompt, options);
  ASSERT_EQ(ids.back(), 2);
  ids.pop_back();
  const std::vector<std::int64_t> generated(
      ids.begin() + static_cast<std::ptrdiff_t>(prompt.size()), ids.end());
  EXPECT_EQ(tokenizer->decode(generated), sentences.back());
  // The answer sentence restates the copied step's equation and its result.
  const std::string ending =
      "= " + std::to_string(truth.at("answer").get<int>()) + " is the answer.";
  EXPECT_EQ(sentences.back().substr(sentences.back().size() - ending.size()), ending);
}

}  // namespace
}  // namespace sentlens
