// The analyze workflow in process (workflow/analyze.h), on the bundled stories260K model: the one
// pass equals the file it writes read back and analysed again, the one-load path for many texts,
// and the capture-only run that `sentlens trace` makes.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "sentlens/text/sentence_spans.h"
#include "sentlens/trace/trace.h"
#include "sentlens/trace/trace_analysis.h"
#include "sentlens/workflow/analyze.h"
#include "test_support.h"

namespace sentlens {
namespace {

using testing::shared_dir;
using testing::TempDir;

constexpr const char* kText =
    "Q: Tell me a story. A: Once upon a time there was a little cat. The cat liked to play with a "
    "red ball. One day the ball rolled into the garden. The cat ran after it and found a friend. "
    "They played all day and were very happy.";

AnalyzeJob story_job(const TempDir& dir) {
  AnalyzeJob job;
  job.model.dir = shared_dir() / "models/stories260K";
  job.model.threads = 1;
  job.text = kText;
  job.response_marker = "A: ";
  job.analysis.receivers.proximity_ignore = 1;
  job.analysis.receivers.top_k = 3;
  job.suppress = true;
  job.out = dir / "story.trace.safetensors";
  job.report = dir / "story.html";
  return job;
}

TEST(AnalyzeWorkflow, OnePassEqualsTheFileItWritesAnalysedAgain) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  TempDir dir;
  AnalyzeJob job = story_job(dir);
  std::vector<std::string> progress;
  job.on_progress = [&](const std::string& line) { progress.push_back(line); };
  const AnalyzeResult result = run_analyze_job(job);

  // The response starts right after the marker; the prompt belongs to no sentence.
  const Trace& trace = result.trace;
  const std::int64_t response_start = find_response_start(kText, "A: ");
  ASSERT_GE(trace.num_sentences(), 4);
  EXPECT_EQ(trace.sentences.front().char_start, response_start);
  EXPECT_EQ(trace.parameters.response_char_start, response_start);
  EXPECT_EQ(trace.token_sentence.front(), -1);
  const auto S = static_cast<std::size_t>(trace.num_sentences());
  EXPECT_EQ(trace.sentence_attention.size(),
            static_cast<std::size_t>(trace.num_layers * trace.num_heads) * S * S);
  EXPECT_EQ(trace.suppression_kl.size(), S * S);
  EXPECT_FALSE(trace.rhythm.empty());
  EXPECT_FALSE(progress.empty());

  // The one pass found receiver heads, broadcasting sentences, token roles and sinks.
  ASSERT_TRUE(result.analysis.receivers.has_value());
  EXPECT_EQ(result.analysis.receivers->receiver_heads.size(), 3u);
  EXPECT_FALSE(result.analysis.broadcasting.empty());
  EXPECT_TRUE(result.analysis.roles.has_value());
  EXPECT_TRUE(result.analysis.sinks.has_value());

  // The trace file holds the same numbers and the options the analysis used, so analysing it
  // again without the model (as `report`, `receivers` and `export-ta` do) gives the same answer.
  const Trace read_back = read_trace(job.out);
  EXPECT_EQ(read_back.text, trace.text);
  EXPECT_EQ(read_back.num_tokens(), trace.num_tokens());
  EXPECT_EQ(read_back.sentence_attention, trace.sentence_attention);
  EXPECT_EQ(read_back.suppression_kl, trace.suppression_kl);
  ASSERT_TRUE(read_back.analysis.has_value());
  const TraceAnalysis again = analyze_trace(read_back, *read_back.analysis);
  ASSERT_TRUE(again.receivers.has_value());
  EXPECT_EQ(again.receivers->receiver_heads, result.analysis.receivers->receiver_heads);
  EXPECT_EQ(again.receivers->kurtosis_mean, result.analysis.receivers->kurtosis_mean);
  EXPECT_EQ(again.broadcasting, result.analysis.broadcasting);
  EXPECT_EQ(again.warnings, result.analysis.warnings);

  // The report is the file it says it wrote.
  ASSERT_TRUE(std::filesystem::exists(job.report));
  EXPECT_GT(result.report_bytes, 0u);
  EXPECT_EQ(std::filesystem::file_size(job.report), result.report_bytes);
  EXPECT_EQ(testing::read_text_file(job.report).rfind("<!DOCTYPE html>", 0), 0u);
}

TEST(AnalyzeWorkflow, OneLoadForManyTextsAndTheCaptureOnlyRunGiveTheSameTrace) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  TempDir dir;
  AnalyzeJob job = story_job(dir);
  job.suppress = false;
  job.report.clear();
  const AnalyzeResult loaded_by_the_job = run_analyze_job(job);

  const Model model = job.model.load_model();
  const auto tokenizer = job.model.load_tokenizer();
  AnalyzeJob again = job;
  again.out = dir / "again.trace.safetensors";
  const AnalyzeResult preloaded = analyze_text(model, *tokenizer, again);
  EXPECT_EQ(preloaded.trace.sentence_attention, loaded_by_the_job.trace.sentence_attention);
  EXPECT_EQ(preloaded.seconds.load, 0.0) << "nothing was loaded";

  // `sentlens trace`: the capture without the analyses; the trace is the same.
  AnalyzeJob capture_only = job;
  capture_only.analyses = false;
  capture_only.out = dir / "capture.trace.safetensors";
  const AnalyzeResult captured = run_analyze_job(capture_only);
  EXPECT_EQ(captured.trace.sentence_attention, loaded_by_the_job.trace.sentence_attention);
  EXPECT_FALSE(captured.analysis.receivers.has_value());
  EXPECT_FALSE(read_trace(capture_only.out).analysis.has_value());
}

}  // namespace
}  // namespace sentlens
