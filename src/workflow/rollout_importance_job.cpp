#include "sentlens/workflow/rollout_importance_job.h"

#include "sentlens/error.h"
#include "sentlens/io/atomic_file.h"
#include "util/check.h"
#include "util/log.h"

namespace sentlens {
namespace {

namespace fs = std::filesystem;

bool holds_chunk_folders(const fs::path& directory) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(directory, error)) {
    if (entry.is_directory() && entry.path().filename().string().rfind("chunk_", 0) == 0) {
      return true;
    }
  }
  return false;
}

fs::path find_forced_folder(const fs::path& forced, const std::string& problem_name) {
  std::error_code error;
  SENTLENS_CHECK(fs::is_directory(forced, error), IoError, "{}: not a directory", forced.string());
  if (fs::is_directory(forced / problem_name, error)) return forced / problem_name;
  SENTLENS_CHECK(holds_chunk_folders(forced), InputError,
                 "{}: no forced-answer rollouts for {} (expected {}/{}/chunk_<i>/solutions.json "
                 "or chunk_<i> folders here)",
                 forced.string(), problem_name, forced.string(), problem_name);
  return forced;
}

}  // namespace

RolloutImportance run_rollout_importance_job(const RolloutImportanceJob& job) {
  const fs::path problem_dir = find_rollout_problem(job.rollouts);
  const RolloutProblem problem = read_rollout_problem(problem_dir);
  logger().info("{}: {} sentences, {} rollout folders", problem_dir.string(), problem.chunks.size(),
                problem.folders.size());
  std::optional<std::map<std::int64_t, RolloutChunkFolder>> forced;
  if (job.forced) {
    const fs::path forced_dir = find_forced_folder(*job.forced, problem.name);
    forced = read_rollout_chunk_folders(forced_dir);
    logger().info("{}: {} forced-answer folders", forced_dir.string(), forced->size());
  }
  SENTLENS_CHECK(!job.embeddings.empty() || job.embed_sentences, InputError,
                 "no sentence embeddings: give an embeddings file or a model to compute them");
  const SentenceEmbeddings embeddings =
      !job.embeddings.empty() ? SentenceEmbeddings::read(job.embeddings)
                              : job.embed_sentences(rollout_sentences(problem, job.options));
  RolloutImportance importance =
      compute_rollout_importance(problem, forced ? &*forced : nullptr, embeddings, job.options);
  if (!job.out.empty()) write_text_atomically(job.out, rollout_importance_json(importance) + "\n");
  return importance;
}

}  // namespace sentlens
