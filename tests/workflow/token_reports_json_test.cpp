// tokens_report_json and sinks_report_json: the reports of `tokens --json` and `sinks --json`.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../report/synthetic_trace.h"
#include "sentlens/workflow/token_jobs.h"

namespace sentlens {
namespace {

std::vector<std::string> texts_of(const Trace& trace) {
  std::vector<std::string> texts;
  for (std::size_t t = 0; t < trace.tokens.size(); ++t) texts.push_back("tok" + std::to_string(t));
  texts[1] = "bad \xff byte";  // invalid UTF-8 is replaced, never a crash
  return texts;
}

TEST(TokenReportsJson, TokensReportHoldsOptionsEveryResponseTokenAndTheTopLists) {
  const Trace trace = testing::synthetic_trace({});
  TokensJob job;
  job.options.top_q = 0.3;
  const TokensReport report = tokens_report("t.safetensors", texts_of(trace), trace.rhythm, job);
  const auto json = nlohmann::json::parse(tokens_report_json(report, 3));
  EXPECT_EQ(json["trace"], "t.safetensors");
  EXPECT_EQ(json["parameters"]["q"], 0.3);
  EXPECT_EQ(json["parameters"]["response_start"], report.rhythm_options.response_start);
  EXPECT_EQ(json["parameters"]["layers"].size(), 3u);
  const TokenRoles& roles = report.roles;
  ASSERT_EQ(json["tokens"].size(), roles.waad.size());
  const auto& first = json["tokens"][0];
  EXPECT_EQ(first["position"], roles.response_start);
  ASSERT_EQ(roles.response_start, 1);  // the token whose text is invalid UTF-8
  EXPECT_EQ(first["text"], "bad \uFFFD byte");
  EXPECT_DOUBLE_EQ(first["waad"].get<double>(), roles.waad[0]);
  EXPECT_TRUE(json["tokens"].back()["delta"].is_null());  // Δ of the last token is NaN
  ASSERT_LE(json["top_anchor"].size(), 3u);
  const auto top_anchor = top_anchor_tokens(roles, 3);
  for (std::size_t i = 0; i < top_anchor.size(); ++i) {
    EXPECT_EQ(json["top_anchor"][i], roles.response_start + top_anchor[i]);
  }
}

TEST(TokenReportsJson, SinksReportHoldsHeadsAndSinksWithTheirText) {
  const Trace trace = testing::synthetic_trace({});
  SinkOptions options;
  options.min_rows = 1;
  const SinksReport report = sinks_report("t.safetensors", texts_of(trace), trace.rhythm, options);
  const auto json = nlohmann::json::parse(sinks_report_json(report));
  EXPECT_EQ(json["trace"], "t.safetensors");
  EXPECT_EQ(json["min_rows"], 1);
  EXPECT_EQ(json["heads"].size(), 12u);  // 3 layers x 4 heads
  ASSERT_EQ(json["sinks"].size(), report.sinks.sinks.size());
  ASSERT_FALSE(report.sinks.sinks.empty());  // the synthetic trace plants a sink column
  const Sink& sink = report.sinks.sinks.front();
  EXPECT_EQ(json["sinks"][0]["position"], sink.position);
  EXPECT_EQ(json["sinks"][0]["kind"], sink_kind_name(sink.kind));
  EXPECT_EQ(
      json["sinks"][0]["text"].get<std::string>().rfind(sink.position == 1 ? "bad" : "tok", 0), 0u);
}

}  // namespace
}  // namespace sentlens
