// Golden tests: our forward against Hugging Face transformers (eager, float32) for every family in
// shared/golden/hf, and against the llama2.c-validated reference for stories260K, at several block
// sizes. Tolerances from the golden READMEs: logits and hidden 1e-4, attentions 1e-5.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "model_test_support.h"
#include "sentlens/model/attention_recorder.h"
#include "sentlens/model/generate.h"
#include "sentlens/model/model.h"

namespace sentlens {
namespace {

using testing::golden_tensor;
using testing::max_abs_diff;
using testing::shared_dir;

constexpr double kLogitTolerance = 1e-4;
constexpr double kHiddenTolerance = 1e-4;
constexpr double kAttentionTolerance = 1e-5;

struct GoldenCase {
  std::string family;
  std::string input;  // "a" (17 tokens) or "b" (96 tokens)
};

std::string case_name(const ::testing::TestParamInfo<GoldenCase>& info) {
  return info.param.family + "_" + info.param.input;
}

class HfGoldenTest : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(HfGoldenTest, LogitsHiddenAndAttentionsMatchTransformersAtEveryBlockSize) {
  const auto& [family, input] = GetParam();
  SENTLENS_REQUIRE_SHARED_FILE("golden/hf/" + family + "/golden.safetensors");
  const auto folder = shared_dir() / "golden/hf" / family;
  const auto golden = folder / "golden.safetensors";
  const Model model = Model::load(folder);
  const auto ids = golden_tensor(golden, "ids_" + input);
  const auto logits = golden_tensor(golden, "logits_" + input);
  const auto hidden = golden_tensor(golden, "hidden_" + input);
  const auto attentions = golden_tensor(golden, "attentions_" + input);
  const std::int64_t T = ids.size(0);

  for (std::int64_t block_size : {std::int64_t{1}, std::int64_t{7}, T}) {
    SCOPED_TRACE("block size " + std::to_string(block_size));
    AttentionRecorder recorder;
    ForwardOptions options;
    options.block_size = block_size;
    options.return_hidden = true;
    options.observers = {&recorder};
    const auto result = model.forward(ids, options);
    EXPECT_LT(max_abs_diff(result.logits, logits), kLogitTolerance);
    EXPECT_LT(max_abs_diff(result.hidden, hidden), kHiddenTolerance);
    EXPECT_LT(max_abs_diff(recorder.attentions(), attentions), kAttentionTolerance);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Families, HfGoldenTest,
    ::testing::Values(GoldenCase{"gpt2", "a"}, GoldenCase{"gpt2", "b"},
                      GoldenCase{"llama_gqa", "a"}, GoldenCase{"llama_gqa", "b"},
                      GoldenCase{"llama3_rope", "a"}, GoldenCase{"llama3_rope", "b"},
                      GoldenCase{"mistral_swa", "a"}, GoldenCase{"mistral_swa", "b"},
                      GoldenCase{"qwen2", "a"}, GoldenCase{"qwen2", "b"}, GoldenCase{"qwen3", "a"},
                      GoldenCase{"qwen3", "b"}),
    case_name);

TEST(Stories260KGolden, ShortStoryLogitsAndAttentionsMatchAtEveryBlockSize) {
  SENTLENS_REQUIRE_SHARED_FILE("golden/stories260K/short_story.safetensors");
  const auto golden = shared_dir() / "golden/stories260K/short_story.safetensors";
  const Model model = Model::load(shared_dir() / "models/stories260K");
  const auto ids = golden_tensor(golden, "ids");
  for (std::int64_t block_size : {std::int64_t{1}, std::int64_t{7}, ids.size(0)}) {
    SCOPED_TRACE("block size " + std::to_string(block_size));
    AttentionRecorder recorder;
    ForwardOptions options;
    options.block_size = block_size;
    options.observers = {&recorder};
    const auto result = model.forward(ids, options);
    EXPECT_LT(max_abs_diff(result.logits, golden_tensor(golden, "logits")), kLogitTolerance);
    EXPECT_LT(max_abs_diff(recorder.attentions(), golden_tensor(golden, "attentions")),
              kAttentionTolerance);
  }
}

TEST(Stories260KGolden, GreedyContinuationsEqualLlama2c) {
  SENTLENS_REQUIRE_SHARED_FILE("golden/stories260K/greedy.json");
  std::ifstream file(shared_dir() / "golden/stories260K/greedy.json");
  const auto golden = nlohmann::json::parse(file);
  const Model model = Model::load(shared_dir() / "models/stories260K");
  ASSERT_FALSE(golden["generations"].empty());
  for (const auto& generation : golden["generations"]) {
    const auto prompt = generation["prompt_ids"].get<std::vector<std::int64_t>>();
    const auto expected = generation["ids"].get<std::vector<std::int64_t>>();
    // The first 60 generated tokens (fewer when llama2.c stopped earlier).
    const auto compared = std::min<std::size_t>(prompt.size() + 60, expected.size());
    ASSERT_GT(compared, prompt.size());
    GenerateOptions options;
    options.max_new_tokens = static_cast<std::int64_t>(compared - prompt.size());
    options.stop_ids = {1};  // the model ends a story by emitting BOS, as run.c stops
    const auto ids = generate_greedy(model, prompt, options);
    EXPECT_EQ(ids, std::vector<std::int64_t>(expected.begin(), expected.begin() + compared))
        << "prompt: " << generation["prompt"].get<std::string>();
  }
}

}  // namespace
}  // namespace sentlens
