// `sentlens importance`, `generate` and `resample` end to end: the real binary on the golden
// rollout folders and the bundled demo model.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "test_support.h"

namespace sentlens {
namespace {

using ::sentlens::testing::quoted;
using ::sentlens::testing::read_text_file;
using ::sentlens::testing::run_cli;
using ::sentlens::testing::shared_dir;
using ::sentlens::testing::TempDir;

const char* const kRollouts = "golden/thought-anchors/rollouts_6";

std::string demo_model() {
  return quoted((std::filesystem::path(SENTLENS_SOURCE_DIR) / "models/demo").string());
}

std::string importance_arguments() {
  const auto base = shared_dir() / kRollouts;
  return "importance --rollouts " + quoted(base.string()) + " --forced " +
         quoted((base / "forced_answer").string()) + " --embeddings " +
         quoted((base / "embeddings.json").string());
}

TEST(BlackBoxCli, ImportanceJsonHasTheOriginalsNumbers) {
  SENTLENS_REQUIRE_SHARED_FILE(std::string(kRollouts) + "/oracle_importance.json");
  TempDir dir;
  const auto out = dir / "importance.json";
  const auto result = run_cli(importance_arguments() + " --json --out " + quoted(out.string()));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto got = nlohmann::json::parse(result.out);
  EXPECT_EQ(got, nlohmann::json::parse(read_text_file(out)));
  const auto want =
      nlohmann::json::parse(read_text_file(shared_dir() / kRollouts / "oracle_importance.json"));
  ASSERT_EQ(got["per_chunk"].size(), want["per_chunk"].size());
  for (const auto& [key, metrics] : want["per_chunk"].items()) {
    for (const char* name : {"accuracy", "counterfactual_importance_accuracy",
                             "resampling_importance_accuracy", "forced_importance_accuracy"}) {
      EXPECT_EQ(got["per_chunk"][key][name], metrics[name]) << key << " " << name;
    }
  }
  const auto matrix =
      nlohmann::json::parse(read_text_file(shared_dir() / kRollouts / "oracle_step_matrix.json"));
  EXPECT_EQ(got["step_matrix"], matrix["matrix"]);
  EXPECT_EQ(got["step_matrix_chunk_idx"], matrix["chunk_idx_by_row"]);
  EXPECT_TRUE(got["forced"].get<bool>());
}

TEST(BlackBoxCli, ImportanceTableAndErrors) {
  SENTLENS_REQUIRE_SHARED_FILE(std::string(kRollouts) + "/oracle_importance.json");
  auto result = run_cli(importance_arguments());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("problem_6: 8 sentences with rollouts (and forced answers)"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("most important by counterfactual KL:"), std::string::npos);

  result = run_cli("importance --rollouts /nonexistent --embeddings /nonexistent");
  EXPECT_EQ(result.exit_code, 5) << result.err;
  EXPECT_NE(result.err.find("/nonexistent: not a directory"), std::string::npos) << result.err;

  TempDir dir;
  sentlens::testing::write_text_file(dir / "bad.json", "{\"a\": [1,");
  result = run_cli("importance --rollouts " + quoted((shared_dir() / kRollouts).string()) +
                   " --embeddings " + quoted((dir / "bad.json").string()));
  EXPECT_EQ(result.exit_code, 4) << result.err;
  EXPECT_NE(result.err.find("bad.json"), std::string::npos) << result.err;
  EXPECT_FALSE(result.signaled);
}

const char* const kDemoPrompt =
    "Tom has 3 apples. He buys 5 more. Then he gives away 2. How many apples did Tom have after "
    "buying? <think>";

TEST(BlackBoxCli, GenerateIsSeededAndGreedyAtTemperatureZero) {
  const std::string base = "generate --quiet --model " + demo_model() + " --text " +
                           quoted(kDemoPrompt) + " --max-new-tokens 60 --json";
  const auto first = run_cli(base + " --samples 4 --seed 5");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const auto again = run_cli(base + " --samples 4 --seed 5");
  const auto json = nlohmann::json::parse(first.out);
  EXPECT_EQ(json["samples"], nlohmann::json::parse(again.out)["samples"]);
  ASSERT_EQ(json["samples"].size(), 4u);
  const auto greedy = run_cli(base + " --temperature 0 --samples 2");
  ASSERT_EQ(greedy.exit_code, 0) << greedy.err;
  const auto greedy_json = nlohmann::json::parse(greedy.out);
  EXPECT_EQ(greedy_json["samples"][0], greedy_json["samples"][1]);
  // The demo model solves its own problems: the greedy answer copies the asked step.
  EXPECT_NE(greedy_json["samples"][0]["text"].get<std::string>().find("3 + 5 = 8 is the answer"),
            std::string::npos)
      << greedy_json["samples"][0]["text"];
  EXPECT_EQ(greedy_json["samples"][0]["finish_reason"], "eos");
  const auto stopped = run_cli(base + " --temperature 0 --stop ' = '");
  ASSERT_EQ(stopped.exit_code, 0) << stopped.err;
  const auto stopped_json = nlohmann::json::parse(stopped.out)["samples"][0];
  EXPECT_EQ(stopped_json["finish_reason"], "stop");
  EXPECT_EQ(stopped_json["text"].get<std::string>().find(" = "), std::string::npos);

  const auto bad = run_cli("generate --model " + demo_model() + " --text '' ");
  EXPECT_EQ(bad.exit_code, 3) << bad.err;
  EXPECT_NE(bad.err.find("empty input: give a non-empty --text or a --text-file"),
            std::string::npos)
      << bad.err;
}

TEST(BlackBoxCli, ResampleWritesTheOriginalLayoutAndResumes) {
  TempDir dir;
  const std::string trace =
      quoted((std::filesystem::path(SENTLENS_SOURCE_DIR) / "examples/traces/demo_1.json").string());
  const std::string arguments = "resample --quiet --model " + demo_model() + " --json-trace " +
                                trace +
                                " --rollouts 3 --max-new-tokens 80 --forced --chunks 1,3 "
                                "--gt-answer 12 --json --out-dir " +
                                quoted(dir.path().string());
  auto result = run_cli(arguments);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto summary = nlohmann::json::parse(result.out);
  EXPECT_EQ(summary["rollouts_written"], 12);  // 2 sentences x (3 + 3 forced)
  const auto problem = dir / "problem_0";
  const auto chunks = nlohmann::json::parse(read_text_file(problem / "chunks.json"));
  ASSERT_EQ(chunks["chunks"].size(), 5u);
  EXPECT_EQ(chunks["chunks"][1], "After buying, 6 + 6 = 12.");
  const auto solutions = nlohmann::json::parse(read_text_file(problem / "chunk_1/solutions.json"));
  ASSERT_EQ(solutions.size(), 3u);
  for (const auto& record : solutions) {
    EXPECT_EQ(record["chunk_removed"], "After buying, 6 + 6 = 12.");
    EXPECT_EQ(record["prefix_without_chunk"], "Sam starts with 6 cards.");
    EXPECT_EQ(record["full_cot"].get<std::string>(),
              "Sam has 6 cards. He buys 6 more. Then he loses 3. How many cards did Sam have "
              "after buying? <think> Sam starts with 6 cards." +
                  record["rollout"].get<std::string>());
    for (const char* field : {"chunk_resampled", "answer", "is_correct"}) {
      EXPECT_TRUE(record.contains(field)) << field;
    }
  }
  const auto forced =
      nlohmann::json::parse(read_text_file(dir / "forced_answer/problem_0/chunk_3/solutions.json"));
  ASSERT_EQ(forced.size(), 3u);
  EXPECT_NE(forced[0]["full_cot"].get<std::string>().find(
                "\n</think>\n\nTherefore, the final answers is \\boxed{"),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(problem / "chunk_0"));

  // A second run finds every folder full and writes nothing.
  result = run_cli(arguments);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  summary = nlohmann::json::parse(result.out);
  EXPECT_EQ(summary["rollouts_written"], 0);
  EXPECT_EQ(summary["rollouts_reused"], 12);

  // The folders read back: importance with the demo model's own embeddings (Token Prepending).
  result = run_cli("importance --quiet --json --rollouts " + quoted(problem.string()) +
                   " --forced " + quoted((dir / "forced_answer").string()) + " --model " +
                   demo_model() + " --tp-layers 2");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto importance = nlohmann::json::parse(result.out);
  EXPECT_EQ(importance["per_chunk"].size(), 2u);
  EXPECT_TRUE(importance["per_chunk"].contains("1"));
  EXPECT_TRUE(importance["per_chunk"].contains("3"));
  const auto source = importance["embeddings"].get<std::string>();
  EXPECT_NE(source.find("Token Prepending"), std::string::npos) << source;
  EXPECT_NE(source.find(" centred on "), std::string::npos) << source;
  EXPECT_EQ(importance["per_chunk"]["1"]["rollouts"], 3);
  // --uncentred compares the states as they are, and says so by leaving "centred" out.
  result = run_cli("importance --quiet --json --rollouts " + quoted(problem.string()) +
                   " --model " + demo_model() + " --tp-layers 2 --uncentred");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto uncentred_source = nlohmann::json::parse(result.out)["embeddings"].get<std::string>();
  EXPECT_NE(uncentred_source.find("Token Prepending"), std::string::npos) << uncentred_source;
  EXPECT_EQ(uncentred_source.find("centred"), std::string::npos) << uncentred_source;

  // Into a trace made from the same sentences, then the report and the Thought Anchors export.
  const auto trace_file = dir / "demo.trace.safetensors";
  result =
      run_cli("trace --quiet --model " + demo_model() + " --json-trace " +
              quoted((problem / "chunks.json").string()) + " --out " + quoted(trace_file.string()));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  result = run_cli("importance --quiet --rollouts " + quoted(problem.string()) + " --model " +
                   demo_model() + " --tp-layers 2 --trace " + quoted(trace_file.string()));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("added to"), std::string::npos) << result.out;
  result =
      run_cli("export-ta " + quoted(trace_file.string()) + " " + quoted((dir / "ta").string()));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto summary_json = nlohmann::json::parse(read_text_file(dir / "ta/summary.json"));
  const auto& chunks_json = summary_json["chunks"];
  ASSERT_EQ(chunks_json.size(), 5u);
  EXPECT_TRUE(chunks_json[0]["counterfactual_importance_accuracy"].is_null());  // no rollouts
  EXPECT_TRUE(chunks_json[1]["counterfactual_importance_accuracy"].is_number());
  EXPECT_EQ(chunks_json[1]["counterfactual_importance_accuracy"],
            importance["per_chunk"]["1"]["counterfactual_importance_accuracy"]);
  EXPECT_NE(
      summary_json["rollout_importance"]["embeddings"].get<std::string>().find("Token Prepending"),
      std::string::npos);
  result = run_cli("report " + quoted(trace_file.string()) + " --out " +
                   quoted((dir / "report.html").string()));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(read_text_file(dir / "report.html").find("counterfactual_importance_accuracy"),
            std::string::npos);
  // A trace of other sentences is refused, naming the first that differs.
  const auto other = dir / "other.trace.safetensors";
  result = run_cli("trace --quiet --model " + demo_model() + " --text " + quoted(kDemoPrompt) +
                   "' Tom starts with 3 apples. After buying, 3 + 5 = 8.' --out " +
                   quoted(other.string()));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  result = run_cli("importance --quiet --rollouts " + quoted(problem.string()) + " --model " +
                   demo_model() + " --trace " + quoted(other.string()));
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find("chunks.json"), std::string::npos) << result.err;

  result = run_cli("resample --model " + demo_model() + " --text 'no think tag here' --out-dir " +
                   quoted(dir.path().string()));
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find("<think>"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace sentlens
