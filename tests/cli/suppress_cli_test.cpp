// End-to-end tests of `sentlens suppress`.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "sentlens/io/safetensors.h"

namespace sentlens {
namespace {

using testing::quoted;
using testing::run_cli;
using testing::shared_dir;

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

const char* kCase = "golden/thought-anchors/toy_qwen2_suppress";

// --model, --ids and --boundaries of the golden suppression case.
std::string golden_input_arguments() {
  const auto input = SafetensorsFile::open(shared_dir() / kCase / "input.safetensors");
  std::string ids, boundaries;
  for (auto id : input->read_i64("input_ids")) ids += (ids.empty() ? "" : ",") + std::to_string(id);
  const auto ranges = input->read_i64("boundaries");
  for (std::size_t i = 0; i < ranges.size(); i += 2) {
    boundaries += fmt::format("{}{}:{}", boundaries.empty() ? "" : ",", ranges[i], ranges[i + 1]);
  }
  return "--model " + quoted((shared_dir() / kCase).string()) + " --ids " + ids + " --boundaries " +
         boundaries;
}

TEST(CliSuppress, ReferenceProfileWritesTheGoldenLayoutAndExport) {
  SENTLENS_REQUIRE_SHARED_FILE(std::string(kCase) + "/oracle_suppress.safetensors");
  testing::TempDir dir;
  auto result = run_cli("suppress " + golden_input_arguments() + " --profile reference --out " +
                        quoted((dir / "kl.safetensors").string()) + " --export-ta " +
                        quoted((dir / "step_importance_supp.json").string()));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_CONTAINS(result.err, "suppressed sentence 12 of 12");  // progress on stderr
  const auto out = SafetensorsFile::open(dir / "kl.safetensors");
  const auto golden = SafetensorsFile::open(shared_dir() / kCase / "oracle_suppress.safetensors");
  EXPECT_EQ(out->info("kl_matrix").dtype, DType::F64);
  EXPECT_EQ(out->info("kl_matrix").shape, golden->info("kl_matrix").shape);
  EXPECT_LT(testing::max_abs_diff(out->read_f64("kl_matrix"), golden->read_f64("kl_matrix")), 3e-3);
  std::ifstream file(dir / "step_importance_supp.json");
  const auto exported = nlohmann::json::parse(file);
  ASSERT_EQ(exported.size(), 12u);
  EXPECT_EQ(exported[3]["source_chunk_idx"], 3);
  EXPECT_EQ(exported[3]["target_impacts"].size(), 8u);  // targets 4..11
}

TEST(CliSuppress, TextInputPrintsJsonWithSentences) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/tokenizer.model");
  auto result = run_cli(
      "suppress --model " + quoted((shared_dir() / "models/stories260K").string()) +
      " --text 'Once upon a time, there was a girl. She saw a big red ball. She was happy.' "
      "--json --quiet");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["num_sentences"], 3);
  EXPECT_EQ(json["sentences"][1], "She saw a big red ball. ");
  EXPECT_EQ(json["kl_matrix"][0][2], std::log(1e-9));  // no effect before the suppressed one
  EXPECT_GT(json["kl_matrix"][2][0].get<double>(), std::log(1e-9));
  EXPECT_TRUE(result.err.empty()) << "--quiet prints no progress: " << result.err;
}

// The reference profile's split drops an unterminated last sentence (the original code's HEAD);
// --split-profile clean keeps it while the masks and KL stay the reference ones.
TEST(CliSuppress, SplitProfileIsChosenApartFromTheKl) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/tokenizer.model");
  const std::string base = "suppress --model " +
                           quoted((shared_dir() / "models/stories260K").string()) +
                           " --text 'Once upon a time, there was a girl. She saw a big red ball. "
                           "She was happy' --json --quiet --profile reference";
  auto reference = run_cli(base);
  ASSERT_EQ(reference.exit_code, 0) << reference.err;
  const auto reference_json = nlohmann::json::parse(reference.out);
  EXPECT_EQ(reference_json["num_sentences"], 2);
  EXPECT_EQ(reference_json["split_profile"], "reference");
  auto mixed = run_cli(base + " --split-profile clean");
  ASSERT_EQ(mixed.exit_code, 0) << mixed.err;
  const auto mixed_json = nlohmann::json::parse(mixed.out);
  EXPECT_EQ(mixed_json["num_sentences"], 3);
  EXPECT_EQ(mixed_json["profile"], "reference");
  EXPECT_EQ(mixed_json["split_profile"], "clean");
  EXPECT_EQ(mixed_json["sentences"][2], "She was happy");
  EXPECT_EQ(run_cli(base + " --split-profile other").exit_code, 2);
  EXPECT_EQ(run_cli("suppress --model " + quoted((shared_dir() / "models/stories260K").string()) +
                    " --ids 1,5,6,7 --boundaries 1:3 --split-profile clean")
                .exit_code,
            2)
      << "--split-profile needs a text to split";
}

TEST(CliSuppress, TraceInputAddsTheMatrixToTheTraceAndChecksTheModel) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/tokenizer.model");
  SENTLENS_REQUIRE_SHARED_FILE("golden/hf/llama_gqa/config.json");
  testing::TempDir dir;
  const std::string stories = quoted((shared_dir() / "models/stories260K").string());
  const std::string trace = quoted((dir / "trace.safetensors").string());
  auto traced = run_cli("trace --model " + stories +
                        " --text 'Once upon a time, there was a girl. She saw a big red ball. "
                        "She was happy.' --out " +
                        trace);
  ASSERT_EQ(traced.exit_code, 0) << traced.err;
  auto result = run_cli("suppress --model " + stories + " --trace " + trace + " --json --quiet");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["num_sentences"], 3);
  const auto file = SafetensorsFile::open(dir / "trace.safetensors");
  ASSERT_TRUE(file->contains("suppression_kl"));
  EXPECT_EQ(file->info("suppression_kl").shape, (std::vector<std::int64_t>{3, 3}));
  EXPECT_EQ(file->read_f64("suppression_kl")[2 * 3 + 0], json["kl_matrix"][2][0].get<double>());
  EXPECT_TRUE(file->contains("sentence_attention")) << "the rest of the trace is kept";

  auto other_model =
      run_cli("suppress --model " + quoted((shared_dir() / "golden/hf/llama_gqa").string()) +
              " --trace " + trace + " --quiet");
  EXPECT_EQ(other_model.exit_code, 3);
  EXPECT_CONTAINS(other_model.err, "the trace was made with a different model");
}

struct BadSuppressCase {
  std::string name;
  std::string arguments;
  int exit_code;
  std::string message;
};

class CliSuppressBadInput : public ::testing::TestWithParam<BadSuppressCase> {};

TEST_P(CliSuppressBadInput, FailsWithAClearMessage) {
  SENTLENS_REQUIRE_SHARED_FILE("models/stories260K/config.json");
  auto result =
      run_cli("suppress --model " + quoted((shared_dir() / "models/stories260K").string()) + " " +
              GetParam().arguments);
  EXPECT_FALSE(result.signaled);
  EXPECT_EQ(result.exit_code, GetParam().exit_code) << result.err;
  EXPECT_CONTAINS(result.err, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CliSuppressBadInput,
    ::testing::Values(
        BadSuppressCase{"OutOfRange", "--ids 1,5,6,7 --boundaries 1:3,3:9", 3,
                        "sentence 1 spans tokens 3:9, outside the 4 tokens of the input"},
        BadSuppressCase{"Overlapping", "--ids 1,5,6,7 --boundaries 1:3,2:4", 3,
                        "sentence 1 (2:4) overlaps or precedes the previous sentence"},
        BadSuppressCase{"EmptyList", "--ids 1,5,6,7 --boundaries ''", 3,
                        "--boundaries: the list is empty"},
        BadSuppressCase{"Unsorted", "--ids 1,5,6,7 --boundaries 4:2", 3, "ends before it starts"},
        BadSuppressCase{"ZeroTemperature", "--ids 1,5,6,7 --boundaries 1:3 --temperature 0", 3,
                        "temperature must be positive, got 0"},
        BadSuppressCase{"BoundariesWithoutIds", "--text 'A b.' --boundaries 1:2", 2,
                        "--boundaries"},
        BadSuppressCase{"BadLayer", "--ids 1,5,6,7 --boundaries 1:3 --layers 7", 3,
                        "layer 7 does not exist (the model has 5)"}),
    [](const ::testing::TestParamInfo<BadSuppressCase>& info) { return info.param.name; });

}  // namespace
}  // namespace sentlens
