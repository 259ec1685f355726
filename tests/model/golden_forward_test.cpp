// Golden tests: our forward against Hugging Face transformers (eager, float32) for every family in
// shared/golden/hf, and against the llama2.c-validated reference for stories260K, at several block
// sizes. Tolerances from the golden READMEs: logits and hidden 1e-4, attentions 1e-5, or the
// folder's own `suggested_tolerance` (golden.json) where it gives one.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>

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

using testing::golden_json;
using testing::tolerance_of;

constexpr double kLogitTolerance = 1e-4;
constexpr double kAttentionTolerance = 1e-5;

struct GoldenCase {
  std::string family;
  std::string input;  // "a" (17 tokens) or "b" (96 tokens)
};

void PrintTo(const GoldenCase& golden_case, std::ostream* os) {
  *os << golden_case.family << " input " << golden_case.input;
}

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
  const testing::Tolerance tolerance = tolerance_of(golden_json(folder));

  for (std::int64_t block_size : {std::int64_t{1}, std::int64_t{7}, T}) {
    SCOPED_TRACE("block size " + std::to_string(block_size));
    AttentionRecorder recorder;
    ForwardOptions options;
    options.block_size = block_size;
    options.return_hidden = true;
    options.observers = {&recorder};
    const auto result = model.forward(ids, options);
    EXPECT_LT(max_abs_diff(result.logits, logits), tolerance.logits);
    EXPECT_LT(max_abs_diff(result.hidden, hidden), tolerance.hidden);
    EXPECT_LT(max_abs_diff(recorder.attentions(), attentions), tolerance.attentions);
  }
}

std::vector<GoldenCase> every_input(std::initializer_list<const char*> families) {
  std::vector<GoldenCase> cases;
  for (const char* family : families) {
    cases.push_back({family, "a"});
    cases.push_back({family, "b"});
  }
  return cases;
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

// Families and activations added with the activation table (goldens from transformers 4.51/4.45).
INSTANTIATE_TEST_SUITE_P(Activations, HfGoldenTest,
                         ::testing::ValuesIn(every_input({"llama_gelu", "llama_gelu_tanh",
                                                          "gpt2_gelu", "gpt2_relu",
                                                          "qwen2_swish"})),
                         case_name);
INSTANTIATE_TEST_SUITE_P(MoreFamilies, HfGoldenTest,
                         ::testing::ValuesIn(every_input({"gemma2", "gemma3_text", "phi3", "olmo2",
                                                          "qwen2_moe", "qwen3_moe", "mixtral",
                                                          "deepseek_v3"})),
                         case_name);

// Records the experts every mixture-of-experts layer chose, per layer.
class RoutingRecorder : public RouterObserver {
 public:
  void observe_routing(const RoutingChoice& choice) override {
    experts[choice.layer] = choice.experts.clone();
    weights[choice.layer] = choice.weights.clone();
  }
  std::map<std::int64_t, torch::Tensor> experts, weights;
};

class RouterHookTest : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(RouterHookTest, TheRouterHookReportsTheExpertsTransformersChose) {
  const auto& [family, input] = GetParam();
  SENTLENS_REQUIRE_SHARED_FILE("golden/hf/" + family + "/golden.json");
  const auto folder = shared_dir() / "golden/hf" / family;
  const auto golden = golden_json(folder);
  const Model model = Model::load(folder);
  const auto ids = golden_tensor(folder / "golden.safetensors", "ids_" + input);
  RoutingRecorder recorder;
  ForwardOptions options;
  options.router_observers = {&recorder};
  model.forward(ids, options);
  const auto& expected_layers = golden["routing"][input];
  ASSERT_FALSE(expected_layers.empty());
  EXPECT_EQ(recorder.experts.size(), expected_layers.size());  // dense layers report nothing
  const auto k = model.config().experts_per_token;
  for (const auto& expected : expected_layers) {
    const auto layer = expected["layer"].get<std::int64_t>();
    SCOPED_TRACE("layer " + std::to_string(layer));
    ASSERT_EQ(recorder.experts.count(layer), 1u);
    const auto chosen = recorder.experts[layer][0];  // [N = 1, T, k] -> [T, k]
    ASSERT_EQ(chosen.sizes(), (std::vector<std::int64_t>{ids.size(0), k}));
    const auto sorted = std::get<0>(chosen.sort(-1));
    const auto& tokens = expected["selected_experts"];
    ASSERT_EQ(static_cast<std::int64_t>(tokens.size()), ids.size(0));
    for (std::int64_t t = 0; t < ids.size(0); ++t) {
      auto want = tokens[static_cast<std::size_t>(t)].get<std::vector<std::int64_t>>();
      std::sort(want.begin(), want.end());
      const auto row = sorted[t];
      EXPECT_EQ(
          std::vector<std::int64_t>(row.data_ptr<std::int64_t>(), row.data_ptr<std::int64_t>() + k),
          want)
          << "token " << t;
    }
    const auto weights = recorder.weights[layer][0];
    EXPECT_TRUE(torch::isfinite(weights).all().item<bool>());
    EXPECT_TRUE((weights > 0).all().item<bool>());
    if (model.config().norm_topk_prob) {  // renormalised, then scaled
      const auto sums = weights.sum(-1);
      EXPECT_LT((sums - model.config().routed_scaling_factor).abs().max().item<double>(), 1e-5);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(MixtureOfExperts, RouterHookTest,
                         ::testing::ValuesIn(every_input({"qwen2_moe", "qwen3_moe", "mixtral",
                                                          "deepseek_v3"})),
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
