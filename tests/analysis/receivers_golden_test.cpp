// Receiver-head maths against the original Thought Anchors code's outputs (golden/thought-anchors,
// README tolerances: matrices and vertical scores rtol 1e-5 atol 1e-7, kurtosis atol 1e-4,
// receiver heads exact and in order, NaN patterns identical), through the `receivers` job.
#include <gtest/gtest.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "sentlens/io/safetensors.h"
#include "sentlens/workflow/receivers_job.h"
#include "test_support.h"

namespace sentlens {
namespace {

using ::sentlens::testing::read_text_file;
using ::sentlens::testing::shared_dir;
using ::sentlens::testing::TempDir;

struct GoldenCase {
  std::string folder;
  std::string oracle;  // oracle_<setting>
  std::string input;   // attention file in the folder
};

std::ostream& operator<<(std::ostream& out, const GoldenCase& c) {
  return out << c.folder << "/" << c.oracle;
}

// Largest violation of |a - b| <= atol + rtol·|b|, as a multiple of the allowed error (<= 1 is
// within tolerance); infinity when the NaN patterns differ.
double tolerance_ratio(const std::vector<double>& got, const std::vector<double>& want, double rtol,
                       double atol, double* max_abs) {
  if (got.size() != want.size()) return INFINITY;
  double worst = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(got[i]) || std::isnan(want[i])) {
      if (std::isnan(got[i]) != std::isnan(want[i])) return INFINITY;
      continue;
    }
    const double error = std::fabs(got[i] - want[i]);
    *max_abs = std::max(*max_abs, error);
    worst = std::max(worst, error / (atol + rtol * std::fabs(want[i])));
  }
  return worst;
}

class GoldenReceivers : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(GoldenReceivers, ReferenceProfileMatchesOriginalCode) {
  const GoldenCase& c = GetParam();
  const std::string base = "golden/thought-anchors/" + c.folder + "/";
  SENTLENS_REQUIRE_SHARED_FILE(base + c.oracle + ".safetensors");
  const auto json =
      nlohmann::json::parse(read_text_file(shared_dir() / (base + c.oracle + ".json")));
  const auto& params = json["params"];

  ReceiversJob job;
  job.attention_files = {shared_dir() / (base + c.input)};
  job.import.profile = Profile::kReference;
  job.import.strict = true;  // the golden maps are row-stochastic and causal
  job.options.proximity_ignore = params["proximity_ignore"].get<std::int64_t>();
  job.options.control_depth = params["control_depth"].get<bool>();
  job.options.score_type = parse_score_type(params["score_type"].get<std::string>());
  job.options.top_k = params["top_k"].get<std::int64_t>();
  TempDir dir;
  job.out = dir / "out.safetensors";
  const ReceiversReport report = run_receivers_job(job);

  // Compare the file the CLI would write with the oracle, key by key.
  const auto got = SafetensorsFile::open(job.out);
  const auto want = SafetensorsFile::open(shared_dir() / (base + c.oracle + ".safetensors"));
  for (const std::string& key : want->names()) {
    SCOPED_TRACE(key);
    ASSERT_TRUE(got->contains(key));
    EXPECT_EQ(got->info(key).shape, want->info(key).shape);
    EXPECT_EQ(got->info(key).dtype, want->info(key).dtype);
    if (key == "top_k_flat_indices" || key == "receiver_heads") {
      EXPECT_EQ(got->read_i64(key), want->read_i64(key));
      continue;
    }
    const bool kurtosis = key.rfind("kurtosis", 0) == 0;
    double max_abs = 0;
    const double ratio = tolerance_ratio(got->read_f64(key), want->read_f64(key),
                                         kurtosis ? 0.0 : 1e-5, kurtosis ? 1e-4 : 1e-7, &max_abs);
    EXPECT_LE(ratio, 1.0) << "max |error| " << max_abs;
    std::printf("    %-28s max |error| %.3g (%.3g of tolerance)\n", key.c_str(), max_abs, ratio);
  }
  EXPECT_EQ(report.analysis.receiver_heads.size(), json["receiver_heads"].size());
}

INSTANTIATE_TEST_SUITE_P(
    ThoughtAnchors, GoldenReceivers,
    ::testing::Values(GoldenCase{"synth_1", "oracle_default", "input.safetensors"},
                      GoldenCase{"synth_1", "oracle_cd", "input.safetensors"},
                      GoldenCase{"synth_1", "oracle_median_pi2_k5", "input.safetensors"},
                      GoldenCase{"anchor", "oracle_default", "input.safetensors"},
                      GoldenCase{"anchor", "oracle_k2", "input.safetensors"},
                      GoldenCase{"anchor", "oracle_cd_k2", "input.safetensors"},
                      GoldenCase{"anchor", "oracle_median_pi2_k5", "input.safetensors"},
                      GoldenCase{"toy_qwen2_suppress", "oracle_metrics_default_k5",
                                 "attn.safetensors"}));

TEST(GoldenReceivers, PlantedAnchorIsFound) {
  const std::string input = "golden/thought-anchors/anchor/input.safetensors";
  SENTLENS_REQUIRE_SHARED_FILE(input);
  ReceiversJob job;
  job.attention_files = {shared_dir() / input};
  job.import.profile = Profile::kReference;
  job.options.top_k = 2;
  const ReceiversReport report = run_receivers_job(job);
  using Heads = std::vector<std::pair<std::int64_t, std::int64_t>>;
  EXPECT_EQ(report.analysis.receiver_heads, (Heads{{2, 1}, {3, 4}}));
  ASSERT_FALSE(report.broadcasting[0].empty());
  EXPECT_EQ(report.broadcasting[0][0], 4);  // the planted anchor sentence
}

}  // namespace
}  // namespace sentlens
