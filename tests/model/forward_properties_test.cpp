// Properties of the forward pass: KV-cache continuation equals the full pass, batches equal single
// sequences, editors and observers follow their contract, and stored-bf16 and sharded checkpoints
// load to the same numbers.
#include <gtest/gtest.h>

#include <vector>

#include "model_test_support.h"
#include "sentlens/error.h"
#include "sentlens/model/attention_recorder.h"
#include "sentlens/model/model.h"

namespace sentlens {
namespace {

using testing::golden_tensor;
using testing::max_abs_diff;
using testing::shared_dir;

torch::Tensor golden_ids(const std::string& family, const std::string& input) {
  return golden_tensor(shared_dir() / "golden/hf" / family / "golden.safetensors", "ids_" + input);
}

class CachedForwardTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CachedForwardTest, PrefixThenCachedSuffixEqualsFullForward) {
  const std::string family = GetParam();
  SENTLENS_REQUIRE_SHARED_FILE("golden/hf/" + family + "/golden.safetensors");
  const Model model = Model::load(shared_dir() / "golden/hf" / family);
  const auto ids = golden_ids(family, "b");  // 96 tokens: crosses mistral's 24-token window
  // Float32 noise of a different matmul split: 1e-5 / 1e-6 on the first families' N(0, 0.1)
  // weights; the later goldens' larger weights (logits of order 10) use their suggested tolerance
  // (cached and full differ by up to 4.6e-5 / 4.2e-6 there).
  testing::Tolerance tolerance{1e-5, 1e-5, 1e-6};
  const auto golden = testing::golden_json(shared_dir() / "golden/hf" / family);
  if (golden.contains("suggested_tolerance")) tolerance = testing::tolerance_of(golden);
  AttentionRecorder full_recorder;
  ForwardOptions full_options;
  full_options.observers = {&full_recorder};
  const auto full = model.forward(ids, full_options);

  // Phi-3's longrope picks its long factors once a forward runs past 64 positions (as transformers
  // does per call), so a prefix of 64 or fewer would be rotated with other frequencies: split
  // later.
  const auto splits =
      family == "phi3" ? std::vector<std::int64_t>{65, 95} : std::vector<std::int64_t>{1, 40, 95};
  for (std::int64_t split : splits) {
    SCOPED_TRACE("split at " + std::to_string(split));
    KVCache cache;
    ForwardOptions options;
    options.cache = &cache;
    options.block_size = 16;
    const auto prefix = model.forward(ids.narrow(0, 0, split), options);
    EXPECT_EQ(cache.length(), split);
    AttentionRecorder suffix_recorder;
    options.observers = {&suffix_recorder};
    const auto suffix = model.forward(ids.narrow(0, split, ids.size(0) - split), options);
    EXPECT_EQ(cache.length(), ids.size(0));
    EXPECT_LT(max_abs_diff(torch::cat({prefix.logits, suffix.logits}), full.logits),
              tolerance.logits);
    // The suffix's attention rows are the full map's last rows, over every key.
    EXPECT_LT(max_abs_diff(suffix_recorder.attentions(),
                           full_recorder.attentions().narrow(2, split, ids.size(0) - split)),
              tolerance.attentions);
  }
}

INSTANTIATE_TEST_SUITE_P(Families, CachedForwardTest,
                         ::testing::Values("gpt2", "llama_gqa", "llama3_rope", "mistral_swa",
                                           "qwen2", "qwen3", "gemma2", "gemma3_text", "phi3",
                                           "olmo2", "qwen2_moe", "qwen3_moe", "mixtral",
                                           "deepseek_v3"));

TEST(Forward, BatchOfSequencesEqualsEachSequenceAlone) {
  SENTLENS_REQUIRE_SHARED_FILE("golden/hf/qwen3/golden.safetensors");
  const Model model = Model::load(shared_dir() / "golden/hf/qwen3");
  const auto first = golden_ids("qwen3", "b").narrow(0, 0, 30);
  const auto second = golden_ids("qwen3", "b").narrow(0, 50, 30);
  const auto batch = model.forward(torch::stack({first, second})).logits;
  EXPECT_LT(max_abs_diff(batch[0], model.forward(first).logits), 1e-5);
  EXPECT_LT(max_abs_diff(batch[1], model.forward(second).logits), 1e-5);
}

TEST(Forward, SkipsLogitsAndReturnsHiddenOnRequest) {
  SENTLENS_REQUIRE_SHARED_FILE("golden/hf/llama_gqa/golden.safetensors");
  const Model model = Model::load(shared_dir() / "golden/hf/llama_gqa");
  ForwardOptions options;
  options.compute_logits = false;
  options.return_hidden = true;
  const auto result = model.forward(golden_ids("llama_gqa", "a"), options);
  EXPECT_FALSE(result.logits.defined());
  EXPECT_EQ(result.hidden.sizes(), (std::vector<std::int64_t>{17, 64}));
}

// Records which layers and rows an observer saw, to check the hook contract.
class ContractObserver final : public AttentionObserver {
 public:
  explicit ContractObserver(std::int64_t only_layer) : only_layer_(only_layer) {}
  bool observes_layer(std::int64_t layer) const override { return layer == only_layer_; }
  void begin_forward(const ForwardShape& shape) override { shape_ = shape; }
  void observe(const AttentionBlock& block, const torch::Tensor& probs) override {
    EXPECT_EQ(block.layer, only_layer_);
    EXPECT_EQ(probs.scalar_type(), torch::kFloat32);
    EXPECT_EQ(probs.sizes(),
              (std::vector<std::int64_t>{block.num_heads, block.query_count, block.key_count}));
    EXPECT_EQ(block.key_count, block.query_start + block.query_count);
    EXPECT_LT(max_abs_diff(probs.sum(-1), torch::ones({block.num_heads, block.query_count})), 1e-5);
    rows_seen += block.query_count;
    ++blocks;
  }
  void end_forward() override { ended = true; }

  ForwardShape shape_;
  std::int64_t rows_seen = 0, blocks = 0;
  bool ended = false;

 private:
  std::int64_t only_layer_;
};

TEST(Forward, ObserversSeeOnlyTheirLayersInBlocksCoveringEveryRow) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/model.safetensors");
  const Model model = Model::load(shared_dir() / "models/stories260K");
  const auto ids = torch::arange(1, 41, torch::kInt64);
  ContractObserver observer(3);
  ForwardOptions options;
  options.block_size = 7;
  options.observers = {&observer};
  model.forward(ids, options);
  EXPECT_EQ(observer.rows_seen, 40);
  EXPECT_EQ(observer.blocks, 6);  // ceil(40 / 7)
  EXPECT_EQ(observer.shape_.num_layers, 5);
  EXPECT_EQ(observer.shape_.num_heads, 8);
  EXPECT_TRUE(observer.ended);
}

// An editor that does nothing must leave every number as it was.
class IdentityEditor final : public AttentionEditor {
 public:
  void edit_scores(const AttentionBlock&, torch::Tensor&) override { ++calls; }
  void edit_probs(const AttentionBlock&, torch::Tensor&) override { ++calls; }
  int calls = 0;
};

// Masks keys [first, last) before softmax in the rows at or after `last`.
class MaskKeysEditor final : public AttentionEditor {
 public:
  MaskKeysEditor(std::int64_t first, std::int64_t last) : first_(first), last_(last) {}
  void edit_scores(const AttentionBlock& block, torch::Tensor& scores) override {
    const auto first_row = std::max<std::int64_t>(0, last_ - block.query_start);
    if (first_row >= block.query_count) return;
    scores.narrow(1, first_row, block.query_count - first_row)
        .narrow(2, first_, last_ - first_)
        .fill_(-std::numeric_limits<float>::infinity());
  }

 private:
  std::int64_t first_, last_;
};

TEST(Forward, EditorsChangeAttentionAsTheContractSays) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/model.safetensors");
  const Model model = Model::load(shared_dir() / "models/stories260K");
  const auto ids = torch::arange(1, 31, torch::kInt64);
  const auto plain = model.forward(ids).logits;

  IdentityEditor identity;
  ForwardOptions identity_options;
  identity_options.editors = {&identity};
  EXPECT_TRUE(model.forward(ids, identity_options).logits.equal(plain));
  EXPECT_GT(identity.calls, 0);

  MaskKeysEditor mask(5, 10);
  AttentionRecorder recorder;
  ForwardOptions mask_options;
  mask_options.editors = {&mask};
  mask_options.observers = {&recorder};
  mask_options.block_size = 4;
  const auto masked = model.forward(ids, mask_options).logits;
  ForwardOptions same_blocks;
  same_blocks.block_size = mask_options.block_size;
  const auto plain_same_blocks = model.forward(ids, same_blocks).logits;
  const auto maps = recorder.attentions();  // observers see the edited probabilities
  EXPECT_EQ(maps.narrow(2, 10, 20).narrow(3, 5, 5).abs().max().item<float>(), 0.0f);
  EXPECT_GT(maps.narrow(2, 0, 10).narrow(3, 5, 5).abs().max().item<float>(), 0.0f);
  // Positions before the edited rows are untouched; the edited ones change.
  EXPECT_TRUE(masked.narrow(0, 0, 10).equal(plain_same_blocks.narrow(0, 0, 10)));
  EXPECT_GT(max_abs_diff(masked.narrow(0, 10, 20), plain_same_blocks.narrow(0, 10, 20)), 1e-3);
}

TEST(Forward, Bf16AndShardedCheckpointsLoadToTheSameNumbers) {
  SENTLENS_REQUIRE_SHARED_FILE("golden/hf/qwen2/golden.safetensors");
  const auto source = shared_dir() / "golden/hf/qwen2";
  testing::TempDir dir;
  // Stored bf16 must equal the float32 model whose weights were rounded to bf16 the same way.
  auto to_bf16 = [](const torch::Tensor& tensor) { return tensor.to(torch::kBFloat16); };
  auto rounded = [](const torch::Tensor& tensor) {
    return tensor.to(torch::kBFloat16).to(torch::kFloat32);
  };
  testing::write_checkpoint_variant(source, dir / "bf16", 1, to_bf16);
  testing::write_checkpoint_variant(source, dir / "rounded", 3, rounded);
  testing::write_checkpoint_variant(source, dir / "sharded", 3,
                                    [](const torch::Tensor& tensor) { return tensor; });
  const auto ids = golden_ids("qwen2", "a");
  const Model bf16 = Model::load(dir / "bf16");
  EXPECT_EQ(bf16.stored_dtype(), "BF16");
  EXPECT_TRUE(bf16.forward(ids).logits.equal(Model::load(dir / "rounded").forward(ids).logits));
  const Model sharded = Model::load(dir / "sharded");
  EXPECT_TRUE(std::filesystem::exists(dir / "sharded/model.safetensors.index.json"));
  EXPECT_LT(max_abs_diff(sharded.forward(ids).logits,
                         golden_tensor(source / "golden.safetensors", "logits_a")),
            1e-4);
  EXPECT_EQ(sharded.parameter_count(), Model::load(source).parameter_count());
}

}  // namespace
}  // namespace sentlens
