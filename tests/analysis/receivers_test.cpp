// Receiver-head maths on hand-made inputs: definitions (§1.4–1.7), edge cases (§1.12) and the
// bad inputs of issue 4, each checked by its message.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "sentlens/analysis/receivers.h"
#include "sentlens/analysis/sentence_attention.h"
#include "sentlens/error.h"
#include "sentlens/io/safetensors.h"
#include "sentlens/workflow/receivers_job.h"
#include "test_support.h"

namespace sentlens {
namespace {

using ::sentlens::testing::TempDir;

// Random causal row-stochastic attention [L, H, T, T].
std::vector<float> random_attention(std::int64_t layers, std::int64_t heads, std::int64_t tokens,
                                    unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal(0.0, 2.0);
  std::vector<float> attention(static_cast<std::size_t>(layers * heads * tokens * tokens), 0.0f);
  for (std::int64_t m = 0; m < layers * heads; ++m) {
    for (std::int64_t q = 0; q < tokens; ++q) {
      std::vector<double> weights(static_cast<std::size_t>(q + 1));
      double total = 0;
      for (auto& w : weights) total += (w = std::exp(normal(rng)));
      for (std::int64_t k = 0; k <= q; ++k) {
        attention[static_cast<std::size_t>((m * tokens + q) * tokens + k)] =
            static_cast<float>(weights[static_cast<std::size_t>(k)] / total);
      }
    }
  }
  return attention;
}

void write_attention_file(const std::filesystem::path& path, const std::vector<float>& attention,
                          std::int64_t layers, std::int64_t heads, std::int64_t tokens,
                          const std::vector<std::int64_t>& boundaries) {
  SafetensorsWriter writer;
  writer.add_f32("attn", {layers, heads, tokens, tokens}, attention);
  writer.add_i64("boundaries", {static_cast<std::int64_t>(boundaries.size() / 2), 2}, boundaries);
  writer.write(path);
}

TEST(VerticalScores, DefinitionOnASmallMatrix) {
  // S = 4, p = 1: valid cells i - j >= 1. vert[j] = mean of M[j+1.., j].
  const std::vector<float> m = {0, 0, 0, 0,  //
                                1, 0, 0, 0,  //
                                2, 3, 0, 0,  //
                                4, 5, 6, 0};
  ReceiverOptions options;
  options.proximity_ignore = 1;
  const auto vert = vertical_scores(m.data(), 4, options);
  EXPECT_DOUBLE_EQ(vert[0], static_cast<float>(7.0 / 3.0));  // float32, as the original
  EXPECT_DOUBLE_EQ(vert[1], 4.0);
  EXPECT_DOUBLE_EQ(vert[2], 6.0);
  EXPECT_TRUE(std::isnan(vert[3]));
  options.score_type = ScoreType::kMedian;
  EXPECT_DOUBLE_EQ(vertical_scores(m.data(), 4, options)[0], 2.0);
  // control_depth: ranks within each row / valid count. Row 3: 4,5,6 -> 1/3, 2/3, 1.
  options.score_type = ScoreType::kMean;
  options.control_depth = true;
  const auto ranked = vertical_scores(m.data(), 4, options);
  EXPECT_DOUBLE_EQ(ranked[0], (1.0 + 0.5 + 1.0 / 3.0) / 3.0);
  EXPECT_DOUBLE_EQ(ranked[2], 1.0);
}

TEST(Kurtosis, ScipyConventions) {
  const double nan = std::nan("");
  EXPECT_DOUBLE_EQ(fisher_kurtosis({1, 2, nan}, 1e-15), -2.0);     // two distinct values
  EXPECT_TRUE(std::isnan(fisher_kurtosis({3, 3, 3, nan}, 1e-6)));  // constant head
  EXPECT_TRUE(std::isnan(fisher_kurtosis({5}, 1e-6)));
  EXPECT_TRUE(std::isnan(fisher_kurtosis({nan, nan}, 1e-6)));
  // Population excess kurtosis of {0, 0, 0, 4}: mean 1, m2 = 12/4 = 3, m4 = 84/4 = 21,
  // 21 / 9 - 3 = -2/3.
  EXPECT_NEAR(fisher_kurtosis({0, 0, 0, 4}, 1e-15), -2.0 / 3.0, 1e-15);
}

TEST(Receivers, TiesAndTopKClamp) {
  // Two heads with identical matrices tie; top_k larger than the number of heads is clamped.
  SentenceMatrices m;
  m.num_layers = 1;
  m.num_heads = 3;
  m.num_sentences = 8;
  const auto attention = random_attention(1, 3, 40, 7);
  std::vector<TokenRange> ranges;
  for (std::int64_t s = 0; s < 8; ++s) ranges.push_back({s * 5, s * 5 + 5});
  m = pool_attention(attention, 1, 3, 40, ranges, Profile::kClean);
  ReceiverOptions options;
  options.top_k = 50;
  options.proximity_ignore = 2;
  const ReceiverAnalysis analysis = analyze_receivers({m}, options);
  EXPECT_EQ(analysis.receiver_heads.size(), 3u);
  for (std::size_t i = 1; i < analysis.top_k_flat_indices.size(); ++i) {
    EXPECT_GE(analysis.kurtosis_mean[static_cast<std::size_t>(analysis.top_k_flat_indices[i - 1])],
              analysis.kurtosis_mean[static_cast<std::size_t>(analysis.top_k_flat_indices[i])]);
  }
  options.exclude_layers = {0};
  EXPECT_EQ(testing::error_of<InputError>([&] { analyze_receivers({m}, options); }),
            "no head has a finite kurtosis: every head's vertical scores are constant or have "
            "fewer than two finite values (S = 8, proximity_ignore = 2)");
}

TEST(Receivers, BadInputsNameTheProblem) {
  const auto attention = random_attention(2, 2, 30, 3);
  std::vector<TokenRange> ten;
  for (std::int64_t s = 0; s < 10; ++s) ten.push_back({s * 3, s * 3 + 3});
  SentenceMatrices m = pool_attention(attention, 2, 2, 30, ten, Profile::kReference);
  m.source = "a";
  ReceiverOptions options;

  SentenceMatrices one = pool_attention(attention, 2, 2, 30, {{0, 30}}, Profile::kReference);
  one.source = "one";
  EXPECT_EQ(testing::error_of<InputError>([&] { analyze_receivers({one}, options); }),
            "one: one sentence: vertical scores need at least proximity_ignore + 2 = 6 sentences");
  SentenceMatrices zero = one;
  zero.num_sentences = 0;
  zero.values.clear();
  zero.source = "zero";
  EXPECT_EQ(testing::error_of<InputError>([&] { analyze_receivers({zero}, options); }),
            "zero: zero sentences");
  options.proximity_ignore = 10;
  EXPECT_EQ(testing::error_of<InputError>([&] { analyze_receivers({m}, options); }),
            "a: all 10 sentences lie within proximity_ignore 10 of each other, so every "
            "vertical score is NaN; use a smaller proximity_ignore or a longer trace");
  options.proximity_ignore = 4;
  SentenceMatrices other = m;
  other.source = "b";
  other.model_fingerprint = "f00d";
  EXPECT_EQ(testing::error_of<InputError>([&] {
              analyze_receivers({m, other}, options);
            }),
            "traces from different models: a has config fingerprint '', b has 'f00d'");
  SentenceMatrices smaller =
      pool_attention(random_attention(1, 2, 30, 4), 1, 2, 30, ten, Profile::kReference);
  smaller.source = "c";
  EXPECT_EQ(testing::error_of<InputError>([&] {
              analyze_receivers({m, smaller}, options);
            }),
            "traces from different models: a has 2 layers x 2 heads, c has 1 x 2");
  EXPECT_EQ(testing::error_of<InputError>([&] { analyze_receivers({}, options); }),
            "receiver heads need at least one trace");
  options.top_k = -1;
  EXPECT_EQ(testing::error_of<InputError>([&] { analyze_receivers({m}, options); }),
            "top_k must be >= 0 (0 = automatic), got -1");
  EXPECT_EQ(testing::error_of<InputError>([] { parse_score_type("max"); }),
            "--score-type: unknown score type 'max', expected 'mean' or 'median'");
}

TEST(AttentionImport, ChecksStochasticCausalAndBoundaries) {
  TempDir dir;
  const auto attention = random_attention(1, 2, 12, 5);
  const std::vector<std::int64_t> good = {2, 5, 5, 9, 9, 12};
  const auto path = dir / "a.safetensors";
  auto import = [&](const std::vector<float>& attn, const std::vector<std::int64_t>& bounds,
                    bool strict) {
    write_attention_file(path, attn, 1, 2, 12, bounds);
    AttentionImportOptions options;
    options.strict = strict;
    return import_attention_file(path, options);
  };
  const std::string p = path.string();
  EXPECT_TRUE(import(attention, good, true).warnings.empty());

  auto scaled = attention;
  for (float& v : scaled) v *= 0.5f;
  EXPECT_EQ(import(scaled, good, false).warnings.size(), 1u);  // warning only
  EXPECT_EQ(testing::error_of<InputError>([&] { import(scaled, good, true); }),
            p + ": attention is not row-stochastic: 24 rows differ from 1 by more than 0.001 "
                "(first: layer 0 head 0 row 0 sums to 0.5)");
  auto acausal = attention;
  acausal[1] = 0.25f;  // layer 0 head 0: A[0, 1]
  acausal[0] = 0.75f;
  EXPECT_EQ(testing::error_of<InputError>([&] { import(acausal, good, true); }),
            p + ": attention is not causal: 1 entries above the diagonal exceed 1e-06 (first: "
                "layer 0 head 0: A[0, 1] = 0.25)");

  EXPECT_EQ(testing::error_of<InputError>([&] {
              import(attention, {2, 5, 5, 13}, false);
            }),
            p + ": boundaries: sentence 1 has tokens [5, 13) out of range for 12 tokens");
  EXPECT_EQ(testing::error_of<InputError>([&] {
              import(attention, {5, 9, 2, 5}, false);
            }),
            p + ": boundaries: sentences are unsorted: sentence 1 starts at token 2 before "
                "sentence 0 at 5");
  EXPECT_EQ(testing::error_of<InputError>([&] {
              import(attention, {2, 6, 5, 9}, false);
            }),
            p + ": boundaries: sentences 0 [2, 6) and 1 [5, 9) overlap");
  EXPECT_EQ(testing::error_of<InputError>([&] { import(attention, {}, false); }),
            p + ": boundaries: zero sentences");
}

TEST(SentencePooling, ReferenceClampsTheLastTokenCleanDoesNot) {
  const std::int64_t t = 6;
  std::vector<float> attention(static_cast<std::size_t>(t * t), 0.0f);
  for (std::int64_t q = 0; q < t; ++q) {
    for (std::int64_t k = 0; k <= q; ++k)
      attention[static_cast<std::size_t>(q * t + k)] = 1.0f / (q + 1);
  }
  const std::vector<TokenRange> ranges = {{0, 3}, {3, 6}, {6, 6}};
  std::vector<float> reference(9), clean(9);
  pool_attention_matrix(attention.data(), t, ranges, Profile::kReference, reference.data());
  pool_attention_matrix(attention.data(), t, ranges, Profile::kClean, clean.data());
  // Reference: sentence 1 is rows/cols [3, 5) (clamped to T-1 = 5).
  EXPECT_FLOAT_EQ(reference[1 * 3 + 1], (1.0f / 4 + 0 + 1.0f / 5 + 1.0f / 5) / 4);
  EXPECT_FLOAT_EQ(clean[1 * 3 + 1], (1.0f / 4 + 2 * (1.0f / 5) + 3 * (1.0f / 6)) / 9);
  EXPECT_FLOAT_EQ(reference[2 * 3 + 0], 0.0f);  // empty sentence: 0 in the reference ...
  EXPECT_TRUE(std::isnan(clean[2 * 3 + 0]));    // ... NaN in the clean profile
}

}  // namespace
}  // namespace sentlens
