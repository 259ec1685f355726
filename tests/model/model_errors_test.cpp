// Loading and running a checkpoint with bad input: each a clear sentlens::Error naming the file
// and the problem.
#include <gtest/gtest.h>

#include "model_test_support.h"
#include "sentlens/error.h"
#include "sentlens/model/attention_recorder.h"
#include "sentlens/model/model.h"

namespace sentlens {
namespace {

using testing::error_of;

using testing::shared_dir;
using testing::TempDir;

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

std::filesystem::path stories() {
  return shared_dir() / "models/stories260K";
}

TEST(ModelErrors, AttentionRecorderRefusesMapsOverItsBudgetBeforeAllocating) {
  AttentionRecorder recorder({}, std::int64_t{1} << 30);
  ForwardShape shape;
  shape.num_layers = 32;
  shape.num_heads = 32;
  shape.new_tokens = 4096;
  EXPECT_EQ(error_of<LimitError>([&] { recorder.begin_forward(shape); }),
            "full attention maps for 32 layers x 32 heads x 4096 x 4096 tokens need 64.0 GiB, more "
            "than the 1.0 GiB allowed; record fewer layers or use a streaming observer");
}

TEST(ModelErrors, FolderWithoutConfig) {
  TempDir dir;
  auto message = error_of<ConfigError>([&] { Model::load(dir.path()); });
  EXPECT_CONTAINS(message, (dir / "config.json").string() + ": file not found");
  auto not_folder = error_of<IoError>([&] { Model::load(dir / "absent"); });
  EXPECT_CONTAINS(not_folder, "not a model folder");
}

TEST(ModelErrors, MissingTensorIsNamed) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/model.safetensors");
  TempDir dir;
  std::filesystem::copy_file(stories() / "config.json", dir / "config.json");
  const auto store = TensorStore::open_directory(stories());
  SafetensorsWriter writer;
  for (const auto& name : store.names()) {
    if (name == "model.layers.2.mlp.up_proj.weight") continue;
    add_tensor(writer, name, read_tensor(store.file_of(name), name));
  }
  writer.write(dir / "model.safetensors");
  auto message = error_of<FormatError>([&] { Model::load(dir.path()); });
  EXPECT_CONTAINS(
      message, "missing tensor \"model.layers.2.mlp.up_proj.weight\" (expected shape [172, 64])");
  EXPECT_CONTAINS(message, dir.path().string());
}

TEST(ModelErrors, TensorShapeNotMatchingConfigShowsExpectedAndFound) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/model.safetensors");
  TempDir dir;
  testing::write_checkpoint_variant(stories(), dir.path(), 1,
                                    [](const torch::Tensor& tensor) { return tensor; });
  // Claim a larger hidden MLP than the weights have.
  auto config = testing::read_text_file(stories() / "config.json");
  config.replace(config.find("\"intermediate_size\": 172"), 24, "\"intermediate_size\": 180");
  testing::write_text_file(dir / "config.json", config);
  auto message = error_of<FormatError>([&] { Model::load(dir.path()); });
  EXPECT_CONTAINS(message,
                  "tensor \"model.layers.0.mlp.gate_proj.weight\" has shape [172, 64], but the "
                  "config needs [180, 64]");
}

class StoriesModelErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/model.safetensors");
    model_ = std::make_unique<Model>(Model::load(stories()));
  }
  std::unique_ptr<Model> model_;
};

TEST_F(StoriesModelErrors, TokenIdOutsideVocabulary) {
  auto message = error_of<InputError>([&] {
    model_->forward(torch::tensor({1, 5, 512}, torch::kInt64));
  });
  EXPECT_CONTAINS(message, "token id 512 at position 2 is outside the vocabulary of 512");
  auto negative = error_of<InputError>([&] {
    model_->forward(torch::tensor({1, -3}, torch::kInt64));
  });
  EXPECT_CONTAINS(negative, "token id -3 at position 1");
}

TEST_F(StoriesModelErrors, EmptyInput) {
  auto message = error_of<InputError>([&] { model_->forward(torch::empty({0}, torch::kInt64)); });
  EXPECT_CONTAINS(message, "empty input");
}

TEST_F(StoriesModelErrors, FloatingIdsAreRejected) {
  auto message = error_of<InputError>([&] { model_->forward(torch::ones({3})); });
  EXPECT_CONTAINS(message, "token ids must be integers");
}

TEST_F(StoriesModelErrors, MoreTokensThanMaxPositionsUnlessAllowed) {
  const auto ids = torch::ones({513}, torch::kInt64);
  auto message = error_of<InputError>([&] { model_->forward(ids); });
  EXPECT_CONTAINS(message, "513 tokens exceed max_position_embeddings 512");
  // The library names the option's field; the CLI names its flag (CliForward tests).
  EXPECT_CONTAINS(message, "; allow_longer runs past it, with positions the model never saw");
  EXPECT_EQ(message.find("--"), std::string::npos) << message;
  ForwardOptions options;
  options.allow_longer = true;
  options.compute_logits = false;
  EXPECT_NO_THROW(model_->forward(ids, options));
}

TEST(ModelErrors, GptLearnedPositionsCannotBeExtended) {
  SENTLENS_REQUIRE_SHARED_FILE("golden/hf/gpt2/model.safetensors");
  const Model model = Model::load(shared_dir() / "golden/hf/gpt2");
  ForwardOptions options;
  options.allow_longer = true;
  auto message =
      error_of<InputError>([&] { model.forward(torch::ones({129}, torch::kInt64), options); });
  EXPECT_CONTAINS(message, "learned positions cannot be extended");
}

}  // namespace
}  // namespace sentlens
