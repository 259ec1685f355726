// Bad rollout folders and embeddings end in errors that name the file and the entry.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sentlens/error.h"
#include "sentlens/workflow/rollout_importance_job.h"
#include "test_support.h"

namespace sentlens {
namespace {

namespace fs = std::filesystem;
using ::sentlens::testing::read_text_file;
using ::sentlens::testing::shared_dir;
using ::sentlens::testing::TempDir;
using ::sentlens::testing::write_text_file;

const char* const kCase = "golden/thought-anchors/rollouts_6";

// A writable copy of the rollouts_6 case.
struct CaseCopy {
  TempDir dir;
  fs::path root() const { return dir.path() / "case"; }
  fs::path problem() const { return root() / "problem_6"; }
  CaseCopy() {
    fs::copy(shared_dir() / kCase, root(), fs::copy_options::recursive);
    for (const auto& entry : fs::recursive_directory_iterator(root())) {
      fs::permissions(entry.path(), fs::perms::owner_write, fs::perm_options::add);
    }
    fs::permissions(root(), fs::perms::owner_write, fs::perm_options::add);
  }
  RolloutImportance run() const {
    RolloutImportanceJob job;
    job.rollouts = root();
    job.forced = root() / "forced_answer";
    job.embeddings = root() / "embeddings.json";
    return run_rollout_importance_job(job);
  }
};

template <typename E>
void expect_error(const CaseCopy& copy, const std::vector<std::string>& fragments) {
  const std::string message = testing::error_of<E>([&] { copy.run(); });
  for (const std::string& fragment : fragments) {
    EXPECT_NE(message.find(fragment), std::string::npos) << message << "\nmissing: " << fragment;
  }
}

TEST(RolloutImportanceErrors, TheUntouchedCopyRuns) {
  SENTLENS_REQUIRE_SHARED_FILE(std::string(kCase) + "/embeddings.json");
  const CaseCopy copy;
  const RolloutImportance result = copy.run();
  EXPECT_EQ(result.per_chunk.size(), 8u);
  EXPECT_TRUE(result.forced);
}

TEST(RolloutImportanceErrors, MissingRequiredFileNamesIt) {
  SENTLENS_REQUIRE_SHARED_FILE(std::string(kCase) + "/embeddings.json");
  const CaseCopy copy;
  fs::remove(copy.problem() / "chunks.json");
  // Without chunks.json the folder is not recognised as a problem at all.
  expect_error<InputError>(copy, {"not a rollout folder"});
  const CaseCopy second;
  fs::remove(second.problem() / "base_solution.json");
  expect_error<IoError>(second, {"problem_6", "missing base_solution.json"});
}

TEST(RolloutImportanceErrors, MalformedSolutionsNameFileAndEntry) {
  SENTLENS_REQUIRE_SHARED_FILE(std::string(kCase) + "/embeddings.json");
  const CaseCopy copy;
  write_text_file(copy.problem() / "chunk_3" / "solutions.json", "[{\"answer\": 1");
  expect_error<FormatError>(copy, {"chunk_3/solutions.json"});

  const CaseCopy second;
  const fs::path file = second.problem() / "chunk_5" / "solutions.json";
  auto json = nlohmann::json::parse(read_text_file(file));
  json[2]["is_correct"] = "yes";
  write_text_file(file, json.dump());
  expect_error<FormatError>(second, {"chunk_5/solutions.json: entry 2", "`is_correct`"});

  const CaseCopy third;
  const fs::path other = third.problem() / "chunk_0" / "solutions.json";
  json = nlohmann::json::parse(read_text_file(other));
  json[0]["answer"] = nullptr;
  write_text_file(other, json.dump());
  expect_error<FormatError>(third, {"chunk_0/solutions.json: entry 0", "`answer`"});

  const CaseCopy fourth;
  write_text_file(fourth.problem() / "chunk_1" / "solutions.json", "{}");
  expect_error<FormatError>(fourth, {"chunk_1/solutions.json", "list of rollouts"});
}

TEST(RolloutImportanceErrors, MissingOrMismatchedEmbeddingsNameTheSentence) {
  SENTLENS_REQUIRE_SHARED_FILE(std::string(kCase) + "/embeddings.json");
  const CaseCopy copy;
  const fs::path file = copy.root() / "embeddings.json";
  auto json = nlohmann::json::parse(read_text_file(file));
  json["embeddings"].erase("Step 3: I work out part 3 of the problem, giving value 10.");
  write_text_file(file, json.dump());
  expect_error<InputError>(copy, {"embeddings.json", "no embedding for",
                                  "Step 3: I work out part 3", "chunk_3/solutions.json entry"});

  const CaseCopy second;
  const fs::path other = second.root() / "embeddings.json";
  json = nlohmann::json::parse(read_text_file(other));
  json["embeddings"].begin().value().push_back(0.5);
  write_text_file(other, json.dump());
  expect_error<FormatError>(second, {"embeddings.json", "has 17 numbers, expected 16"});

  const CaseCopy third;
  write_text_file(third.root() / "embeddings.json", "{\"a\": [1, \"x\"]}");
  expect_error<FormatError>(third, {"embeddings.json", "element 1", "not a number"});
}

TEST(RolloutImportanceErrors, AFolderWithoutSolutionsIsAWarningAndTooFewFoldersAnError) {
  SENTLENS_REQUIRE_SHARED_FILE(std::string(kCase) + "/embeddings.json");
  const CaseCopy copy;
  fs::create_directory(copy.problem() / "chunk_4");
  const RolloutImportance result = copy.run();
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_NE(result.warnings[0].find("chunk_4 has no solutions.json"), std::string::npos);

  const CaseCopy second;
  for (int i : {0, 1, 2, 3, 5, 6, 7, 8})
    fs::remove_all(second.problem() / ("chunk_" + std::to_string(i)));
  expect_error<InputError>(second, {"only 0 of 9 sentences"});

  const CaseCopy third;
  RolloutImportanceJob job;
  job.rollouts = third.root();
  job.embeddings = third.root() / "embeddings.json";
  job.forced = third.root() / "nowhere";
  testing::expect_error<IoError>([&] { (void)(run_rollout_importance_job(job)); });
}

}  // namespace
}  // namespace sentlens
