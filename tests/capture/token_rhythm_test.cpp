// Token rhythm accumulators (metrics.md §2.2–2.4, §3.1): hand-checked small maps, streaming vs
// materialised on stories260K (block sizes 1, 7, >= T), linearity over head sets, the trace round
// trip, and ACT calibration properties.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include <torch/torch.h>

#include "sentlens/analysis/sinks.h"
#include "sentlens/capture/act_calibration.h"
#include "sentlens/capture/token_rhythm_observer.h"
#include "sentlens/capture/trace_capture.h"
#include "sentlens/error.h"
#include "sentlens/model/attention_recorder.h"
#include "sentlens/model/model.h"
#include "sentlens/workflow/token_jobs.h"
#include "test_support.h"

namespace sentlens {
namespace {

using ::sentlens::testing::shared_dir;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Feeds [L, H, T, T] attention to the observer in query blocks of `block` rows, as the forward
// does (keys 0 .. last row of the block).
TokenRhythm stream(const torch::Tensor& attention, std::int64_t block,
                   const TokenRhythmOptions& options) {
  const std::int64_t l_count = attention.size(0), h_count = attention.size(1),
                     t_count = attention.size(2);
  TokenRhythmObserver observer(options);
  observer.begin_forward(ForwardShape{l_count, h_count, 1, 0, t_count});
  for (std::int64_t l = 0; l < l_count; ++l) {
    for (std::int64_t q0 = 0; q0 < t_count; q0 += block) {
      const std::int64_t n = std::min(block, t_count - q0);
      const torch::Tensor probs = attention[l].narrow(1, q0, n).narrow(2, 0, q0 + n).contiguous();
      observer.observe(AttentionBlock{l, 0, q0, n, q0 + n, h_count}, probs);
    }
  }
  observer.end_forward();
  return observer.result();
}

// The formulas on a full [T, T] map, in double, by plain loops.
struct Reference {
  double d = 0;
  std::vector<double> waad, fai, colsum;
};
Reference materialise(const torch::Tensor& map, const TokenRhythmOptions& o) {
  const torch::Tensor a = map.to(torch::kFloat64).contiguous();
  const std::int64_t t_count = a.size(0);
  const auto view = a.accessor<double, 2>();
  auto at = [&](std::int64_t t, std::int64_t s) { return view[t][s]; };
  Reference r;
  r.waad.assign(static_cast<std::size_t>(t_count), kNaN);
  r.fai.assign(static_cast<std::size_t>(t_count), kNaN);
  r.colsum.assign(static_cast<std::size_t>(t_count), 0.0);
  for (std::int64_t t = 0; t < t_count; ++t) {
    double dist = 0, waad = 0;
    for (std::int64_t s = 0; s <= t; ++s) {
      dist += at(t, s) * static_cast<double>(t - s);
      waad += at(t, s) * static_cast<double>(std::min(t - s, o.window));
      r.colsum[static_cast<std::size_t>(s)] += at(t, s);
    }
    if (t >= o.response_start) {
      r.d += dist;
      r.waad[static_cast<std::size_t>(t)] = waad;
    }
  }
  r.d /= static_cast<double>(t_count - o.response_start);
  for (std::int64_t s = 0; s < t_count; ++s) {
    double sum = 0;
    std::int64_t count = 0;
    for (std::int64_t t = o.response_start; t < t_count; ++t) {
      const std::int64_t lag = t - s;
      if (lag >= o.horizon_lo && (o.horizon_hi < 0 || lag <= o.horizon_hi)) {
        sum += at(t, s);
        ++count;
      }
    }
    if (count > 0) r.fai[static_cast<std::size_t>(s)] = sum / static_cast<double>(count);
  }
  return r;
}

void expect_near_nan(const std::vector<float>& got, std::size_t offset,
                     const std::vector<double>& want, double tolerance) {
  for (std::size_t i = 0; i < want.size(); ++i) {
    const double g = got[offset + i];
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(g)) << "index " << i << " got " << g;
    } else {
      EXPECT_NEAR(g, want[i], tolerance) << "index " << i;
    }
  }
}

torch::Tensor hand_map() {                       // [1, 1, 4, 4]
  return torch::tensor({1.0f, 0.0f, 0.0f, 0.0f,  //
                        0.5f, 0.5f, 0.0f, 0.0f,  //
                        0.2f, 0.3f, 0.5f, 0.0f,  //
                        0.1f, 0.2f, 0.3f, 0.4f})
      .reshape({1, 1, 4, 4});
}

TEST(TokenRhythmObserver, HandCheckedFourTokens) {
  TokenRhythmOptions o;
  o.response_start = 1;
  o.window = 1;
  o.horizon_lo = 1;
  o.horizon_hi = 2;
  for (std::int64_t block : {1, 2, 3, 4}) {
    const TokenRhythm r = stream(hand_map(), block, o);
    // d: rows 1..3 give 0.5, 0.2·2 + 0.3 = 0.7, 0.1·3 + 0.2·2 + 0.3 = 1.0.
    EXPECT_NEAR(r.head_distance[0], 2.2 / 3.0, 1e-7);
    // WAAD with W = 1: every earlier key counts 1.
    expect_near_nan(r.waad, 0, {kNaN, 0.5, 0.5, 0.6}, 1e-7);
    // FAI: T(0) = {1, 2}, T(1) = {2, 3}, T(2) = {3}, T(3) = {}.
    expect_near_nan(r.fai, 0, {0.35, 0.25, 0.3, kNaN}, 1e-7);
    expect_near_nan(r.key_attention, 0, {1.8, 1.0, 0.8, 0.4}, 1e-7);
    const std::vector<double> c = sink_scores(r.key_attention.data(), 4);
    EXPECT_NEAR(c[0], 0.45, 1e-7);
    EXPECT_NEAR(c[1], 1.0 / 3.0, 1e-7);
    EXPECT_NEAR(c[2], 0.4, 1e-7);
    EXPECT_NEAR(c[3], 0.4, 1e-7);
  }
}

TEST(TokenRhythmObserver, EdgeCases) {
  TokenRhythmOptions o;
  o.window = 1;
  o.horizon_lo = 1;
  o.horizon_hi = 2;
  // Prompt length 0: row 0 is a response row with distance 0.
  o.response_start = 0;
  TokenRhythm r = stream(hand_map(), 3, o);
  EXPECT_NEAR(r.head_distance[0], 2.2 / 4.0, 1e-7);
  expect_near_nan(r.waad, 0, {0.0, 0.5, 0.5, 0.6}, 1e-7);
  expect_near_nan(r.fai, 0, {(0.5 + 0.2) / 2, 0.25, 0.3, kNaN}, 1e-7);
  // Single-token response: only row 3.
  o.response_start = 3;
  r = stream(hand_map(), 2, o);
  EXPECT_NEAR(r.head_distance[0], 1.0, 1e-7);
  expect_near_nan(r.waad, 0, {kNaN, kNaN, kNaN, 0.6}, 1e-7);
  expect_near_nan(r.fai, 0, {kNaN, 0.2, 0.3, kNaN}, 1e-7);
  // Response shorter than the horizon: every T(s) is empty -> NaN (metrics.md §2.4 [ASSUMED]).
  o.response_start = 1;
  o.horizon_lo = 10;
  o.horizon_hi = 100;
  r = stream(hand_map(), 4, o);
  expect_near_nan(r.fai, 0, {kNaN, kNaN, kNaN, kNaN}, 0);
  // Response shorter than the window: the clip never binds, WAAD is the plain distance.
  o.window = 10;
  r = stream(hand_map(), 4, o);
  expect_near_nan(r.waad, 0, {kNaN, 0.5, 0.7, 1.0}, 1e-7);
  // Empty response: d is NaN and the roles refuse.
  o.response_start = 4;
  r = stream(hand_map(), 4, o);
  EXPECT_TRUE(std::isnan(r.head_distance[0]));
  testing::expect_error<InputError>([&] { (void)(token_roles(r, TokenRoleOptions{})); });
  // Bad options and a KV cache are refused.
  TokenRhythmOptions bad;
  bad.horizon_lo = 5;
  bad.horizon_hi = 4;
  testing::expect_error<InputError>([&] { (void)(TokenRhythmObserver{bad}); });
  TokenRhythmObserver observer(TokenRhythmOptions{});
  testing::expect_error<InputError>([&] {
    (void)(observer.begin_forward(ForwardShape{1, 1, 1, 3, 4}));
  });
  testing::expect_error<InputError>([&] { (void)(observer.result()); });
  // Blocks that do not fit what they claim, or the forward, are refused before any is read.
  observer.begin_forward(ForwardShape{2, 1, 1, 0, 4});
  EXPECT_EQ(testing::error_of<InputError>([&] {
              observer.observe(AttentionBlock{0, 0, 0, 2, 2, 1}, torch::full({1, 2, 3}, 0.5f));
            }),
            "token rhythm: probs of shape [1, 2, 3] do not match the block [1, 2, 2]");
  EXPECT_EQ(testing::error_of<InputError>([&] {
              observer.observe(AttentionBlock{2, 0, 0, 2, 2, 1}, torch::full({1, 2, 2}, 0.5f));
            }),
            "token rhythm: the block of sequence 0, layer 2 (1 heads, rows 0..2, 2 keys) does not "
            "fit the forward (1 sequence, 2 layers, 1 heads, 4 positions)");
}

// Full maps of every layer for `ids`.
torch::Tensor record(const Model& model, const std::vector<std::int64_t>& ids) {
  AttentionRecorder recorder;
  ForwardOptions options;
  options.compute_logits = false;
  options.observers = {&recorder};
  model.forward(torch::tensor(ids, torch::kInt64), options);
  return recorder.attentions();  // [L, H, T, T]
}

std::vector<std::int64_t> story_ids(const Tokenizer& tokenizer) {
  return tokenizer
      .encode(
          "Once upon a time, there was a little girl. She liked to play in the park. One day "
          "she saw a big dog! The dog was happy. They played all day long and went home.",
          EncodeOptions{true})
      .ids();
}

TEST(TokenRhythmObserver, StreamingMatchesMaterialisedStories260K) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  const Model model = Model::load(shared_dir() / "models/stories260K");
  const auto tokenizer = load_tokenizer(shared_dir() / "models/stories260K");
  const std::vector<std::int64_t> ids = story_ids(*tokenizer);
  const auto t_count = static_cast<std::int64_t>(ids.size());
  ASSERT_GE(t_count, 30);
  const torch::Tensor maps = record(model, ids);
  const std::int64_t l_count = maps.size(0), h_count = maps.size(1);
  TokenRhythmOptions o;
  o.response_start = 9;
  o.window = 4;
  o.horizon_lo = 2;
  o.horizon_hi = 12;
  for (std::int64_t block : {std::int64_t{1}, std::int64_t{7}, t_count, t_count + 5}) {
    TokenRhythmObserver observer(o);
    ForwardOptions options;
    options.block_size = block;
    options.compute_logits = false;
    options.observers = {&observer};
    model.forward(torch::tensor(ids, torch::kInt64), options);
    const TokenRhythm r = observer.result();
    ASSERT_EQ(r.num_layers, l_count);
    ASSERT_EQ(r.num_heads, h_count);
    for (std::int64_t l = 0; l < l_count; ++l) {
      for (std::int64_t h = 0; h < h_count; ++h) {
        const Reference ref = materialise(maps[l][h], o);
        const auto head = static_cast<std::size_t>(l * h_count + h);
        const std::size_t offset = head * static_cast<std::size_t>(t_count);
        // Block sizes change the forward's float32 summation order slightly.
        EXPECT_NEAR(r.head_distance[head], ref.d, 1e-4);
        expect_near_nan(r.waad, offset, ref.waad, 1e-4);
        expect_near_nan(r.fai, offset, ref.fai, 1e-5);
        expect_near_nan(r.key_attention, offset, ref.colsum, 1e-4);
      }
    }
    // Linearity: the metrics of the mean map over a head set are the means of per-head values.
    const std::vector<HeadRef> heads = {{0, 0}, {1, 2}, {l_count - 1, h_count - 1}};
    torch::Tensor mean_map = torch::zeros({t_count, t_count});
    for (const auto& [l, h] : heads) mean_map += maps[l][h];
    mean_map /= static_cast<double>(heads.size());
    const Reference ref = materialise(mean_map, o);
    const std::vector<double> waad = mean_over_heads(r.waad, h_count, t_count, heads);
    const std::vector<double> fai = mean_over_heads(r.fai, h_count, t_count, heads);
    for (std::int64_t t = 0; t < t_count; ++t) {
      const auto i = static_cast<std::size_t>(t);
      if (std::isnan(ref.waad[i])) {
        EXPECT_TRUE(std::isnan(waad[i]));
      } else {
        EXPECT_NEAR(waad[i], ref.waad[i], 1e-4);
      }
      if (std::isnan(ref.fai[i])) {
        EXPECT_TRUE(std::isnan(fai[i]));
      } else {
        EXPECT_NEAR(fai[i], ref.fai[i], 1e-5);
      }
    }
  }
}

TEST(TokenRhythmTrace, OnePassRoundTripAndOldFiles) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  const Model model = Model::load(shared_dir() / "models/stories260K");
  const auto tokenizer = load_tokenizer(shared_dir() / "models/stories260K");
  const std::string text =
      "Once upon a time, there was a little girl. She liked to play in the park. One day she saw "
      "a big dog! The dog was happy. They played all day.";
  TraceParameters parameters;
  parameters.forward.block_size = 5;
  parameters.horizon_hi = -1;  // response_token unset: the first sentence's first token
  parameters.token_entropy = true;
  const Trace trace = capture_trace(model, *tokenizer, text, parameters);
  ASSERT_FALSE(trace.rhythm.empty());
  EXPECT_EQ(trace.rhythm.options.response_start, trace.sentence_tokens.front().start);
  ASSERT_EQ(trace.rhythm.token_entropy.size(), trace.tokens.size());
  EXPECT_TRUE(std::isnan(trace.rhythm.token_entropy[0]));
  // Entropy of row t − 1 from the logits of a plain forward.
  std::vector<std::int64_t> ids;
  for (const TraceToken& t : trace.tokens) ids.push_back(t.id);
  const torch::Tensor logits = model.forward(torch::tensor(ids, torch::kInt64)).logits;
  const torch::Tensor p = torch::softmax(logits[2].to(torch::kFloat64), -1);
  EXPECT_NEAR(trace.rhythm.token_entropy[3], -(p * p.log()).sum().item<double>(), 1e-4);

  ::sentlens::testing::TempDir dir;
  write_trace(trace, dir / "t.safetensors");
  const Trace back = read_trace(dir / "t.safetensors");
  EXPECT_EQ(back.rhythm.options.response_start, trace.rhythm.options.response_start);
  EXPECT_EQ(back.rhythm.options.horizon_hi, -1);
  EXPECT_EQ(back.rhythm.head_distance, trace.rhythm.head_distance);
  EXPECT_EQ(::sentlens::testing::max_abs_diff(back.rhythm.waad, trace.rhythm.waad), 0.0);
  EXPECT_EQ(::sentlens::testing::max_abs_diff(back.rhythm.fai, trace.rhythm.fai), 0.0);
  EXPECT_EQ(back.rhythm.key_attention, trace.rhythm.key_attention);

  TokensJob tokens_job;
  tokens_job.trace = dir / "t.safetensors";
  const TokensReport tokens = run_tokens_job(tokens_job);
  EXPECT_EQ(tokens.roles.waad.size(),
            trace.tokens.size() - static_cast<std::size_t>(trace.rhythm.options.response_start));
  SinksJob sinks_job;
  sinks_job.trace = tokens_job.trace;
  const SinksReport sinks = run_sinks_job(sinks_job);
  EXPECT_EQ(sinks.sinks.heads.size(), static_cast<std::size_t>(trace.num_layers * trace.num_heads));

  // A trace without the token rhythm (as files from before it) reads, and the jobs refuse it.
  parameters.token_rhythm = false;
  const Trace plain = capture_trace(model, *tokenizer, text, parameters);
  EXPECT_EQ(plain.sentence_attention.size(), trace.sentence_attention.size());
  write_trace(plain, dir / "plain.safetensors");
  EXPECT_TRUE(read_trace(dir / "plain.safetensors").rhythm.empty());
  tokens_job.trace = dir / "plain.safetensors";
  testing::expect_error<InputError>([&] { (void)(run_tokens_job(tokens_job)); });
}

// A crafted causal map of 12 tokens: a first-token sink and a planted mid-sequence sink at 6.
// c_j: key 0 0.483, key 6 exactly 0.5, every other key below 0.1 (largest: key 1, 0.098).
constexpr std::int64_t kPlantedT = 12, kPlanted = 6;
torch::Tensor planted_sink_map() {
  torch::Tensor p = torch::zeros({1, kPlantedT, kPlantedT});
  p[0][0][0] = 1.0;
  for (std::int64_t i = 1; i < kPlantedT; ++i) {
    if (i >= kPlanted) {
      // Rows from the sink on give it 0.5, key 0 0.3, the other keys 0.2 evenly.
      p[0][i][0] = 0.3;
      p[0][i][kPlanted] = 0.5;
      for (std::int64_t j = 1; j <= i; ++j)
        if (j != kPlanted) p[0][i][j] = 0.2 / static_cast<double>(i - 1);
    } else {
      p[0][i][0] = 0.6;
      for (std::int64_t j = 1; j <= i; ++j) p[0][i][j] = 0.4 / static_cast<double>(i);
    }
  }
  return p;
}

TEST(ActCalibration, PlantedHiddenSinkIsCalibratedAndClassified) {
  const torch::Tensor original = planted_sink_map();
  ASSERT_LT((original.sum(-1) - 1).abs().max().item<double>(), 1e-6);
  // Sinks from the column sums: key 6 collects 0.5 from 6 rows -> c_6 = 3 / 6 = 0.5.
  const torch::Tensor sums = original[0].sum(0).contiguous();
  const std::vector<float> key_attention(sums.data_ptr<float>(),
                                         sums.data_ptr<float>() + kPlantedT);
  const std::vector<std::string> texts = {"",   "Once",  " upon", " a", " time", ",",
                                          " a", " girl", ".",     "\n", " She",  " ran"};
  SinkOptions act;
  act.min_rows = 1;  // ACT's formula exactly: every key of this 12-token map
  const SinkReport report = find_sinks(key_attention, 1, 1, texts, act);
  ASSERT_EQ(report.sinks.size(), 2u);
  EXPECT_EQ(report.sinks[0].position, 0);
  EXPECT_EQ(report.sinks[0].kind, SinkKind::kFirstToken);
  EXPECT_EQ(report.sinks[1].position, kPlanted);
  EXPECT_EQ(report.sinks[1].kind, SinkKind::kHidden);
  EXPECT_NEAR(report.sinks[1].score, 0.5, 1e-6);
  EXPECT_EQ(report.heads[0].hidden, 1);
  EXPECT_NEAR(report.heads[0].mass_share, (sums[0].item<double>() + 3.0) / 12.0, 1e-6);
  EXPECT_EQ(classify_sink(4, "."), SinkKind::kPunctuation);
  EXPECT_EQ(classify_sink(5, "\n"), SinkKind::kPunctuation);

  ActOptions options;
  options.heads = {{0, 0}};
  ActCalibrator calibrator(options);
  torch::Tensor probs = original.clone();
  calibrator.edit_probs(AttentionBlock{0, 0, 0, kPlantedT, kPlantedT, 1}, probs);
  ASSERT_EQ(calibrator.sinks().size(), 1u);
  EXPECT_EQ(calibrator.sinks()[0].sinks, (std::vector<std::int64_t>{0, kPlanted}));
  EXPECT_EQ(calibrator.sinks()[0].calibrated, (std::vector<std::int64_t>{kPlanted}));
  EXPECT_LT((probs.sum(-1) - 1).abs().max().item<double>(), 1e-6);  // rows still sum to 1
  for (std::int64_t i = 0; i < kPlantedT; ++i) {
    const double m = original[0][i][kPlanted].item<double>();
    // The calibrated sink keeps exactly β; the first sink is a non-sink key here.
    EXPECT_NEAR(probs[0][i][kPlanted].item<double>(), 0.4 * m, 1e-7);
    // The removed (1 − β)·m goes to the other keys in proportion: one common factor per row.
    const double factor = 1.0 + 0.6 * m / (1.0 - m);
    for (std::int64_t j = 0; j <= i; ++j) {
      if (j == kPlanted) continue;
      EXPECT_NEAR(probs[0][i][j].item<double>(), original[0][i][j].item<double>() * factor, 1e-6);
    }
  }
  // Only the full prefill in one block is accepted.
  torch::Tensor part = original.narrow(1, 0, 3).narrow(2, 0, 3).clone();
  testing::expect_error<InputError>([&] {
    (void)(calibrator.edit_probs(AttentionBlock{0, 0, 0, 3, kPlantedT, 1}, part));
  });
  testing::expect_error<InputError>([&] { (void)(ActCalibrator(ActOptions{0.1, 1.5})); });
}

TEST(ActCalibration, CleanKeepsTheFirstTokensSinkTheReferenceTheEarliestSink) {
  // τ = 0.49: key 0 (c = 0.483) is no sink, only the planted key 6 (c = 0.5) is.
  ActOptions clean;
  clean.threshold = 0.49;
  clean.heads = {{0, 0}};
  ActCalibrator clean_calibrator(clean);
  torch::Tensor probs = planted_sink_map();
  clean_calibrator.edit_probs(AttentionBlock{0, 0, 0, kPlantedT, kPlantedT, 1}, probs);
  EXPECT_EQ(clean_calibrator.sinks()[0].sinks, (std::vector<std::int64_t>{kPlanted}));
  EXPECT_EQ(clean_calibrator.sinks()[0].calibrated, (std::vector<std::int64_t>{kPlanted}));
  EXPECT_NEAR(probs[0][kPlantedT - 1][kPlanted].item<double>(), 0.4 * 0.5, 1e-7);
  ASSERT_EQ(clean_calibrator.sinks()[0].key_scores.size(), static_cast<std::size_t>(kPlantedT));
  EXPECT_NEAR(clean_calibrator.sinks()[0].key_scores[kPlanted], 0.5, 1e-6);

  // [QUIRK] the reference keeps the earliest sink, here the planted one: nothing changes.
  ActOptions reference = clean;
  reference.reference_quirks = true;
  ActCalibrator reference_calibrator(reference);
  probs = planted_sink_map();
  reference_calibrator.edit_probs(AttentionBlock{0, 0, 0, kPlantedT, kPlantedT, 1}, probs);
  EXPECT_TRUE(reference_calibrator.sinks()[0].calibrated.empty());
  EXPECT_TRUE(torch::equal(probs, planted_sink_map()));
}

TEST(ActCalibration, ReferenceQuirksOnBlocksAndAllSinkRows) {
  // With the whole prefill, the reference profile calibrates as the clean one (up to float16).
  ActOptions options;
  options.heads = {{0, 0}};
  ActCalibrator clean(options);
  torch::Tensor clean_probs = planted_sink_map();
  clean.edit_probs(AttentionBlock{0, 0, 0, kPlantedT, kPlantedT, 1}, clean_probs);
  ActCalibrator reference(act_reference_profile(options));
  torch::Tensor reference_probs = planted_sink_map();
  reference.edit_probs(AttentionBlock{0, 0, 0, kPlantedT, kPlantedT, 1}, reference_probs);
  EXPECT_EQ(reference.sinks()[0].calibrated, clean.sinks()[0].calibrated);
  EXPECT_LT((reference_probs - clean_probs).abs().max().item<double>(), 2e-3);
  // Every value went through float16.
  EXPECT_TRUE(torch::equal(reference_probs, reference_probs.to(torch::kHalf).to(torch::kFloat32)));
  EXPECT_FALSE(torch::equal(clean_probs, clean_probs.to(torch::kHalf).to(torch::kFloat32)));

  // A block of rows 6..11 (as with a KV cache): clean refuses it; the reference divides the
  // block's column sums by T − j as if it held every row, leaves the block's first row as it was
  // and sets its [0, 0] to 1, so that row sums to more than 1.
  const torch::Tensor rows = planted_sink_map().narrow(1, kPlanted, kPlantedT - kPlanted);
  const AttentionBlock block{0, 0, kPlanted, kPlantedT - kPlanted, kPlantedT, 1};
  torch::Tensor part = rows.clone();
  testing::expect_error<InputError>([&] { (void)(clean.edit_probs(block, part)); });
  ActOptions quirks = options;
  quirks.reference_quirks = true;
  ActCalibrator blocks(quirks);
  part = rows.clone();
  blocks.edit_probs(block, part);
  // c_0 = 6 · 0.3 / 12, c_6 = 6 · 0.5 / 6: both sinks, key 0 kept.
  EXPECT_NEAR(blocks.sinks()[0].key_scores[0], 0.15, 1e-6);
  EXPECT_NEAR(blocks.sinks()[0].key_scores[kPlanted], 0.5, 1e-6);
  EXPECT_EQ(blocks.sinks()[0].calibrated, (std::vector<std::int64_t>{kPlanted}));
  EXPECT_EQ(part[0][0][0].item<float>(), 1.0f);
  EXPECT_NEAR(part[0][0].sum().item<double>(), 1.7, 1e-6);  // 1 + 0.5 + 0.2
  EXPECT_NEAR(part[0][1][kPlanted].item<double>(), 0.2, 1e-7);
  EXPECT_LT((part[0].narrow(0, 1, 5).sum(-1) - 1).abs().max().item<double>(), 1e-6);

  // Rows with all their mass on calibrated sinks: clean leaves them, the reference gives NaN.
  // T = 3, c = [2.5/3, 0.25, 0]: sinks 0 and 1, both calibrated without keep_first_sink.
  const torch::Tensor all_sinks =
      torch::tensor({1.0f, 0.0f, 0.0f, 1.0f, 0.0f, 0.0f, 0.5f, 0.5f, 0.0f}).reshape({1, 3, 3});
  options.keep_first_sink = false;
  ActCalibrator keep_rows(options);
  torch::Tensor kept = all_sinks.clone();
  keep_rows.edit_probs(AttentionBlock{0, 0, 0, 3, 3, 1}, kept);
  EXPECT_EQ(keep_rows.sinks()[0].calibrated, (std::vector<std::int64_t>{0, 1}));
  EXPECT_TRUE(torch::equal(kept, all_sinks));
  options.reference_quirks = true;
  ActCalibrator nan_rows(options);
  torch::Tensor nans = all_sinks.clone();
  nan_rows.edit_probs(AttentionBlock{0, 0, 0, 3, 3, 1}, nans);
  EXPECT_TRUE(torch::equal(nans[0][0], all_sinks[0][0]));
  EXPECT_TRUE(std::isnan(nans[0][1][2].item<float>()));
  EXPECT_TRUE(std::isnan(nans[0][2][2].item<float>()));
  EXPECT_NEAR(nans[0][2][0].item<double>(), 0.2, 1e-7);  // the sinks themselves keep β
}

TEST(ActCalibration, HeadsWithoutSinksStayBitIdenticalAndPerplexityChanges) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  const Model model = Model::load(shared_dir() / "models/stories260K");
  const auto tokenizer = load_tokenizer(shared_dir() / "models/stories260K");
  const std::vector<std::int64_t> ids = story_ids(*tokenizer);
  const torch::Tensor input = torch::tensor(ids, torch::kInt64);
  ForwardOptions plain;
  plain.block_size = static_cast<std::int64_t>(ids.size());
  const torch::Tensor expected = model.forward(input, plain).logits;
  // Every head edited, at a threshold no column mean reaches (c_j <= 1): the calibrator runs on
  // every head of every layer, finds no sink and must leave each probability bit for bit as it was
  // (clean and reference arithmetic alike; the fp16 rounding touches only the scores it reads).
  ActOptions unreachable;
  unreachable.threshold = 1.5;
  for (std::int64_t l = 0; l < model.config().num_layers; ++l)
    for (std::int64_t h = 0; h < model.config().num_heads; ++h) unreachable.heads.push_back({l, h});
  for (const ActOptions& no_sink_options : {unreachable, act_reference_profile(unreachable)}) {
    ActCalibrator no_sinks(no_sink_options);
    ForwardOptions edited = plain;
    edited.editors = {&no_sinks};
    EXPECT_TRUE(torch::equal(model.forward(input, edited).logits, expected));
    ASSERT_EQ(no_sinks.sinks().size(), unreachable.heads.size());  // it ran on every head
    for (const ActHeadSinks& head : no_sinks.sinks()) {
      EXPECT_TRUE(head.sinks.empty());
      EXPECT_EQ(head.key_scores.size(), ids.size());
    }
  }

  ActOptions options;
  options.threshold = 0.0;  // every key a sink: calibration certainly moves attention mass
  for (std::int64_t l = 0; l < model.config().num_layers; ++l)
    for (std::int64_t h = 0; h < model.config().num_heads; ++h) options.heads.push_back({l, h});
  const CalibrationReport report = calibrate_text(model, ids, options);
  EXPECT_NEAR(report.nll_plain, mean_negative_log_likelihood(expected, ids), 1e-9);
  ASSERT_EQ(report.token_nll_plain.size(), ids.size() - 1);
  ASSERT_EQ(report.token_nll_calibrated.size(), ids.size() - 1);
  // Token 1's NLL by hand from logits row 0.
  const torch::Tensor log_p0 = torch::log_softmax(expected[0].to(torch::kFloat64), -1);
  EXPECT_NEAR(report.token_nll_plain[0], -log_p0[ids[1]].item<double>(), 1e-9);
  EXPECT_EQ(report.ids, ids);
  EXPECT_TRUE(std::isfinite(report.perplexity_calibrated));
  EXPECT_EQ(report.sinks.size(), options.heads.size());
  for (const ActHeadSinks& s : report.sinks) EXPECT_FALSE(s.calibrated.empty());
  EXPECT_GT(std::abs(report.nll_calibrated - report.nll_plain), 1e-4);
  ActOptions outside;
  outside.heads = {{model.config().num_layers, 0}};
  testing::expect_error<InputError>([&] { (void)(calibrate_text(model, ids, outside)); });
}

}  // namespace
}  // namespace sentlens

namespace sentlens {
namespace {

// ACT's c_j are column means over every row of a layer. At 2,048 tokens a 4-head model's blocks
// are capped at 1,024 rows (32 MiB); the editor asks for whole layers, so calibrate works at any
// length, in both profiles, and equals calibrating the layer's full map in one block by hand.
TEST(ActCalibration, LongInputsAreCalibratedOverWholeLayersInBothProfiles) {
  ModelConfig config;
  config.model_type = "llama";
  config.hidden_size = 32;
  config.num_layers = 2;
  config.num_heads = 4;
  config.num_kv_heads = 2;
  config.head_dim = 8;
  config.intermediate_size = 64;
  config.vocab_size = 64;
  config.max_position_embeddings = 4096;
  const Model model = Model::create(config, 11, {}, 0.5);
  constexpr std::int64_t kTokens = 2048;
  const torch::Tensor ids =
      torch::randint(0, 64, {kTokens}, at::detail::createCPUGenerator(5), torch::kInt64);
  const std::vector<std::int64_t> id_list(ids.data_ptr<std::int64_t>(),
                                          ids.data_ptr<std::int64_t>() + kTokens);

  // Layer 1's input does not depend on layer 1's edit: its plain map, calibrated by hand in one
  // block, is what the calibrated forward must hand to observers. (The plain map is computed in
  // one block too, by an editor that only asks for it, so that both see the same softmax sums.)
  struct WholeLayerOne final : AttentionEditor {
    bool edits_layer(std::int64_t layer) const override { return layer == 1; }
    bool needs_whole_layer(std::int64_t layer) const override { return layer == 1; }
    void edit_probs(const AttentionBlock& block, torch::Tensor&) override {
      EXPECT_EQ(block.query_count, block.key_count);  // every row of the layer at once
    }
  } whole_layer;
  AttentionRecorder plain_recorder({1});
  ForwardOptions plain;
  plain.observers = {&plain_recorder};
  plain.editors = {&whole_layer};
  model.forward(ids, plain);
  for (const bool reference : {false, true}) {
    SCOPED_TRACE(reference ? "reference profile" : "clean profile");
    ActOptions options;
    options.heads = {{1, 0}, {1, 3}};
    options.threshold = 0.01;
    if (reference) options = act_reference_profile(options);
    torch::Tensor expected = plain_recorder.attentions()[0].clone();  // [H, T, T]
    ActCalibrator by_hand(options);
    by_hand.edit_probs(AttentionBlock{1, 0, 0, kTokens, kTokens, 4}, expected);

    ActCalibrator calibrator(options);
    AttentionRecorder calibrated_recorder({1});
    ForwardOptions calibrated;  // default block size: 256 rows
    calibrated.editors = {&calibrator};
    calibrated.observers = {&calibrated_recorder};
    model.forward(ids, calibrated);
    ASSERT_EQ(calibrator.sinks().size(), 2u);
    EXPECT_EQ(calibrator.sinks()[0].key_scores.size(), static_cast<std::size_t>(kTokens));
    EXPECT_EQ(calibrator.sinks()[0].sinks, by_hand.sinks()[0].sinks);
    EXPECT_LT((calibrated_recorder.attentions()[0] - expected).abs().max().item<double>(), 1e-6);

    const CalibrationReport report = calibrate_text(model, id_list, options);
    EXPECT_EQ(report.tokens, kTokens);
    EXPECT_TRUE(std::isfinite(report.perplexity_calibrated));
  }
}

}  // namespace
}  // namespace sentlens
