// Trace file v1: round trip, and readers rejecting unknown versions and inconsistent shapes.
#include <gtest/gtest.h>

#include <functional>

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
  trace.parameters.profile = Profile::kReference;
  trace.parameters.block_size = 7;
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

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& error) {
    return error.what();
  }
  return "no error";
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
  EXPECT_EQ(back.parameters.profile, Profile::kReference);
  EXPECT_EQ(back.parameters.block_size, 7);
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
  EXPECT_EQ(error_of([&] { read_trace(path); }),
            p + ": unsupported trace schema version '2' (this sentlens reads version 1)");
  rewrite("1", {3, 2, 2, 2}, token_sentence);
  EXPECT_EQ(error_of([&] { read_trace(path); }),
            p + ": tensor `sentence_attention` has shape [3, 2, 2, 2], expected [2, 3, 2, 2] "
                "from the metadata");
  rewrite("1", {2, 3, 2, 2}, {-1, -1, 0, 2, -1});
  EXPECT_EQ(error_of([&] { read_trace(path); }),
            p + ": token 3 belongs to sentence 2, but there are 2 sentences");

  SafetensorsWriter plain;
  plain.add_i64("tokens", {5}, ids);
  plain.write(path);
  EXPECT_EQ(error_of([&] { read_trace(path); }),
            p + ": not a sentlens trace (no `sentlens.schema_version` in the metadata)");

  Trace bad = small_trace();
  bad.sentence_tokens[1] = TokenRange{2, 4};
  EXPECT_EQ(error_of([&] { write_trace(bad, path); }),
            p + ": sentence token ranges: sentences 0 [2, 3) and 1 [2, 4) overlap");
}

}  // namespace
}  // namespace sentlens
