// Weights kept in the checkpoint's dtype (resident) or mapped and materialised per layer
// (streamed): both must give bit-identical forwards, equal to the golden references, for every
// family, bf16 and sharded checkpoints and the bundled demo model.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "model_test_support.h"
#include "sentlens/error.h"
#include "sentlens/model/attention_recorder.h"
#include "sentlens/model/generate.h"
#include "sentlens/model/model.h"
#include "sentlens/util/memory.h"
#include "test_support.h"

namespace sentlens {
namespace {

using testing::golden_tensor;
using testing::max_abs_diff;
using testing::shared_dir;

struct Outputs {
  torch::Tensor logits, hidden, attentions;
};

Outputs run(const Model& model, const torch::Tensor& ids, std::int64_t block_size = 256) {
  AttentionRecorder recorder;
  ForwardOptions options;
  options.block_size = block_size;
  options.return_hidden = true;
  options.observers = {&recorder};
  auto result = model.forward(ids, options);
  return {result.logits, result.hidden, recorder.attentions()};
}

void expect_identical(const Outputs& a, const Outputs& b) {
  EXPECT_TRUE(a.logits.equal(b.logits));
  EXPECT_TRUE(a.hidden.equal(b.hidden));
  EXPECT_TRUE(a.attentions.equal(b.attentions));
}

class WeightsModeGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(WeightsModeGolden, StreamedEqualsResidentAndBothMatchTransformers) {
  const auto& family = GetParam();
  SENTLENS_REQUIRE_SHARED_FILE("golden/hf/" + family + "/golden.safetensors");
  const auto folder = shared_dir() / "golden/hf" / family;
  const auto golden = folder / "golden.safetensors";
  const Model resident = Model::load(folder, {torch::kCPU, 0, WeightsMode::kResident});
  const Model streamed = Model::load(folder, {torch::kCPU, 0, WeightsMode::kStream});
  EXPECT_EQ(resident.weights_mode(), WeightsMode::kResident);
  EXPECT_EQ(streamed.weights_mode(), WeightsMode::kStream);
  EXPECT_LT(streamed.resident_weight_bytes(), resident.resident_weight_bytes());
  const auto ids = golden_tensor(golden, "ids_b");
  const auto tolerance = testing::tolerance_of(testing::golden_json(folder));
  for (std::int64_t block_size : {std::int64_t{7}, ids.size(0)}) {
    SCOPED_TRACE("block size " + std::to_string(block_size));
    const auto a = run(resident, ids, block_size), b = run(streamed, ids, block_size);
    expect_identical(a, b);
    EXPECT_LT(max_abs_diff(b.logits, golden_tensor(golden, "logits_b")), tolerance.logits);
    EXPECT_LT(max_abs_diff(b.attentions, golden_tensor(golden, "attentions_b")),
              tolerance.attentions);
  }
}

INSTANTIATE_TEST_SUITE_P(Families, WeightsModeGolden,
                         ::testing::Values("gpt2", "llama_gqa", "llama3_rope", "mistral_swa",
                                           "qwen2", "qwen3", "gemma2", "gemma3_text", "phi3",
                                           "olmo2", "qwen2_moe", "qwen3_moe", "mixtral",
                                           "deepseek_v3"));

// bf16 weights in three shards: resident (bf16 in memory, converted per layer), streamed (mapped
// shards) and the same values stored as float32 (used without any conversion) give one answer.
TEST(WeightsMode, Bf16ShardedCheckpointIsExactInEveryMode) {
  SENTLENS_REQUIRE_SHARED_FILE("golden/hf/qwen2/golden.safetensors");
  const auto source = shared_dir() / "golden/hf/qwen2";
  testing::TempDir dir;
  auto to_bf16 = [](const torch::Tensor& t) { return t.to(torch::kBFloat16); };
  auto rounded = [](const torch::Tensor& t) { return t.to(torch::kBFloat16).to(torch::kFloat32); };
  testing::write_checkpoint_variant(source, dir.path() / "bf16", 3, to_bf16);
  testing::write_checkpoint_variant(source, dir.path() / "f32", 1, rounded);
  const auto ids = golden_tensor(source / "golden.safetensors", "ids_b");
  const Model float32 = Model::load(dir.path() / "f32", {torch::kCPU, 0, WeightsMode::kResident});
  const Model resident = Model::load(dir.path() / "bf16", {torch::kCPU, 0, WeightsMode::kResident});
  const Model streamed = Model::load(dir.path() / "bf16", {torch::kCPU, 0, WeightsMode::kStream});
  EXPECT_EQ(resident.stored_dtype(), "BF16");
  // bf16 in memory: half the bytes of the float32 copy.
  EXPECT_LT(resident.resident_weight_bytes(), float32.resident_weight_bytes() * 6 / 10);
  const auto expected = run(float32, ids);
  expect_identical(run(resident, ids), expected);
  expect_identical(run(streamed, ids), expected);
}

TEST(WeightsMode, ForcedStreamOnTheDemoModelEqualsResident) {
  const auto demo = std::filesystem::path(SENTLENS_SOURCE_DIR) / "models/demo";
  ASSERT_TRUE(std::filesystem::exists(demo / "config.json")) << demo;
  const Model resident = Model::load(demo, {torch::kCPU, 0, WeightsMode::kResident});
  const Model streamed = Model::load(demo, {torch::kCPU, 0, WeightsMode::kStream});
  const auto ids = torch::arange(1, 200, torch::kInt64) % resident.config().vocab_size;
  expect_identical(run(resident, ids, 64), run(streamed, ids, 64));
  // Generation (many small forwards) streams too, token for token the same.
  GenerateOptions generate;
  generate.max_new_tokens = 12;
  EXPECT_EQ(generate_greedy(resident, {1, 5, 9}, generate),
            generate_greedy(streamed, {1, 5, 9}, generate));
}

TEST(WeightsMode, AutoIsResidentWhenTheWeightsFitAndStreamsWhenTheyDoNot) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/model.safetensors");
  const auto stories = shared_dir() / "models/stories260K";
  EXPECT_EQ(Model::load(stories).weights_mode(), WeightsMode::kResident);
  // A memory limit below the weights' size (about 1 MB): auto streams, resident is refused.
  ::setenv("SENTLENS_MEMORY_LIMIT", "600K", 1);
  EXPECT_EQ(Model::load(stories).weights_mode(), WeightsMode::kStream);
  EXPECT_THAT(testing::error_of<LimitError>([&] {
                Model::load(stories, {torch::kCPU, 0, WeightsMode::kResident});
              }),
              ::testing::HasSubstr("weights mode \"stream\""));
  ::unsetenv("SENTLENS_MEMORY_LIMIT");
}

TEST(WeightsMode, NamesRoundTripAndUnknownNamesAreRefused) {
  for (auto mode : {WeightsMode::kAuto, WeightsMode::kResident, WeightsMode::kStream}) {
    EXPECT_EQ(parse_weights_mode(weights_mode_name(mode)), mode);
  }
  testing::expect_error<InputError>([&] { (void)(parse_weights_mode("mapped")); });
}

}  // namespace
}  // namespace sentlens
