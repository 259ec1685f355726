// Trace file v1: round trip, and readers rejecting unknown versions and inconsistent shapes.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>

#include <nlohmann/json.hpp>

#include "sentlens/analysis/token_rhythm.h"
#include "sentlens/error.h"
#include "sentlens/io/safetensors.h"
#include "sentlens/trace/trace.h"
#include "test_support.h"

namespace sentlens {
namespace {

using ::sentlens::testing::TempDir;

Trace small_trace() {
  Trace trace;
  trace.model = "models/tiny";
  trace.config_fingerprint = "abc123";
  trace.tokenizer_fingerprint = "def456";
  trace.text = "Q: <think>Café one. Two here.</think>";
  trace.parameters.split.profile = Profile::kReference;
  trace.parameters.split.reference_keep_tail = true;
  trace.parameters.forward.block_size = 7;
  trace.parameters.forward.allow_longer = true;
  trace.parameters.response_char_start = 4;
  trace.sentences = {Sentence{10, 20, 10, 21}, Sentence{20, 29, 21, 30}};
  trace.tokens = {TraceToken{1, 0, 0, 0, 0}, TraceToken{5, 0, 10, 0, 10},
                  TraceToken{6, 10, 21, 10, 20}, TraceToken{7, 21, 30, 21, 29},
                  TraceToken{8, 30, 38, 29, 37}};
  trace.token_sentence = {-1, -1, 0, 1, -1};
  trace.sentence_tokens = {TokenRange{2, 3}, TokenRange{3, 4}};
  trace.num_layers = 2;
  trace.num_heads = 3;
  for (int i = 0; i < 2 * 3 * 2 * 2; ++i) trace.sentence_attention.push_back(0.01f * i);
  return trace;
}

TEST(TraceFile, RoundTrip) {
  TempDir dir;
  const Trace trace = small_trace();
  write_trace(trace, dir / "t.safetensors");
  const Trace back = read_trace(dir / "t.safetensors");
  EXPECT_EQ(back.model, trace.model);
  EXPECT_EQ(back.config_fingerprint, "abc123");
  EXPECT_EQ(back.tokenizer_fingerprint, "def456");
  EXPECT_FALSE(back.library_version.empty());
  EXPECT_EQ(back.text, trace.text);
  EXPECT_EQ(back.parameters.split.profile, Profile::kReference);
  EXPECT_TRUE(back.parameters.split.reference_keep_tail);
  EXPECT_EQ(back.parameters.forward.block_size, 7);
  EXPECT_TRUE(back.parameters.forward.allow_longer);
  EXPECT_EQ(back.parameters.response_char_start, 4);
  ASSERT_EQ(back.sentences.size(), 2u);
  EXPECT_EQ(back.sentences[1].byte_end, 30);
  EXPECT_EQ(back.sentences[1].char_end, 29);
  ASSERT_EQ(back.tokens.size(), 5u);
  EXPECT_EQ(back.tokens[4].id, 8);
  EXPECT_EQ(back.tokens[4].byte_end, 38);
  EXPECT_EQ(back.token_sentence, trace.token_sentence);
  EXPECT_EQ(back.sentence_tokens[1].start, 3);
  EXPECT_EQ(back.sentence_attention, trace.sentence_attention);
  const SentenceMatrices m = sentence_matrices(back, "t");
  EXPECT_EQ(m.model_fingerprint, "abc123");
  EXPECT_EQ(m.num_sentences, 2);
  // The file is plain safetensors with the documented keys.
  const auto file = SafetensorsFile::open(dir / "t.safetensors");
  EXPECT_EQ(file->metadata().at("sentlens.schema_version"), "1");
  EXPECT_EQ(file->info("sentence_attention").shape, (std::vector<std::int64_t>{2, 3, 2, 2}));
}

TEST(TraceFile, RejectsUnknownVersionsAndInconsistentShapes) {
  TempDir dir;
  const auto path = dir / "t.safetensors";
  const std::string p = path.string();
  write_trace(small_trace(), path);
  const auto good = SafetensorsFile::open(path);
  const std::string meta = good->metadata().at("sentlens.trace");
  const auto ids = good->read_i64("tokens");
  const auto token_sentence = good->read_i64("token_sentence");
  const auto ranges = good->read_i64("sentence_token_ranges");
  const auto attention = good->read_f32("sentence_attention");

  auto rewrite = [&](const std::string& version, std::vector<std::int64_t> attention_shape,
                     std::vector<std::int64_t> sentence_map) {
    SafetensorsWriter writer;
    writer.set_metadata("sentlens.schema_version", version);
    writer.set_metadata("sentlens.trace", meta);
    writer.add_i64("tokens", {5}, ids);
    writer.add_i64("token_sentence", {5}, sentence_map);
    writer.add_i64("sentence_token_ranges", {2, 2}, ranges);
    writer.add_f32("sentence_attention", attention_shape, attention);
    writer.write(path);
  };
  rewrite("2", {2, 3, 2, 2}, token_sentence);
  EXPECT_EQ(testing::error_of<FormatError>([&] { read_trace(path); }),
            p + ": unsupported trace schema version '2' (this sentlens reads version 1)");
  rewrite("1", {3, 2, 2, 2}, token_sentence);
  EXPECT_EQ(testing::error_of<FormatError>([&] { read_trace(path); }),
            p + ": tensor `sentence_attention` has shape [3, 2, 2, 2], expected [2, 3, 2, 2] "
                "from the metadata");
  rewrite("1", {2, 3, 2, 2}, {-1, -1, 0, 2, -1});
  EXPECT_EQ(testing::error_of<FormatError>([&] { read_trace(path); }),
            p + ": token 3 belongs to sentence 2, but there are 2 sentences");

  SafetensorsWriter plain;
  plain.add_i64("tokens", {5}, ids);
  plain.write(path);
  EXPECT_EQ(testing::error_of<FormatError>([&] { read_trace(path); }),
            p + ": not a sentlens trace (no `sentlens.schema_version` in the metadata): it is a "
                "safetensors file without sentlens metadata (e.g. a checkpoint shard); traces "
                "come from `sentlens trace` or `sentlens analyze --out`");

  Trace bad = small_trace();
  bad.sentence_tokens[1] = TokenRange{2, 4};
  EXPECT_EQ(testing::error_of<FormatError>([&] { write_trace(bad, path); }),
            p + ": sentence token ranges: sentences 0 [2, 3) and 1 [2, 4) overlap");
}

// small_trace() with the token rhythm of 2 layers x 3 heads x 5 tokens and the token entropy.
Trace small_rhythm_trace() {
  Trace trace = small_trace();
  TokenRhythm& r = trace.rhythm;
  r.options.response_start = 1;
  r.options.window = 2;
  r.options.horizon_lo = 1;
  r.options.horizon_hi = 3;
  r.num_layers = 2;
  r.num_heads = 3;
  r.num_tokens = 5;
  for (int i = 0; i < 6; ++i) r.head_distance.push_back(0.5 * i);
  for (int i = 0; i < 30; ++i) {
    r.waad.push_back(0.1f * static_cast<float>(i));
    r.fai.push_back(0.2f * static_cast<float>(i));
    r.key_attention.push_back(0.3f * static_cast<float>(i));
  }
  r.token_entropy = {0.f, 1.f, 2.f, 3.f, 4.f};
  trace.parameters.response_token = r.options.response_start;
  trace.parameters.window = r.options.window;
  trace.parameters.horizon_lo = r.options.horizon_lo;
  trace.parameters.horizon_hi = r.options.horizon_hi;
  trace.parameters.token_rhythm = true;
  trace.parameters.token_entropy = true;
  return trace;
}

// Rewrites the trace file at `path` (to `out` when given), keeping its metadata (but for the keys
// of `metadata`) and every tensor except those that `replace` names: a replaced tensor is written
// with the given dtype, shape and values, and one with an empty shape is left out.
struct Replacement {
  DType dtype = DType::F32;
  std::vector<std::int64_t> shape;
  std::vector<double> values;
};
void rewrite_tensors(const std::filesystem::path& path,
                     const std::map<std::string, Replacement>& replace,
                     const std::map<std::string, std::string>& metadata = {},
                     const std::filesystem::path& out = {}) {
  const auto good = SafetensorsFile::open(path);
  SafetensorsWriter writer;
  for (const auto& [key, value] : good->metadata()) writer.set_metadata(key, value);
  for (const auto& [key, value] : metadata) writer.set_metadata(key, value);
  for (const std::string& name : good->names()) {
    const auto it = replace.find(name);
    if (it == replace.end()) {
      const TensorInfo& info = good->info(name);
      if (info.dtype == DType::I64) {
        writer.add_i64(name, info.shape, good->read_i64(name));
      } else if (info.dtype == DType::F64) {
        writer.add_f64(name, info.shape, good->read_f64(name));
      } else {
        writer.add_f32(name, info.shape, good->read_f32(name));
      }
      continue;
    }
    const Replacement& r = it->second;
    if (r.shape.empty()) continue;
    if (r.dtype == DType::I64) {
      writer.add_i64(name, r.shape, std::vector<std::int64_t>(r.values.begin(), r.values.end()));
    } else if (r.dtype == DType::F64) {
      writer.add_f64(name, r.shape, r.values);
    } else {
      writer.add_f32(name, r.shape, std::vector<float>(r.values.begin(), r.values.end()));
    }
  }
  writer.write(out.empty() ? path : out);
}

TEST(TraceFile, TokenRhythmRoundTrips) {
  TempDir dir;
  const Trace trace = small_rhythm_trace();
  write_trace(trace, dir / "t.safetensors");
  const Trace back = read_trace(dir / "t.safetensors");
  EXPECT_EQ(back.rhythm.head_distance, trace.rhythm.head_distance);
  EXPECT_EQ(back.rhythm.waad, trace.rhythm.waad);
  EXPECT_EQ(back.rhythm.fai, trace.rhythm.fai);
  EXPECT_EQ(back.rhythm.key_attention, trace.rhythm.key_attention);
  EXPECT_EQ(back.rhythm.token_entropy, trace.rhythm.token_entropy);
  EXPECT_EQ(back.rhythm.options.horizon_hi, 3);
}

TEST(TraceFile, AnalysisOptionsRoundTripAndAreAbsentForACapturedTrace) {
  TempDir dir;
  Trace trace = small_trace();
  write_trace(trace, dir / "captured.safetensors");
  EXPECT_FALSE(read_trace(dir / "captured.safetensors").analysis.has_value());

  AnalysisOptions options;
  options.receivers.proximity_ignore = 1;
  options.receivers.control_depth = true;
  options.receivers.score_type = ScoreType::kMedian;
  options.receivers.top_k = 7;
  options.receivers.exclude_layers = {0, 1};
  options.receiver_heads = {{1, 2}, {0, 0}};
  options.receiver_heads_source = "heads.safetensors";
  options.broadcasting_count = 9;
  options.roles.classes.quantile = 0.25;
  options.roles.classes.layers = {1};
  options.roles.top_q = 0.3;
  options.roles.k = 4;
  options.roles.alpha = 0.75;
  options.roles.gamma_amp = 2.5;
  options.roles.peak_q = 0.2;
  options.roles.seed = 18446744073709551615ull;  // the largest seed survives JSON
  options.roles.shuffles = 12;
  options.roles.receivers = {{1, 1}};
  options.sinks.threshold = 0.25;
  options.sinks.min_rows = 3;
  trace.analysis = options;
  write_trace(trace, dir / "t.safetensors");
  const Trace back = read_trace(dir / "t.safetensors");
  ASSERT_TRUE(back.analysis.has_value());
  const AnalysisOptions& read = *back.analysis;
  EXPECT_EQ(read.receivers.proximity_ignore, 1);
  EXPECT_TRUE(read.receivers.control_depth);
  EXPECT_EQ(read.receivers.score_type, ScoreType::kMedian);
  EXPECT_EQ(read.receivers.top_k, 7);
  EXPECT_EQ(read.receivers.exclude_layers, (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(read.receiver_heads, options.receiver_heads);
  EXPECT_EQ(read.receiver_heads_source, "heads.safetensors");
  EXPECT_EQ(read.broadcasting_count, 9);
  EXPECT_EQ(read.roles.classes.quantile, 0.25);
  EXPECT_EQ(read.roles.classes.layers, (std::vector<std::int64_t>{1}));
  EXPECT_EQ(read.roles.top_q, 0.3);
  EXPECT_EQ(read.roles.k, 4);
  EXPECT_EQ(read.roles.alpha, 0.75);
  EXPECT_EQ(read.roles.gamma_amp, 2.5);
  EXPECT_EQ(read.roles.peak_q, 0.2);
  EXPECT_EQ(read.roles.seed, options.roles.seed);
  EXPECT_EQ(read.roles.shuffles, 12);
  EXPECT_EQ(read.roles.receivers, options.roles.receivers);
  EXPECT_EQ(read.sinks.threshold, 0.25);
  EXPECT_EQ(read.sinks.min_rows, 3);

  // A mis-typed field is a FormatError naming the file and the field.
  const std::string path = (dir / "bad.safetensors").string();
  std::string meta = SafetensorsFile::open(dir / "t.safetensors")->metadata().at("sentlens.trace");
  const std::string from = "\"min_rows\":3";
  ASSERT_NE(meta.find(from), std::string::npos) << meta;
  meta.replace(meta.find(from), from.size(), "\"min_rows\":\"3\"");
  rewrite_tensors(dir / "t.safetensors", {}, {{"sentlens.trace", meta}}, path);
  EXPECT_EQ(testing::error_of<FormatError>([&] { read_trace(path); }),
            path + ": bad trace metadata: analysis.min_rows must be an integer, found \"3\"");
}

TEST(TraceFile, CorruptedOrMisShapedTokenRhythmIsAFormatErrorNamingFileAndTensor) {
  TempDir dir;
  const auto path = dir / "t.safetensors";
  const std::string p = path.string();
  const auto fresh = [&] { write_trace(small_rhythm_trace(), path); };
  const std::vector<double> thirty(30, 0.25), twenty_four(24, 0.25);

  fresh();
  rewrite_tensors(path, {{"token_waad", {DType::F32, {2, 3, 4}, twenty_four}}});
  EXPECT_EQ(testing::error_of<FormatError>([&] { read_trace(path); }),
            p + ": tensor `token_waad` has shape [2, 3, 4], expected [2, 3, 5] from the metadata");
  fresh();
  rewrite_tensors(path, {{"token_fai", {DType::F32, {3, 2, 5}, thirty}}});
  EXPECT_EQ(testing::error_of<FormatError>([&] { read_trace(path); }),
            p + ": tensor `token_fai` has shape [3, 2, 5], expected [2, 3, 5] from the metadata");
  fresh();
  rewrite_tensors(path, {{"head_distance", {DType::F64, {6}, std::vector<double>(6, 1.0)}}});
  EXPECT_EQ(testing::error_of<FormatError>([&] { read_trace(path); }),
            p + ": tensor `head_distance` has shape [6], expected [2, 3] from the metadata");
  fresh();
  rewrite_tensors(path, {{"key_attention", {}}});
  EXPECT_EQ(testing::error_of<FormatError>([&] { read_trace(path); }),
            p + ": no tensor `key_attention`");
  fresh();
  rewrite_tensors(path, {{"token_entropy", {DType::F32, {4}, {0, 1, 2, 3}}}});
  EXPECT_EQ(testing::error_of<FormatError>([&] { read_trace(path); }),
            p + ": tensor `token_entropy` has shape [4], expected [5] from the metadata");
  // Integers where floats belong: the reader names the file, the tensor and both dtypes.
  fresh();
  rewrite_tensors(path, {{"token_waad", {DType::I64, {2, 3, 5}, thirty}}});
  const std::string wrong_dtype = testing::error_of<FormatError>([&] { read_trace(path); });
  EXPECT_NE(wrong_dtype.find(p + ": tensor \"token_waad\" has dtype I64"), std::string::npos)
      << wrong_dtype;

  // Corrupted bytes: a file cut short loses the end of its data section, which the reader
  // reports for the tensor that no longer fits, before anything is read.
  fresh();
  const auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size - 4);
  const std::string truncated = testing::error_of<FormatError>([&] { read_trace(path); });
  EXPECT_EQ(truncated.rfind(p + ": tensor \"", 0), 0u) << truncated;
  EXPECT_NE(truncated.find("out of range of the"), std::string::npos) << truncated;

  // Token rhythm parameters in the metadata that contradict the tensors.
  fresh();
  std::string meta = SafetensorsFile::open(path)->metadata().at("sentlens.trace");
  const std::string from = "\"response_start\":1";
  const auto at = meta.find(from);
  ASSERT_NE(at, std::string::npos) << meta;
  meta.replace(at, from.size(), "\"response_start\":9");
  rewrite_tensors(path, {}, {{"sentlens.trace", meta}}, dir / "params.safetensors");
  const std::string q = (dir / "params.safetensors").string();
  EXPECT_EQ(testing::error_of<FormatError>([&] { read_trace(dir / "params.safetensors"); }),
            q + ": bad token rhythm parameters (response_start 9, W 2, H 1..3)");

  // A negative prompt length.
  std::string prompt_meta = SafetensorsFile::open(path)->metadata().at("sentlens.trace");
  const std::string prompt_from = "\"response_char_start\":4";
  const auto prompt_at = prompt_meta.find(prompt_from);
  ASSERT_NE(prompt_at, std::string::npos) << prompt_meta;
  prompt_meta.replace(prompt_at, prompt_from.size(), "\"response_char_start\":-3");
  rewrite_tensors(path, {}, {{"sentlens.trace", prompt_meta}}, dir / "prompt.safetensors");
  EXPECT_EQ(testing::error_of<FormatError>([&] { read_trace(dir / "prompt.safetensors"); }),
            (dir / "prompt.safetensors").string() +
                ": bad trace metadata: response_char_start must be >= 0, found -3");
}

// Found by fuzzing: a float where the metadata holds an integer (5.1e+53 in a token span) was
// cast to int64 by nlohmann, undefined behaviour out of range (UBSan). Now a FormatError.
TEST(TraceFile, FloatWhereTheMetadataHoldsAnIntegerIsAFormatError) {
  TempDir dir;
  const auto path = dir / "t.safetensors";
  write_trace(small_trace(), path);
  auto meta = nlohmann::json::parse(SafetensorsFile::open(path)->metadata().at("sentlens.trace"));
  meta["token_byte_spans"][3][1] = 5.1e53;
  rewrite_tensors(path, {}, {{"sentlens.trace", meta.dump()}}, dir / "float.safetensors");
  const std::string p = (dir / "float.safetensors").string();
  EXPECT_EQ(testing::error_of<FormatError>([&] { read_trace(dir / "float.safetensors"); }),
            p + ": bad trace metadata: token_byte_spans[3][1] must be an integer, found 5.1e+53");
  meta = nlohmann::json::parse(SafetensorsFile::open(path)->metadata().at("sentlens.trace"));
  meta["num_layers"] = 2.5;
  rewrite_tensors(path, {}, {{"sentlens.trace", meta.dump()}}, dir / "float.safetensors");
  EXPECT_EQ(testing::error_of<FormatError>([&] { read_trace(dir / "float.safetensors"); }),
            p + ": bad trace metadata: num_layers must be an integer, found 2.5");
}

}  // namespace

// The suppression matrix carries its profile (a Profile, not a string): round trip, a missing or
// stray profile refused on write, an unknown name refused on read.
TEST(TraceFile, SuppressionProfileRoundTripsAndIsCheckedBothWays) {
  TempDir dir;
  const auto path = dir / "t.safetensors";
  const std::string p = path.string();
  Trace trace = small_trace();
  trace.suppression_kl = {0.0, 0.0, 1.5, 0.0};
  trace.suppression_profile = Profile::kReference;
  trace.suppression_temperature = 0.6;
  write_trace(trace, path);
  const Trace back = read_trace(path);
  ASSERT_TRUE(back.suppression_profile.has_value());
  EXPECT_EQ(*back.suppression_profile, Profile::kReference);
  EXPECT_EQ(back.suppression_kl, trace.suppression_kl);

  auto meta = nlohmann::json::parse(SafetensorsFile::open(path)->metadata().at("sentlens.trace"));
  EXPECT_EQ(meta["suppression"]["profile"], "reference");
  meta["suppression"]["profile"] = "exact";
  rewrite_tensors(path, {}, {{"sentlens.trace", meta.dump()}}, dir / "bad.safetensors");
  EXPECT_EQ(testing::error_of<FormatError>([&] { read_trace(dir / "bad.safetensors"); }),
            (dir / "bad.safetensors").string() +
                ": bad trace metadata: suppression.profile: unknown profile 'exact', expected "
                "'clean' or 'reference'");

  Trace no_profile = trace;
  no_profile.suppression_profile.reset();
  EXPECT_EQ(testing::error_of<FormatError>([&] { write_trace(no_profile, path); }),
            p + ": suppression_profile must be set exactly when suppression_kl is");
  Trace no_matrix = small_trace();
  no_matrix.suppression_profile = Profile::kClean;
  EXPECT_EQ(testing::error_of<FormatError>([&] { write_trace(no_matrix, path); }),
            p + ": suppression_profile must be set exactly when suppression_kl is");
}

}  // namespace sentlens
