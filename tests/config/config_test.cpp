// config.json parsing for every family, and its errors.
#include <gtest/gtest.h>

#include "sentlens/error.h"
#include "sentlens/model/config.h"
#include "test_support.h"

namespace sentlens {
namespace {

using testing::shared_dir;

template <typename E>
std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const E& error) {
    return error.what();
  }
  ADD_FAILURE() << "no error thrown";
  return {};
}

TEST(ModelConfig, ReadsEveryGoldenFamily) {
  SENTLENS_REQUIRE_SHARED_FILE("golden/hf/qwen3/config.json");
  const auto hf = shared_dir() / "golden/hf";
  auto gpt2 = ModelConfig::from_file(hf / "gpt2/config.json");
  EXPECT_EQ(gpt2.norm, NormKind::kLayerNorm);
  EXPECT_EQ(gpt2.mlp, MlpKind::kGeluNew);
  EXPECT_TRUE(gpt2.learned_positions && gpt2.tie_word_embeddings);
  EXPECT_EQ(gpt2.head_dim, 16);
  EXPECT_EQ(gpt2.intermediate_size, 256);

  auto llama = ModelConfig::from_file(hf / "llama_gqa/config.json");
  EXPECT_EQ(llama.num_kv_heads, 2);
  EXPECT_EQ(llama.kv_group_size(), 4);
  EXPECT_FALSE(llama.tie_word_embeddings);

  auto llama3 = ModelConfig::from_file(hf / "llama3_rope/config.json");
  EXPECT_EQ(llama3.rope_scaling, RopeScalingKind::kLlama3);
  EXPECT_EQ(llama3.rope_factor, 8.0);
  EXPECT_EQ(llama3.rope_original_max_position_embeddings, 32);
  EXPECT_TRUE(llama3.qkv_bias && llama3.output_proj_bias);

  auto mistral = ModelConfig::from_file(hf / "mistral_swa/config.json");
  ASSERT_TRUE(mistral.sliding_window.has_value());
  EXPECT_EQ(*mistral.sliding_window, 24);
  EXPECT_TRUE(mistral.sliding_window_applies(0));

  auto qwen2 = ModelConfig::from_file(hf / "qwen2/config.json");
  EXPECT_TRUE(qwen2.qkv_bias);
  EXPECT_FALSE(qwen2.output_proj_bias);
  EXPECT_FALSE(qwen2.sliding_window.has_value()) << "use_sliding_window is false";
  EXPECT_EQ(qwen2.rope_theta, 1e6);

  auto qwen3 = ModelConfig::from_file(hf / "qwen3/config.json");
  EXPECT_TRUE(qwen3.qk_norm);
  EXPECT_EQ(qwen3.head_dim, 32);
  EXPECT_NE(qwen3.fingerprint(), qwen2.fingerprint());
}

TEST(ModelConfig, QwenSlidingWindowStartsAtMaxWindowLayers) {
  auto config = ModelConfig::from_json(
      R"({"model_type": "qwen2", "hidden_size": 64, "intermediate_size": 128,
          "num_hidden_layers": 4, "num_attention_heads": 4, "num_key_value_heads": 2,
          "vocab_size": 100, "use_sliding_window": true, "sliding_window": 16,
          "max_window_layers": 2})",
      "test");
  EXPECT_FALSE(config.sliding_window_applies(1));
  EXPECT_TRUE(config.sliding_window_applies(2));
}

TEST(ModelConfig, UnsupportedModelTypeListsTheSupportedOnes) {
  auto message = error_of<ConfigError>(
      [] { ModelConfig::from_json(R"({"model_type": "bert"})", "dir/config.json"); });
  EXPECT_EQ(message,
            "dir/config.json: unsupported model_type \"bert\" (supported: llama, mistral, qwen2, "
            "qwen3, gpt2)");
}

TEST(ModelConfig, MissingAndInvalidFilesAreConfigErrors) {
  testing::TempDir dir;
  auto missing = error_of<ConfigError>([&] { ModelConfig::from_file(dir / "config.json"); });
  EXPECT_NE(missing.find("config.json: file not found"), std::string::npos) << missing;
  testing::write_text_file(dir / "config.json", "{\"model_type\": \"llama\",");
  auto invalid = error_of<ConfigError>([&] { ModelConfig::from_file(dir / "config.json"); });
  EXPECT_NE(invalid.find("config.json: not valid JSON"), std::string::npos) << invalid;
  testing::write_text_file(dir / "config.json", "[]");
  auto not_object = error_of<ConfigError>([&] { ModelConfig::from_file(dir / "config.json"); });
  EXPECT_NE(not_object.find("expected a JSON object"), std::string::npos) << not_object;
}

TEST(ModelConfig, FileOverTheJsonLimitIsALimitError) {
  testing::TempDir dir;
  testing::write_text_file(dir / "config.json", "{}");
  std::filesystem::resize_file(dir / "config.json", (256ull << 20) + 1);  // sparse
  auto message = error_of<LimitError>([&] { ModelConfig::from_file(dir / "config.json"); });
  EXPECT_NE(
      message.find("config.json: file is 268435457 bytes, more than the 268435456 bytes allowed"),
      std::string::npos)
      << message;
}

TEST(ModelConfig, NumberTooLargeForADoubleIsAFormatError) {
  // Found by fuzzing: nlohmann reports it as out_of_range, which escaped as a non-sentlens error.
  auto message = error_of<FormatError>(
      [] { ModelConfig::from_json(R"({"model_type": 11111e1111131111111111})", "c.json"); });
  EXPECT_EQ(message, "c.json: not valid JSON (number overflow parsing '11111e1111131111111111')");
}

TEST(ModelConfig, MissingOrWrongFieldsNameTheField) {
  auto missing = error_of<ConfigError>(
      [] { ModelConfig::from_json(R"({"model_type": "llama", "hidden_size": 64})", "c.json"); });
  EXPECT_EQ(missing, "c.json: missing required field \"intermediate_size\"");
  auto wrong_type = error_of<ConfigError>(
      [] { ModelConfig::from_json(R"({"model_type": "llama", "hidden_size": "64"})", "c.json"); });
  EXPECT_EQ(wrong_type, "c.json: field \"hidden_size\" must be an integer, found \"64\"");
}

TEST(ModelConfig, InconsistentOrAbsurdSizesAreRejected) {
  const std::string base =
      R"("model_type": "llama", "intermediate_size": 128, "num_hidden_layers": 2,
         "vocab_size": 100, )";
  auto heads = error_of<ConfigError>([&] {
    ModelConfig::from_json("{" + base + R"("hidden_size": 64, "num_attention_heads": 6,
                                           "num_key_value_heads": 4})",
                           "c.json");
  });
  EXPECT_NE(heads.find("not divisible"), std::string::npos) << heads;
  auto huge = error_of<ConfigError>([&] {
    ModelConfig::from_json("{" + base + R"("hidden_size": 64, "num_attention_heads": 4,
                                           "vocab_size": 1000000000000})",
                           "c.json");
  });
  EXPECT_NE(huge.find("the vocabulary size is 1000000000000"), std::string::npos) << huge;
  auto scaling = error_of<ConfigError>([&] {
    ModelConfig::from_json("{" + base + R"("hidden_size": 64, "num_attention_heads": 4,
                                           "rope_scaling": {"rope_type": "yarn", "factor": 4}})",
                           "c.json");
  });
  EXPECT_NE(scaling.find("unsupported rope_scaling type \"yarn\""), std::string::npos) << scaling;
}

}  // namespace
}  // namespace sentlens
