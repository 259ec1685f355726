// receivers_report_json: what `receivers --json` prints, and read_receiver_heads_file reads back.
#include <gtest/gtest.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "sentlens/workflow/receivers_job.h"
#include "test_support.h"

namespace sentlens {
namespace {

TEST(ReceiversReportJson, HeadsBestFirstScoresPerTraceAndItReadsBack) {
  ReceiversReport report;
  report.sources = {"a.safetensors", "b.safetensors"};
  ReceiverAnalysis& analysis = report.analysis;
  analysis.num_layers = 2;
  analysis.num_heads = 2;
  analysis.kurtosis_mean = {1.0, std::nan(""), 7.5, 3.0};  // [L, H]
  analysis.top_k_flat_indices = {2, 3};
  analysis.receiver_heads = {{1, 0}, {1, 1}};
  analysis.traces.resize(2);
  analysis.traces[0].receiver_head_scores = {0.5, std::nan("")};
  analysis.traces[1].receiver_head_scores = {0.25};
  report.broadcasting = {{0, 1}, {0}};
  report.warnings = {"top_k covers most heads"};

  const std::string text = receivers_report_json(report);
  const auto json = nlohmann::json::parse(text);
  ASSERT_EQ(json["receiver_heads"].size(), 2u);
  EXPECT_EQ(json["receiver_heads"][0]["layer"], 1);
  EXPECT_EQ(json["receiver_heads"][0]["head"], 0);
  EXPECT_EQ(json["receiver_heads"][0]["kurtosis_mean"], 7.5);
  ASSERT_EQ(json["traces"].size(), 2u);
  EXPECT_EQ(json["traces"][1]["source"], "b.safetensors");
  EXPECT_TRUE(json["traces"][0]["receiver_head_scores"][1].is_null());
  EXPECT_EQ(json["traces"][0]["broadcasting_sentences"], (std::vector<int>{0, 1}));
  EXPECT_EQ(json["warnings"][0], "top_k covers most heads");

  testing::TempDir dir;
  testing::write_text_file(dir / "heads.json", text);
  EXPECT_EQ(read_receiver_heads_file(dir / "heads.json"), analysis.receiver_heads);
}

}  // namespace
}  // namespace sentlens
