// Sampling generation on the bundled demo model: greedy equals generate_greedy, seeded samples
// repeat, batches equal one-at-a-time runs, and the prompt runs once (counted by an observer).
#include "sentlens/model/sample.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <map>

#include "sentlens/error.h"
#include "sentlens/model/generate.h"

namespace sentlens {
namespace {

const Model& demo_model() {
  static const Model model =
      Model::load(std::filesystem::path(SENTLENS_SOURCE_DIR) / "models/demo");
  return model;
}

// "Tom has 3 apples. He buys 5 more." in the demo tokenizer's ids would tie the test to the
// tokenizer; any ids of the vocabulary do (BOS first).
const std::vector<std::int64_t> kPrompt = {1, 60, 71, 33, 100, 7, 45, 90, 12, 55, 31, 4};

// Counts query rows per forward at layer 0: the prompt's rows appear once however many
// continuations follow.
class RowCounter : public AttentionObserver {
 public:
  bool observes_layer(std::int64_t layer) const override { return layer == 0; }
  void begin_forward(const ForwardShape& shape) override {
    ++forwards;
    if (shape.past_length == 0)
      prompt_rows += shape.new_tokens * shape.num_sequences;
    else
      step_rows += shape.new_tokens * shape.num_sequences;
  }
  void observe(const AttentionBlock&, const torch::Tensor&) override {}
  std::int64_t forwards = 0, prompt_rows = 0, step_rows = 0;
};

TEST(Sampling, TemperatureZeroEqualsGreedyGeneration) {
  SamplingOptions options;
  options.temperature = 0.0;
  options.max_new_tokens = 40;
  options.stop_ids = {2};
  const auto sampled = sample_continuations(demo_model(), kPrompt, 3, options);
  GenerateOptions greedy;
  greedy.max_new_tokens = 40;
  greedy.stop_ids = {2};
  const auto reference = generate_greedy(demo_model(), kPrompt, greedy);
  const std::vector<std::int64_t> continuation(reference.begin() + kPrompt.size(), reference.end());
  for (const auto& sample : sampled) EXPECT_EQ(sample, continuation);
}

TEST(Sampling, SeededSamplesRepeatAndDiffer) {
  SamplingOptions options;
  options.temperature = 1.0;
  options.max_new_tokens = 30;
  options.seed = 7;
  const auto first = sample_continuations(demo_model(), kPrompt, 6, options);
  const auto again = sample_continuations(demo_model(), kPrompt, 6, options);
  EXPECT_EQ(first, again);
  options.seed = 8;
  EXPECT_NE(sample_continuations(demo_model(), kPrompt, 6, options), first);
  // At temperature 1 on this prompt the continuations are not all equal.
  std::map<std::vector<std::int64_t>, int> distinct;
  for (const auto& sample : first) ++distinct[sample];
  EXPECT_GT(distinct.size(), 1u);
}

TEST(Sampling, BatchedContinuationsEqualOneAtATime) {
  SamplingOptions options;
  options.temperature = 0.8;
  options.top_p = 0.9;
  options.top_k = 20;
  options.max_new_tokens = 40;
  options.stop_ids = {2};
  options.seed = 3;
  options.batch_size = 5;
  const auto batched = sample_continuations(demo_model(), kPrompt, 7, options);
  options.batch_size = 1;
  const auto single = sample_continuations(demo_model(), kPrompt, 7, options);
  EXPECT_EQ(batched, single);
}

TEST(Sampling, ThePromptRunsOnceForAllContinuations) {
  RowCounter counter;
  SamplingOptions options;
  options.temperature = 1.0;
  options.max_new_tokens = 12;
  options.batch_size = 4;
  options.observers = {&counter};
  const auto samples = sample_continuations(demo_model(), kPrompt, 10, options);
  std::int64_t generated = 0;
  for (const auto& sample : samples) generated += static_cast<std::int64_t>(sample.size());
  EXPECT_EQ(counter.prompt_rows, static_cast<std::int64_t>(kPrompt.size()));
  // Each continuation's first token comes from the prompt's logits; every later one is one row.
  EXPECT_EQ(counter.step_rows, generated - 10);
}

TEST(Sampling, TopKOneAndTinyTopPAreGreedy) {
  std::vector<float> logits = {0.1f, 2.0f, 1.9f, -1.0f};
  SamplingOptions options;
  options.temperature = 1.0;
  options.top_k = 1;
  SampleStream stream(1, 0);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(sample_token(logits.data(), 4, options, stream), 1);
  options.top_k = 0;
  options.top_p = 1e-6;
  for (int i = 0; i < 20; ++i) EXPECT_EQ(sample_token(logits.data(), 4, options, stream), 1);
  // Without truncation every token appears, in proportion to exp(logit).
  options.top_p = 1.0;
  std::vector<int> counts(4, 0);
  for (int i = 0; i < 20000; ++i) ++counts[sample_token(logits.data(), 4, options, stream)];
  double total = 0;
  for (float l : logits) total += std::exp(l);
  for (int t = 0; t < 4; ++t) {
    EXPECT_NEAR(counts[t] / 20000.0, std::exp(logits[t]) / total, 0.015) << t;
  }
  options.top_p = 0.0;
  testing::expect_error<InputError>(
      [&] { (void)(sample_token(logits.data(), 4, options, stream)); });
  options.top_p = 1.0;
  options.temperature = -1;
  testing::expect_error<InputError>(
      [&] { (void)(sample_token(logits.data(), 4, options, stream)); });
}

}  // namespace
}  // namespace sentlens
