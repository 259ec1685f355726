// trace_analysis_json: the analysis of a trace as `analyze --json` prints it (before timings).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "../report/synthetic_trace.h"
#include "sentlens/trace/trace_analysis.h"

namespace sentlens {
namespace {

TEST(TraceAnalysisJson, HoldsTheTraceShapeSentencesAndEveryAnalysis) {
  Trace trace = testing::synthetic_trace({});
  trace.suppression_kl[1] = std::nan("");  // undefined cells are null
  trace.text[static_cast<std::size_t>(trace.sentences[4].byte_start)] = '\xff';  // replaced
  const TraceAnalysis analysis = analyze_trace(trace, AnalysisOptions{});
  const auto json = nlohmann::json::parse(trace_analysis_json(trace, analysis));

  EXPECT_EQ(json["model"], "synthetic");
  EXPECT_EQ(json["tokens"], trace.num_tokens());
  EXPECT_EQ(json["sentences"], 12);
  EXPECT_EQ(json["layers"], 3);
  EXPECT_EQ(json["heads"], 4);
  ASSERT_EQ(json["sentence_list"].size(), 12u);
  const auto& third = json["sentence_list"][3];
  EXPECT_EQ(third["index"], 3);
  EXPECT_EQ(third["token_start"], trace.sentence_tokens[3].start);
  EXPECT_EQ(third["token_end"], trace.sentence_tokens[3].end);
  EXPECT_EQ(third["text"], std::string(sentence_text(trace.text, trace.sentences[3])));
  EXPECT_NE(json["sentence_list"][4]["text"].get<std::string>().find("\uFFFD"), std::string::npos);
  EXPECT_DOUBLE_EQ(third["receiver_head_score"].get<double>(),
                   analysis.receivers->traces.front().receiver_head_scores[3]);

  ASSERT_EQ(json["receiver_heads"].size(), analysis.receivers->receiver_heads.size());
  EXPECT_EQ(json["receiver_heads"][0]["layer"], analysis.receivers->receiver_heads[0].first);
  EXPECT_EQ(json["receiver_heads"][0]["head"], analysis.receivers->receiver_heads[0].second);
  EXPECT_EQ(json["receiver_heads_from"], "this trace (top-k kurtosis)");
  EXPECT_EQ(json["broadcasting_sentences"].get<std::vector<std::int64_t>>(), analysis.broadcasting);

  ASSERT_TRUE(analysis.roles.has_value());
  EXPECT_EQ(json["response_start"], analysis.roles->response_start);
  const auto& anchor = analysis.roles->anchor;  // every marked anchor, strongest first
  EXPECT_EQ(json["anchor_tokens"].size(),
            static_cast<std::size_t>(std::count(anchor.begin(), anchor.end(), true)));
  ASSERT_TRUE(analysis.sinks.has_value());
  EXPECT_EQ(json["sinks"].size(), analysis.sinks->sinks.size());

  EXPECT_EQ(json["suppression"]["profile"], "clean");
  ASSERT_EQ(json["suppression"]["kl_matrix"].size(), 12u);
  EXPECT_TRUE(json["suppression"]["kl_matrix"][0][1].is_null());
  EXPECT_DOUBLE_EQ(json["suppression"]["kl_matrix"][2][0].get<double>(), trace.suppression_kl[24]);
  EXPECT_EQ(json["warnings"].get<std::vector<std::string>>(), analysis.warnings);
}

TEST(TraceAnalysisJson, AnalysesThatDidNotRunAreAbsent) {
  testing::SyntheticTraceSpec spec;
  spec.rhythm = false;
  spec.suppression = false;
  const Trace trace = testing::synthetic_trace(spec);
  const TraceAnalysis analysis = analyze_trace(trace, AnalysisOptions{});
  const auto json = nlohmann::json::parse(trace_analysis_json(trace, analysis));
  EXPECT_FALSE(json.contains("anchor_tokens"));
  EXPECT_FALSE(json.contains("sinks"));
  EXPECT_FALSE(json.contains("suppression"));
  EXPECT_TRUE(json.contains("receiver_heads"));
  EXPECT_FALSE(json["warnings"].empty());  // the token analyses say why they did not run
}

}  // namespace
}  // namespace sentlens
