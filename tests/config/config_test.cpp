// config.json parsing for every family, and its errors.
#include <gtest/gtest.h>

#include <cmath>

#include "sentlens/error.h"
#include "sentlens/model/config.h"
#include "test_support.h"

namespace sentlens {
namespace {

using testing::error_of;

using testing::shared_dir;

TEST(ModelConfig, ReadsEveryGoldenFamily) {
  SENTLENS_REQUIRE_SHARED_FILE("golden/hf/qwen3/config.json");
  const auto hf = shared_dir() / "golden/hf";
  auto gpt2 = ModelConfig::from_file(hf / "gpt2/config.json");
  EXPECT_EQ(gpt2.norm, NormKind::kLayerNorm);
  EXPECT_EQ(gpt2.mlp, MlpKind::kPlain);
  EXPECT_EQ(gpt2.activation, Activation::kGeluNew);
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
  EXPECT_EQ(qwen3.qk_norm, QkNormKind::kPerHead);
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
            "dir/config.json: unsupported model_type \"bert\" (supported: gpt2, llama, mistral, "
            "qwen2, qwen3, gemma2, gemma3_text, phi3, olmo2, qwen2_moe, qwen3_moe, mixtral, "
            "deepseek_v3)");
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
                                           "rope_scaling": {"rope_type": "dynamic", "factor": 4}})",
                           "c.json");
  });
  EXPECT_NE(scaling.find("unsupported rope_scaling type \"dynamic\""), std::string::npos)
      << scaling;
}

ModelConfig golden_config(const std::string& family) {
  return ModelConfig::from_file(testing::shared_dir() / "golden/hf" / family / "config.json");
}

TEST(ModelConfig, EachFamilyReadsItsActivationKeyAndTheActivationTable) {
  SENTLENS_REQUIRE_SHARED_FILE("golden/hf/gpt2_relu/config.json");
  EXPECT_EQ(golden_config("gpt2_relu").activation, Activation::kRelu);  // activation_function
  EXPECT_EQ(golden_config("gpt2_gelu").activation, Activation::kGelu);
  EXPECT_EQ(golden_config("llama_gelu_tanh").activation,
            Activation::kGeluPytorchTanh);                                      // hidden_act
  EXPECT_EQ(golden_config("qwen2_swish").activation, Activation::kSilu);        // swish = silu
  EXPECT_EQ(golden_config("gemma2").activation, Activation::kGeluPytorchTanh);  // hidden_activation
  // swish is silu: the same fingerprint as a config that says silu.
  auto text = testing::read_text_file(testing::shared_dir() / "golden/hf/qwen2_swish/config.json");
  const auto silu =
      ModelConfig::from_json(text.replace(text.find("\"swish\""), 7, "\"silu\""), "silu.json");
  EXPECT_EQ(silu.fingerprint(), golden_config("qwen2_swish").fingerprint());
}

TEST(ModelConfig, AnUnsupportedActivationListsTheSupportedOnes) {
  auto message = error_of<ConfigError>([] {
    ModelConfig::from_json(
        R"({"model_type": "llama", "hidden_size": 64, "intermediate_size": 128,
            "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 100,
            "hidden_act": "prelu"})",
        "c.json");
  });
  EXPECT_EQ(message.rfind("c.json: hidden_act \"prelu\" is not a supported activation for llama "
                          "(supported: silu, swish, gelu, ",
                          0),
            0u)
      << message;
  EXPECT_NE(message.find("gelu_pytorch_tanh"), std::string::npos) << message;
}

TEST(ModelConfig, GemmaLayersAlternateAndScaleAsTransformersDoes) {
  SENTLENS_REQUIRE_SHARED_FILE("golden/hf/gemma3_text/config.json");
  const auto gemma2 = golden_config("gemma2");
  EXPECT_TRUE(gemma2.sliding_window_applies(0));
  EXPECT_FALSE(gemma2.sliding_window_applies(1));
  EXPECT_TRUE(gemma2.sliding_window_applies(2));
  EXPECT_DOUBLE_EQ(gemma2.attention_scale, 1.0 / std::sqrt(24.0));  // query_pre_attn_scalar
  EXPECT_EQ(gemma2.attention_softcap, 8.0);
  EXPECT_EQ(gemma2.final_logit_softcap, 10.0);
  EXPECT_EQ(gemma2.embedding_multiplier, 8.0);
  EXPECT_TRUE(gemma2.norm_weight_plus_one && gemma2.output_norms && gemma2.input_norms);
  const auto gemma3 = golden_config("gemma3_text");
  EXPECT_TRUE(gemma3.sliding_window_applies(0));
  EXPECT_TRUE(gemma3.sliding_window_applies(1));
  EXPECT_FALSE(gemma3.sliding_window_applies(2));
  EXPECT_EQ(gemma3.attention_softcap, 0.0);
  EXPECT_EQ(gemma3.rope_local_theta, 10000.0);
  EXPECT_EQ(gemma3.qk_norm, QkNormKind::kPerHead);
}

TEST(ModelConfig, Phi3Olmo2AndDeepSeekDeriveTheirShapes) {
  SENTLENS_REQUIRE_SHARED_FILE("golden/hf/deepseek_v3/config.json");
  const auto phi3 = golden_config("phi3");
  EXPECT_EQ(phi3.rotary_dim, 12);  // 16 × partial_rotary_factor 0.75
  EXPECT_EQ(phi3.rope_scaling, RopeScalingKind::kLongRope);
  EXPECT_NEAR(phi3.rope_attention_factor, std::sqrt(1 + std::log(4.0) / std::log(64.0)), 1e-15);
  const auto olmo2 = golden_config("olmo2");
  EXPECT_EQ(olmo2.qk_norm, QkNormKind::kWholeProjection);
  EXPECT_FALSE(olmo2.input_norms);
  EXPECT_TRUE(olmo2.output_norms);
  const auto deepseek = golden_config("deepseek_v3");
  EXPECT_EQ(deepseek.attention, AttentionKind::kLatent);
  EXPECT_EQ(deepseek.head_dim, 32);  // nope 16 + rope 16, not config.json's head_dim 16
  EXPECT_EQ(deepseek.rotary_dim, 16);
  EXPECT_EQ(deepseek.v_head_dim, 24);
  const double mscale = 0.1 * 0.8 * std::log(4.0) + 1;
  EXPECT_NEAR(deepseek.attention_scale, mscale * mscale / std::sqrt(32.0), 1e-15);
  EXPECT_NEAR(deepseek.rope_attention_factor, (0.1 * std::log(4.0) + 1) / mscale, 1e-15);
  EXPECT_FALSE(deepseek.is_moe_layer(0));  // first_k_dense_replace 1
  EXPECT_TRUE(deepseek.is_moe_layer(1));
  const auto qwen2_moe = golden_config("qwen2_moe");
  EXPECT_TRUE(qwen2_moe.is_moe_layer(0));
  EXPECT_FALSE(qwen2_moe.is_moe_layer(1));  // mlp_only_layers [1]
  EXPECT_TRUE(qwen2_moe.shared_expert_gated);
  EXPECT_EQ(golden_config("mixtral").num_experts, 4);
}

TEST(ModelConfig, FingerprintsOfEarlierFamiliesAreUnchanged) {
  // Traces written before the family table record these; they must still match their models.
  SENTLENS_REQUIRE_SHARED_FILE("golden/hf/qwen3/config.json");
  // Values printed by `sentlens info --json` before the family table was added.
  EXPECT_EQ(golden_config("qwen3").fingerprint(), "ae0f7953836b1a9c");
  EXPECT_EQ(golden_config("gpt2").fingerprint(), "994ef477c5baea24");
  EXPECT_EQ(golden_config("llama_gqa").fingerprint(), "ccf0616fd80885fd");
  EXPECT_EQ(golden_config("mistral_swa").fingerprint(), "f07ce7a0b833d110");
  EXPECT_EQ(golden_config("qwen2").fingerprint(), "fff12b6bcabbaccf");
  EXPECT_EQ(golden_config("llama3_rope").fingerprint(), "7991fd5dca0ad214");
  EXPECT_NE(golden_config("olmo2").fingerprint(), golden_config("qwen3").fingerprint());
}

}  // namespace
}  // namespace sentlens
