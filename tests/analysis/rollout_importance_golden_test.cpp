// Black-box importance against the original Thought Anchors code (golden/thought-anchors/
// rollouts_{2,4,6}: analyze_rollouts.analyze_problem and step_attribution's matrix run on
// synthetic rollout folders). README tolerances: KL values 1e-12 relative (the original sums over
// a Python set), everything else exact.
#include <gtest/gtest.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "sentlens/analysis/rollout_importance.h"
#include "sentlens/text/boxed_answers.h"
#include "test_support.h"

namespace sentlens {
namespace {

using ::sentlens::testing::read_text_file;
using ::sentlens::testing::shared_dir;

class RolloutImportanceGolden : public ::testing::TestWithParam<int> {
 protected:
  std::string base() const {
    return "golden/thought-anchors/rollouts_" + std::to_string(GetParam());
  }
  std::filesystem::path problem_dir() const {
    return shared_dir() / base() / ("problem_" + std::to_string(GetParam()));
  }
  std::filesystem::path forced_dir() const {
    return shared_dir() / base() / "forced_answer" / ("problem_" + std::to_string(GetParam()));
  }
  nlohmann::json oracle(const std::string& name) const {
    return nlohmann::json::parse(read_text_file(shared_dir() / base() / name));
  }
  RolloutImportance compute() const {
    const RolloutProblem problem = read_rollout_problem(problem_dir());
    const SentenceEmbeddings embeddings =
        SentenceEmbeddings::read(shared_dir() / base() / "embeddings.json");
    if (std::filesystem::exists(forced_dir())) {
      const auto forced = read_rollout_chunk_folders(forced_dir());
      return compute_rollout_importance(problem, &forced, embeddings);
    }
    return compute_rollout_importance(problem, nullptr, embeddings);
  }
};

void expect_kl_near(double got, double want, const std::string& what) {
  EXPECT_NEAR(got, want, 1e-12 * std::max(1.0, std::fabs(want))) << what;
}

TEST_P(RolloutImportanceGolden, PerChunkMetricsMatchTheOriginal) {
  SENTLENS_REQUIRE_SHARED_FILE(base() + "/oracle_importance.json");
  const nlohmann::json want = oracle("oracle_importance.json");
  const RolloutImportance got = compute();
  ASSERT_EQ(got.per_chunk.size(), want["per_chunk"].size());
  EXPECT_EQ(got.forced, want["params"]["forced"].get<bool>());
  for (const ChunkImportance& chunk : got.per_chunk) {
    const std::string key = std::to_string(chunk.chunk_index);
    SCOPED_TRACE("chunk " + key);
    ASSERT_TRUE(want["per_chunk"].contains(key));
    const nlohmann::json& expected = want["per_chunk"][key];
    ASSERT_TRUE(chunk.accuracy.has_value());
    EXPECT_EQ(*chunk.accuracy, expected["accuracy"].get<double>());
    EXPECT_EQ(chunk.resampling_importance_accuracy,
              expected["resampling_importance_accuracy"].get<double>());
    EXPECT_EQ(chunk.counterfactual_importance_accuracy,
              expected["counterfactual_importance_accuracy"].get<double>());
    EXPECT_EQ(chunk.different_trajectories_fraction,
              expected["different_trajectories_fraction"].get<double>());
    EXPECT_EQ(chunk.overdeterminedness, expected["overdeterminedness"].get<double>());
    expect_kl_near(chunk.resampling_importance_kl, expected["resampling_importance_kl"],
                   "resampling_importance_kl");
    expect_kl_near(chunk.counterfactual_importance_kl, expected["counterfactual_importance_kl"],
                   "counterfactual_importance_kl");
    ASSERT_EQ(chunk.forced_importance_accuracy.has_value(),
              expected.contains("forced_importance_accuracy"));
    if (chunk.forced_importance_accuracy) {
      EXPECT_EQ(*chunk.forced_importance_accuracy,
                expected["forced_importance_accuracy"].get<double>());
      expect_kl_near(*chunk.forced_importance_kl, expected["forced_importance_kl"],
                     "forced_importance_kl");
    }
  }
}

TEST_P(RolloutImportanceGolden, IntermediatesMatchTheOriginal) {
  SENTLENS_REQUIRE_SHARED_FILE(base() + "/oracle_importance.json");
  const nlohmann::json want = oracle("oracle_importance.json");
  const RolloutImportance got = compute();
  ASSERT_EQ(got.chunk_accuracies.size(), want["chunk_accuracies"].size());
  for (const auto& [index, value] : got.chunk_accuracies) {
    EXPECT_EQ(value, want["chunk_accuracies"][std::to_string(index)].get<double>()) << index;
  }
  ASSERT_EQ(got.chunk_answers.size(), want["chunk_answers"].size());
  for (const auto& [index, counts] : got.chunk_answers) {
    const nlohmann::json& expected = want["chunk_answers"][std::to_string(index)];
    ASSERT_EQ(counts.size(), expected.size()) << index;
    for (const auto& [answer, count] : counts) {
      EXPECT_EQ(count, expected[answer].get<std::int64_t>()) << index << " " << answer;
    }
  }
  ASSERT_EQ(got.forced_answer_accuracies.size(), want["forced_answer_accuracies"].size());
  for (const auto& [index, value] : got.forced_answer_accuracies) {
    EXPECT_EQ(value, want["forced_answer_accuracies"][std::to_string(index)].get<double>())
        << index;
  }
}

TEST_P(RolloutImportanceGolden, StepMatrixMatchesTheOriginal) {
  SENTLENS_REQUIRE_SHARED_FILE(base() + "/oracle_step_matrix.json");
  const nlohmann::json want = oracle("oracle_step_matrix.json");
  const StepImportanceMatrix got = compute().step_matrix;
  ASSERT_EQ(got.chunk_index_by_row, want["chunk_idx_by_row"].get<std::vector<std::int64_t>>());
  const auto rows = got.rows();
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t j = 0; j < rows; ++j) {
      EXPECT_EQ(got.at(i, j), want["matrix"][i][j].get<double>()) << i << "," << j;
    }
  }
  const auto near = [](const std::vector<double>& a, const nlohmann::json& b, const char* what) {
    ASSERT_EQ(a.size(), b.size()) << what;
    for (std::size_t i = 0; i < a.size(); ++i) {
      EXPECT_NEAR(a[i], b[i].get<double>(), 1e-15) << what << " " << i;
    }
  };
  near(got.outgoing, want["outgoing_importance"], "outgoing");
  near(got.incoming, want["incoming_importance"], "incoming");
  near(got.combined, want["combined_importance"], "combined");
}

// The original's extract_boxed_answers / normalize_latex / check_answer on every stored rollout.
TEST_P(RolloutImportanceGolden, AnswerExtractionMatchesTheOriginal) {
  SENTLENS_REQUIRE_SHARED_FILE(base() + "/oracle_importance.json");
  const nlohmann::json want = oracle("oracle_importance.json");
  const nlohmann::json problem =
      nlohmann::json::parse(read_text_file(problem_dir() / "problem.json"));
  const std::string ground_truth = problem["gt_answer"];
  std::size_t checked = 0;
  for (const auto& [key, sub] :
       {std::pair<std::string, std::filesystem::path>{"extraction", problem_dir()},
        {"extraction_forced", forced_dir()}}) {
    if (!want.contains(key)) continue;
    for (const auto& [chunk, entries] : want[key].items()) {
      const nlohmann::json records =
          nlohmann::json::parse(read_text_file(sub / ("chunk_" + chunk) / "solutions.json"));
      ASSERT_EQ(records.size(), entries.size());
      for (std::size_t i = 0; i < entries.size(); ++i) {
        SCOPED_TRACE(key + " chunk " + chunk + " entry " + std::to_string(i));
        // Forced answers are extracted from the prompt + continuation.
        const std::string text = records[i][key == "extraction" ? "rollout" : "full_cot"];
        const std::string answer = first_boxed_answer(text);
        EXPECT_EQ(answer, entries[i]["answer"].get<std::string>());
        EXPECT_EQ(normalize_answer(answer), entries[i]["normalized"].get<std::string>());
        EXPECT_EQ(normalize_answer(ground_truth),
                  entries[i]["normalize_latex_gt"].get<std::string>());
        EXPECT_EQ(answers_match(answer, ground_truth), entries[i]["is_correct"].get<bool>());
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 0u);
}

INSTANTIATE_TEST_SUITE_P(Cases, RolloutImportanceGolden, ::testing::Values(2, 4, 6));

}  // namespace
}  // namespace sentlens
