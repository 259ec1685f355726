// Token rhythm maths (metrics.md §2) and sink classification (§3) on cases small enough to check
// by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "sentlens/analysis/sinks.h"
#include "sentlens/analysis/token_rhythm.h"
#include "sentlens/error.h"
#include "test_support.h"

namespace sentlens {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr float kNaNf = std::numeric_limits<float>::quiet_NaN();

TEST(TokenRhythmMaths, QuantileTopQAndPeaks) {
  EXPECT_DOUBLE_EQ(quantile_linear({3, 1, 2, kNaN, 4}, 0.5), 2.5);  // NaN dropped
  EXPECT_DOUBLE_EQ(quantile_linear({0, 1, 2, 3, 4}, 0.6), 2.4);
  EXPECT_TRUE(std::isnan(quantile_linear({kNaN}, 0.5)));
  // Ties at the threshold are all included.
  EXPECT_EQ(top_q({1, 2, 2, 2, kNaN}, 0.4), (std::vector<bool>{false, true, true, true, false}));
  EXPECT_EQ(peaks({1, 3, 2, 2, 5, 1}, 0.4),
            (std::vector<bool>{false, true, false, false, true, false}));
}

TEST(TokenRhythmMaths, FaiCountAndSinkScores) {
  TokenRhythmOptions o;
  o.response_start = 1;
  o.horizon_lo = 1;
  o.horizon_hi = 2;
  EXPECT_EQ(fai_count(0, 4, o), 2);  // t ∈ {1, 2}
  EXPECT_EQ(fai_count(2, 4, o), 1);  // t = 3
  EXPECT_EQ(fai_count(3, 4, o), 0);
  o.horizon_hi = -1;
  o.response_start = 3;
  EXPECT_EQ(fai_count(0, 4, o), 1);  // only response rows count
  const std::vector<float> sums = {1.8f, 1.0f, 0.8f, 0.4f};
  const std::vector<double> c = sink_scores(sums.data(), 4);
  EXPECT_NEAR(c[0], 0.45, 1e-7);
  EXPECT_NEAR(c[3], 0.4, 1e-7);
}

TEST(TokenRhythmMaths, MiddleThirdLayers) {
  EXPECT_EQ(middle_third_layers(36), (std::vector<std::int64_t>{12, 15, 18, 21, 24}));
  // ⌊5/3⌋ = 1 .. ⌊10/3⌋ = 3: 1, 1.5, 2, 2.5, 3 rounded half to even, duplicates removed.
  EXPECT_EQ(middle_third_layers(5), (std::vector<std::int64_t>{1, 2, 3}));
}

TokenRhythm small_rhythm() {
  // One layer, two heads, T = 7, response rows 1..6; head 0 local (d = 1), head 1 global (d = 5).
  TokenRhythm r;
  r.options.response_start = 1;
  r.num_layers = 1;
  r.num_heads = 2;
  r.num_tokens = 7;
  r.head_distance = {1.0, 5.0};
  r.waad = {kNaNf, 1, 3, 2, 2, 5, 1,  // head 0
            kNaNf, 9, 9, 9, 9, 9, 9};
  r.fai = {0.9f, 0.9f, 0.9f, 0.9f, 0.9f, 0.9f, kNaNf,  // head 0
           0.7f, 0.1f, 0.5f, 0.2f, 0.6f, 0.3f, kNaNf};
  r.key_attention.assign(14, 1.0f);
  r.token_entropy = {kNaNf, 1, 4, 1, 1, 6, 1};
  return r;
}

TEST(TokenRhythmMaths, HeadClassesAndTies) {
  TokenRhythm r = small_rhythm();
  HeadClassOptions o;
  o.quantile = 0.5;
  HeadClasses c = classify_heads(r, o);
  EXPECT_EQ(c.local, (std::vector<HeadRef>{{0, 0}}));
  EXPECT_EQ(c.global, (std::vector<HeadRef>{{0, 1}}));
  // All heads tied in d: (layer, head) order decides, local from the front, global from the back.
  r.num_heads = 4;
  r.head_distance = {2, 2, 2, 2};
  c = classify_heads(r, o);
  EXPECT_EQ(c.local, (std::vector<HeadRef>{{0, 0}, {0, 1}}));
  EXPECT_EQ(c.global, (std::vector<HeadRef>{{0, 3}, {0, 2}}));
  o.quantile = 0.1;  // ⌊0.4⌋ = 0 -> at least one head per side
  EXPECT_EQ(classify_heads(r, o).local.size(), 1u);
  o.layers = {1};
  testing::expect_error<InputError>([&] { (void)(classify_heads(r, o)); });
}

TEST(TokenRhythmMaths, TokenRolesByHand) {
  const TokenRhythm r = small_rhythm();
  TokenRoleOptions o;
  o.classes.quantile = 0.5;
  o.receivers = {{0, 1}};
  const TokenRoles roles = token_roles(r, o);
  ASSERT_EQ(roles.waad.size(), 6u);
  EXPECT_EQ(roles.waad, (std::vector<double>{1, 3, 2, 2, 5, 1}));
  // Δ_t = |WAAD_t − WAAD_{t+1}|, the last one undefined.
  for (std::size_t i = 0; i < 5; ++i)
    EXPECT_DOUBLE_EQ(roles.delta[i], (std::vector<double>{2, 1, 0, 3, 4})[i]);
  EXPECT_TRUE(std::isnan(roles.delta[5]));
  // TopQ(Δ, 0.4): threshold quantile([0..4], 0.6) = 2.4.
  EXPECT_EQ(roles.preplan, (std::vector<bool>{false, false, false, true, true, false}));
  // TopQ(FAI, 0.4) over {0.1, 0.5, 0.2, 0.6, 0.3}: threshold 0.38.
  EXPECT_EQ(roles.anchor, (std::vector<bool>{false, true, false, true, false, false}));
  EXPECT_DOUBLE_EQ(roles.tau_waad, 2.0);
  EXPECT_DOUBLE_EQ(roles.tau_delta, 2.0);
  // Anchor r = 3 has WAAD 2 ≤ 2 and max Δ over r 0..2 = 2 (at r 0) ≥ 2: dominated, intro 0.
  EXPECT_EQ(roles.dominated, (std::vector<bool>{false, false, false, true, false, false}));
  EXPECT_EQ(roles.intro, (std::vector<bool>{true, false, false, false, false, false}));
  EXPECT_EQ(roles.intro_of[3], 1);  // position = response start + 0
  EXPECT_EQ(roles.gamma_local, (std::vector<double>{1, 1, 1, 1.5, 1.5, 1}));
  EXPECT_EQ(roles.gamma_global, (std::vector<double>{1, 1.5, 1, 1.5, 1, 1}));
  EXPECT_EQ(roles.gamma_coupled, (std::vector<double>{1.25, 1.5, 1, 1.25, 1, 1}));
  // Coupling: WAAD peaks r 1, 4; FAI peaks r 1, 3 -> one of two at/after a WAAD peak.
  EXPECT_DOUBLE_EQ(roles.entropy_at_waad_peaks, 5.0);
  EXPECT_DOUBLE_EQ(roles.entropy_mean, 14.0 / 6.0);
  EXPECT_DOUBLE_EQ(roles.fai_peaks_near_waad_peaks, 0.5);
  EXPECT_GE(roles.shuffled_baseline, 0.0);
  EXPECT_LE(roles.shuffled_baseline, 1.0);
  EXPECT_EQ(token_roles(r, o).shuffled_baseline, roles.shuffled_baseline);  // fixed seed
  EXPECT_DOUBLE_EQ(roles.receiver_peaks_on_global_peaks, 1.0);
  TokenRoleOptions bad = o;
  bad.alpha = 2;
  testing::expect_error<InputError>([&] { (void)(token_roles(r, bad)); });
}

TEST(TokenRhythmMaths, SingleTokenResponse) {
  TokenRhythm r = small_rhythm();
  r.options.response_start = 6;
  TokenRoleOptions o;
  o.classes.quantile = 0.5;
  const TokenRoles roles = token_roles(r, o);
  ASSERT_EQ(roles.waad.size(), 1u);
  EXPECT_TRUE(std::isnan(roles.delta[0]));
  EXPECT_FALSE(roles.preplan[0]);
  EXPECT_FALSE(roles.anchor[0]);  // FAI is NaN
  EXPECT_EQ(roles.gamma_coupled[0], 1.0);
  EXPECT_TRUE(std::isnan(roles.fai_peaks_near_waad_peaks));
}

TEST(Sinks, ClassificationAndSummary) {
  EXPECT_EQ(classify_sink(0, "word"), SinkKind::kFirstToken);
  EXPECT_EQ(classify_sink(3, " ,"), SinkKind::kPunctuation);
  EXPECT_EQ(classify_sink(3, "\n\n"), SinkKind::kPunctuation);
  EXPECT_EQ(classify_sink(3, " the"), SinkKind::kHidden);
  EXPECT_EQ(classify_sink(3, ""), SinkKind::kHidden);
  // T = 4, one head: c = [0.45, 1/3, 0.4, 0.4] with τ = 0.35 -> sinks 0, 2, 3.
  const std::vector<float> sums = {1.8f, 1.0f, 0.8f, 0.4f};
  SinkOptions o;
  o.threshold = 0.35;
  o.min_rows = 1;  // ACT's formula: every key
  const SinkReport report = find_sinks(sums, 1, 1, {"", "a", ".", " b"}, o);
  ASSERT_EQ(report.sinks.size(), 3u);
  EXPECT_EQ(report.heads[0].first_token, 1);
  EXPECT_EQ(report.heads[0].punctuation, 1);
  EXPECT_EQ(report.heads[0].hidden, 1);
  EXPECT_NEAR(report.heads[0].mass_share, 3.0 / 4.0, 1e-7);
  EXPECT_EQ(report.hidden_per_layer, (std::vector<std::int64_t>{1}));
  testing::expect_error<InputError>([&] {
    (void)(find_sinks(sums, 1, 2, {"", "a", ".", " b"}, o));
  });
}

TEST(Sinks, KeysSeenByTooFewQueryRowsAreNeverSinks) {
  // T = 20, one head. Key 0 takes 10 of the 20 rows' mass (c = 0.5); key 10 takes 1.5 from its
  // 10 rows (c = 0.15); key 19 takes 0.9 from its single row (c = 0.9), as the last token does
  // under a previous-token or self-attending head.
  std::vector<float> sums(20, 0.05f);
  sums[0] = 10.0f;
  sums[10] = 1.5f;
  sums[19] = 0.9f;
  const std::vector<std::string> texts(20, " w");
  auto positions = [&](std::int64_t min_rows) {
    SinkOptions o;
    o.min_rows = min_rows;
    std::vector<std::int64_t> found;
    for (const Sink& sink : find_sinks(sums, 1, 1, texts, o).sinks) found.push_back(sink.position);
    return found;
  };
  EXPECT_EQ(positions(1), (std::vector<std::int64_t>{0, 10, 19}));  // ACT's c_j > τ
  EXPECT_EQ(positions(2), (std::vector<std::int64_t>{0, 10}));
  EXPECT_EQ(positions(10), (std::vector<std::int64_t>{0, 10}));  // key 10 has 10 rows
  EXPECT_EQ(positions(11), (std::vector<std::int64_t>{0}));
  EXPECT_EQ(SinkOptions{}.min_rows, 16);
  EXPECT_EQ(positions(SinkOptions{}.min_rows), (std::vector<std::int64_t>{0}));
  // The mass share still counts every key: only the candidates change.
  SinkOptions o;
  const SinkReport report = find_sinks(sums, 1, 1, texts, o);
  const double total = 10.0 + 1.5 + 0.9 + 17 * 0.05;
  EXPECT_NEAR(report.heads[0].mass_share, 10.0 / total, 1e-6);
  o.min_rows = 0;
  testing::expect_error<InputError>([&] { (void)(find_sinks(sums, 1, 1, texts, o)); });
}

}  // namespace
}  // namespace sentlens
