// The report's data assembly, its HTML file and the thought-anchors export, on synthetic traces.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

#include <nlohmann/json.hpp>

#include "sentlens/error.h"
#include "sentlens/report/report.h"
#include "sentlens/report/thought_anchors.h"
#include "sentlens/trace/trace.h"
#include "sentlens/trace/trace_analysis.h"
#include "synthetic_trace.h"
#include "test_support.h"

namespace sentlens {
namespace {

using ::sentlens::testing::read_text_file;
using ::sentlens::testing::synthetic_trace;
using ::sentlens::testing::SyntheticTraceSpec;
using ::sentlens::testing::TempDir;

ReportOptions top_k(std::int64_t k) {
  ReportOptions options;
  options.analysis.receivers.top_k = k;
  return options;
}

// The JSON embedded in the page.
nlohmann::json embedded_json(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"sentlens-data\">";
  const auto start = html.find(open);
  EXPECT_NE(start, std::string::npos);
  const auto end = html.find("</script>", start);
  return nlohmann::json::parse(html.substr(start + open.size(), end - start - open.size()));
}

TEST(ReportData, EverySectionOfASmallTrace) {
  const Trace trace = synthetic_trace({});
  const ReportData data = build_report_data(trace, top_k(2), "dir/small.trace.safetensors");
  EXPECT_EQ(data.title, "small.trace.safetensors");
  EXPECT_EQ(data.num_sentences, 12);
  EXPECT_EQ(data.num_layers, 3);
  EXPECT_EQ(data.num_heads, 4);
  ASSERT_EQ(data.sentences.size(), 12u);
  EXPECT_EQ(data.sentences[2].text, "Step 2 <b>checks</b> \"part\" 2 of the plan.");
  EXPECT_EQ(data.sentences[2].token_start, 11);
  EXPECT_EQ(data.sentences[2].token_end, 16);
  EXPECT_EQ(data.kurtosis.size(), 12u);
  // The planted head is the strongest receiver head and its anchor the top broadcasting sentence.
  ASSERT_EQ(data.receivers.size(), 2u);
  EXPECT_EQ(data.receivers[0], (std::pair<std::int64_t, std::int64_t>{1, 2}));
  ASSERT_FALSE(data.broadcasting.empty());
  EXPECT_EQ(data.broadcasting[0], 3);
  // Vertical scores are NaN for the last proximity_ignore sentences.
  EXPECT_TRUE(std::isnan(data.sentences[11].receiver_score));
  EXPECT_TRUE(std::isfinite(data.sentences[0].receiver_score));
  // Mean over the two receiver heads.
  ASSERT_EQ(data.receiver_mean.values.size(), 144u);
  const std::int64_t S = 12;
  const float* a = trace.sentence_attention.data() + (1 * 4 + 2) * S * S;
  const auto& second = data.receivers[1];
  const float* b = trace.sentence_attention.data() + (second.first * 4 + second.second) * S * S;
  EXPECT_NEAR(data.receiver_mean.values[7 * S + 3], (a[7 * S + 3] + b[7 * S + 3]) / 2, 1e-6);
  // Links: earlier sentences read by 7, strongest first; the anchor leads.
  const auto& reads = data.sentences[7].reads;
  ASSERT_EQ(reads.size(), 5u);
  EXPECT_EQ(reads[0].sentence, 3);
  for (std::size_t n = 0; n < reads.size(); ++n) {
    EXPECT_LT(reads[n].sentence, 7);
    if (n > 0) EXPECT_GE(reads[n - 1].value, reads[n].value);
  }
  for (const auto& link : data.sentences[3].read_by) EXPECT_GT(link.sentence, 3);
  EXPECT_TRUE(data.sentences[0].reads.empty());
  EXPECT_TRUE(data.sentences[11].read_by.empty());
  // Small traces embed every head exactly.
  ASSERT_EQ(data.head_matrices.size(), 12u);
  EXPECT_EQ(data.heads_omitted, 0);
  EXPECT_EQ(data.head_matrices[6].encoding, MatrixEncoding::kFloat32);
  EXPECT_EQ(data.head_matrices[6].layer, 1);
  EXPECT_EQ(data.head_matrices[6].head, 2);
  EXPECT_EQ(data.head_matrices[6].values[7 * S + 3], a[7 * S + 3]);
  // Suppression, token strips and sinks.
  EXPECT_EQ(data.suppression.values.size(), 144u);
  EXPECT_EQ(data.suppression_profile, "clean");
  EXPECT_EQ(data.token_points.size(), 60u);  // every response token: T = 61, response from 1
  EXPECT_EQ(data.token_bucket, 1);
  EXPECT_EQ(data.token_points[0].start, 1);
  EXPECT_EQ(data.token_points[0].sentence, 0);
  EXPECT_GT(data.preplan_total, 0);
  EXPECT_GT(data.anchor_total, 0);
  EXPECT_EQ(data.sink_heads.size(), 12u);
  ASSERT_FALSE(data.sinks.empty());
  bool first_token = false;
  for (const ReportSink& sink : data.sinks) first_token |= sink.kind == SinkKind::kFirstToken;
  EXPECT_TRUE(first_token);
  for (std::size_t n = 1; n < data.sinks.size(); ++n)
    EXPECT_GE(data.sinks[n - 1].score, data.sinks[n].score);
}

TEST(ReportData, DownsamplesTokensAndBudgetsHeadMatrices) {
  SyntheticTraceSpec spec;
  spec.sentences = 300;
  spec.tokens_per = 54;  // T = 16,201
  spec.layers = 6;
  spec.heads = 5;
  spec.anchor = 40;
  const Trace trace = synthetic_trace(spec);
  ReportOptions options;
  options.head_matrix_budget_bytes = 1 << 20;  // 11 heads of 90,000 one-byte cells
  const ReportData data = build_report_data(trace, options, "large.safetensors");
  EXPECT_LE(data.token_points.size(), 2000u);
  EXPECT_EQ(data.token_points.size(), 1800u);  // ⌈16,200 / 2000⌉ = 9 tokens per point
  EXPECT_EQ(data.token_bucket, 9);
  std::int64_t covered = 0;
  for (const TokenPoint& p : data.token_points) covered += p.count;
  EXPECT_EQ(covered, 16200);
  ASSERT_EQ(data.head_matrices.size(), 11u);
  EXPECT_EQ(data.heads_omitted, 19);
  // Receiver heads first, then by kurtosis.
  for (std::size_t r = 0; r < data.receivers.size() && r < 11; ++r) {
    EXPECT_EQ(data.head_matrices[r].layer, data.receivers[r].first);
    EXPECT_EQ(data.head_matrices[r].head, data.receivers[r].second);
  }
  // 8-bit log codes decode within the promised relative error.
  const ReportMatrix& m = data.head_matrices[0];
  ASSERT_EQ(m.encoding, MatrixEncoding::kLog8);
  const float* exact = trace.sentence_attention.data() + (m.layer * 5 + m.head) * 300 * 300;
  double worst = 0;
  for (std::int64_t c = 0; c < 300 * 300; ++c) {
    if (exact[c] == 0) {
      EXPECT_EQ(m.codes[static_cast<std::size_t>(c)], 0);
      continue;
    }
    const float back = decode_log8(m.codes[static_cast<std::size_t>(c)], m.log_lo, m.log_hi);
    worst = std::max(worst, std::abs(back / exact[c] - 1.0));
  }
  EXPECT_LT(worst, 0.03);
  bool noted = false;
  for (const auto& note : data.notes) noted |= note.find("19 heads omitted") != std::string::npos;
  EXPECT_TRUE(noted);
  // The page stays small: never T×T, at most the budget of per-head data plus the mean.
  const std::string html = render_html_report(data);
  EXPECT_LT(html.size(), 4u << 20) << html.size();
  const auto json = embedded_json(html);
  EXPECT_EQ(json["S"], 300);
  EXPECT_EQ(json["heads"].size(), 11u);
  EXPECT_EQ(json["tokens"]["start"].size(), data.token_points.size());
}

TEST(ReportData, Log8Codes) {
  EXPECT_EQ(encode_log8(std::nanf(""), -3, 0), 255);
  EXPECT_EQ(encode_log8(0.0f, -3, 0), 0);
  EXPECT_EQ(encode_log8(-1.0f, -3, 0), 0);
  EXPECT_EQ(encode_log8(1.0f, -3, 0), 254);
  EXPECT_EQ(encode_log8(1e-3f, -3, 0), 1);
  EXPECT_EQ(encode_log8(1e-9f, -3, 0), 1);  // below the floor
  EXPECT_TRUE(std::isnan(decode_log8(255, -3, 0)));
  EXPECT_EQ(decode_log8(0, -3, 0), 0.0f);
  EXPECT_NEAR(decode_log8(encode_log8(0.0371f, -3, 0), -3, 0), 0.0371, 0.0371 * 0.014);
}

TEST(ReportData, TooFewSentencesAndNoRhythmStillGiveAReport) {
  SyntheticTraceSpec spec;
  spec.sentences = 3;
  spec.anchor = 1;
  spec.rhythm = false;
  spec.suppression = false;
  const Trace trace = synthetic_trace(spec);
  const ReportData data = build_report_data(trace, {}, "tiny.safetensors");
  EXPECT_TRUE(data.receivers.empty());
  EXPECT_EQ(data.receiver_mean.values.size(), 9u);  // mean over all heads
  EXPECT_TRUE(data.token_points.empty());
  EXPECT_TRUE(data.sink_heads.empty());
  EXPECT_TRUE(data.suppression.empty());
  std::string notes;
  for (const auto& note : data.notes) notes += note + "\n";
  EXPECT_NE(notes.find("receiver heads not computed"), std::string::npos) << notes;
  EXPECT_NE(notes.find("no token rhythm"), std::string::npos) << notes;
  EXPECT_NE(notes.find("suppression matrix: not in the trace"), std::string::npos) << notes;
  const auto json = embedded_json(render_html_report(data));
  EXPECT_TRUE(json["tokens"].is_null());
  EXPECT_TRUE(json["suppression"].is_null());
  EXPECT_EQ(json["sentences"].size(), 3u);
}

TEST(ReportData, GivenReceiverHeads) {
  const Trace trace = synthetic_trace({});
  ReportOptions options;
  options.analysis.receiver_heads = {{0, 1}, {2, 3}};
  options.analysis.receiver_heads_source = "heads.json";
  const ReportData data = build_report_data(trace, options, "t");
  EXPECT_EQ(data.receivers, options.analysis.receiver_heads);
  EXPECT_EQ(data.receiver_heads_source, "heads.json");
  const std::int64_t S = 12;
  const float* a = trace.sentence_attention.data() + 1 * S * S;
  const float* b = trace.sentence_attention.data() + 11 * S * S;
  EXPECT_NEAR(data.receiver_mean.values[5 * S + 2], (a[5 * S + 2] + b[5 * S + 2]) / 2, 1e-6);
  options.analysis.receiver_heads = {{3, 0}};
  EXPECT_THAT(testing::error_of<InputError>([&] { build_report_data(trace, options, "t"); }),
              ::testing::HasSubstr("receiver head 3:0 (heads.json) is outside the trace"));
}

TEST(TraceAnalysis, GivenHeadsReplaceTheWarningsAboutTheTopK) {
  const Trace trace = synthetic_trace({});  // 3 layers x 4 heads
  AnalysisOptions options;
  options.receivers.top_k = 10;
  const TraceAnalysis top_k = analyze_trace(trace, options);
  ASSERT_TRUE(top_k.receivers.has_value());
  auto mentions = [](const std::vector<std::string>& warnings, const std::string& text) {
    for (const auto& warning : warnings)
      if (warning.find(text) != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(mentions(top_k.warnings, "do not single out heads; use a smaller top_k"));
  options.receiver_heads = {{1, 2}, {0, 1}};
  const TraceAnalysis given = analyze_trace(trace, options);
  ASSERT_TRUE(given.receivers.has_value());
  EXPECT_EQ(given.receivers->receiver_heads, options.receiver_heads);
  EXPECT_FALSE(mentions(given.warnings, "top_k")) << "the top-k was not used";
  EXPECT_EQ(given.broadcasting.size(), 5u);
  EXPECT_TRUE(given.roles.has_value());
  EXPECT_TRUE(given.sinks.has_value());
  // The receiver-FAI variant follows the receiver heads unless given.
  EXPECT_FALSE(given.roles->fai_receiver.empty());
}

TEST(ReportData, RejectsBadOptions) {
  const Trace trace = synthetic_trace({});
  ReportOptions options;
  options.analysis.receivers.top_k = -1;
  testing::expect_error<InputError>([&] { (void)(build_report_data(trace, options, "t")); });
  options = {};
  options.max_token_points = 1;
  testing::expect_error<InputError>([&] { (void)(build_report_data(trace, options, "t")); });
}

TEST(HtmlReport, SelfContainedFileWithEscapedData) {
  const Trace trace = synthetic_trace({});
  ReportOptions options = top_k(2);
  options.title = "A <title> & \"quotes\"";
  const ReportData data = build_report_data(trace, options, "t.safetensors");
  TempDir dir;
  const auto path = dir / "r.html";
  const std::uintmax_t size = write_html_report(data, path);
  const std::string html = read_text_file(path);
  EXPECT_EQ(size, html.size());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<title>A &lt;title&gt; &amp; &quot;quotes&quot; · sentlens report</title>"),
            std::string::npos);
  // No external resource of any kind: no links, no src attributes, no imports, no fetches.
  for (const char* forbidden :
       {"<link", " src=", "@import", "url(", "fetch(", "XMLHttpRequest", "https:", "@SENTLENS_"}) {
    EXPECT_EQ(html.find(forbidden), std::string::npos) << forbidden;
  }
  // The data cannot close its script element: sentence text has "<b>" and "</b>".
  const auto open = html.find("id=\"sentlens-data\">");
  const auto close = html.find("</script>", open);
  EXPECT_EQ(html.substr(open, close - open).find('<'), std::string::npos);
  const auto json = embedded_json(html);
  EXPECT_EQ(json["sentences"][2]["text"], "Step 2 <b>checks</b> \"part\" 2 of the plan.");
  EXPECT_EQ(json["receivers"][0], nlohmann::json::array({1, 2}));
  EXPECT_EQ(json["heads"][6]["enc"], "f32");
  EXPECT_EQ(json["kurtosis"].size(), 12u);
  EXPECT_TRUE(json["suppression"]["data"].is_string());
  EXPECT_EQ(json["sink_heads"].size(), 12u);
  EXPECT_EQ(json["sentences"][7]["reads"][0][0], 3);
}

TEST(HtmlReport, InvalidUtf8InTheTextIsReplaced) {
  Trace trace = synthetic_trace({});
  trace.text[2] = static_cast<char>(0xC3);  // a lone lead byte inside sentence 0 and a token
  const std::string html = render_html_report(build_report_data(trace, {}, "t"));
  const auto json = embedded_json(html);
  EXPECT_EQ(json["sentences"][0]["text"].get<std::string>().substr(0, 6), "St\xEF\xBF\xBDp");
}

TEST(HtmlReport, WriteErrorNamesTheFile) {
  const ReportData data = build_report_data(synthetic_trace({}), {}, "t");
  TempDir dir;
  EXPECT_THAT(
      testing::error_of<IoError>([&] { write_html_report(data, dir / "missing" / "r.html"); }),
      ::testing::HasSubstr("missing/r.html"));
}

TEST(ThoughtAnchorsExport, WritesTheThreeFiles) {
  const Trace trace = synthetic_trace({});
  TempDir dir;
  AnalysisOptions options;
  options.receivers.top_k = 2;
  const auto result = export_thought_anchors(trace, options, "t.safetensors", dir / "out" / "p1");
  ASSERT_EQ(result.files.size(), 3u);
  EXPECT_TRUE(result.suppression);
  const auto chunks = nlohmann::json::parse(read_text_file(dir / "out" / "p1" / "chunks.json"));
  EXPECT_EQ(chunks["source_text"], trace.text);
  ASSERT_EQ(chunks["chunks"].size(), 12u);
  EXPECT_EQ(chunks["chunks"][1], "Step 1 <b>checks</b> \"part\" 1 of the plan.");
  const auto supp =
      nlohmann::json::parse(read_text_file(dir / "out" / "p1" / "step_importance_supp.json"));
  ASSERT_EQ(supp.size(), 12u);
  EXPECT_EQ(supp[0]["source_chunk_idx"], 0);
  ASSERT_EQ(supp[0]["target_impacts"].size(), 11u);
  EXPECT_EQ(supp[0]["target_impacts"][0]["target_chunk_idx"], 1);
  EXPECT_TRUE(supp[0]["target_impacts"][0]["importance_score"].is_null());  // the NaN cell
  EXPECT_DOUBLE_EQ(supp[2]["target_impacts"][0]["importance_score"].get<double>(),
                   trace.suppression_kl[3 * 12 + 2]);
  EXPECT_TRUE(supp[11]["target_impacts"].empty());
  const auto summary = nlohmann::json::parse(read_text_file(dir / "out" / "p1" / "summary.json"));
  EXPECT_EQ(summary["num_sentences"], 12);
  EXPECT_EQ(summary["receiver_heads"][0]["layer"], 1);
  EXPECT_EQ(summary["receiver_heads"][0]["head"], 2);
  EXPECT_EQ(summary["broadcasting_sentences"][0], 3);
  EXPECT_EQ(summary["chunks"].size(), 12u);
  EXPECT_TRUE(summary["chunks"][11]["receiver_head_score"].is_null());
  EXPECT_EQ(summary["suppression"]["profile"], "clean");
}

TEST(ThoughtAnchorsExport, WithoutSuppressionAndIntoAFile) {
  SyntheticTraceSpec spec;
  spec.suppression = false;
  const Trace trace = synthetic_trace(spec);
  TempDir dir;
  const auto result = export_thought_anchors(trace, {}, "t", dir.path());
  EXPECT_EQ(result.files.size(), 2u);
  EXPECT_FALSE(result.suppression);
  EXPECT_FALSE(std::filesystem::exists(dir / "step_importance_supp.json"));
  ::sentlens::testing::write_text_file(dir / "file", "x");
  testing::expect_error<IoError>(
      [&] { (void)(export_thought_anchors(trace, {}, "t", dir / "file")); });
}

}  // namespace
}  // namespace sentlens

namespace sentlens {
namespace {

// Writes a small and a large synthetic report (S = 300, T = 16,201, 24 × 14 heads: the size the
// report must stay usable at) to BUILD/report-artifacts for the browser test and for people, and
// keeps the large one within its size and time budget.
TEST(HtmlReport, SyntheticReportsStaySmall) {
  const auto dir = std::filesystem::path(SENTLENS_BINARY_DIR) / "report-artifacts";
  std::filesystem::create_directories(dir);
  const auto small =
      write_html_report(build_report_data(synthetic_trace({}), top_k(2), "synthetic-small"),
                        dir / "synthetic-small.html");
  SyntheticTraceSpec spec;
  spec.sentences = 300;
  spec.tokens_per = 54;
  spec.layers = 24;
  spec.heads = 14;
  spec.anchor = 40;
  spec.anchor_head = {12, 5};
  const Trace trace = synthetic_trace(spec);
  const auto start = std::chrono::steady_clock::now();
  const ReportData data = build_report_data(trace, {}, "synthetic-large");
  const auto large = write_html_report(data, dir / "synthetic-large.html");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "synthetic-small.html: %ju bytes\nsynthetic-large.html: %ju bytes, %.2f s "
      "(S 300, T %lld, 24 x 14 heads, %zu head matrices embedded)\n",
      small, large, seconds, static_cast<long long>(trace.num_tokens()), data.head_matrices.size());
  EXPECT_LT(large, 12u << 20);
  // For timing `sentlens report` on it (≈ 190 MB): SENTLENS_WRITE_LARGE_TRACE=1.
  const char* write_large = std::getenv("SENTLENS_WRITE_LARGE_TRACE");
  if (write_large != nullptr && std::string(write_large) == "1") {
    write_trace(trace, dir / "synthetic-large.trace.safetensors");
  }
  EXPECT_EQ(data.receivers[0], (std::pair<std::int64_t, std::int64_t>{12, 5}));
}

}  // namespace
}  // namespace sentlens
