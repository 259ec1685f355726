// Rollout folders in the layout of the original Thought Anchors `generate_rollouts.py`
// (metrics.md §1.9): one folder per problem with problem.json, base_solution.json, chunks.json,
// optionally chunks_labeled.json, and chunk_<i>/solutions.json holding the rollouts resampled
// from sentence i; forced-answer rollouts in the same layout under a second root.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sentlens {

/// One rollout record of a solutions.json file, with the fields the analyses read.
struct RolloutRecord {
  std::optional<std::string> chunk_removed;    // absent or null: not a string (skipped)
  std::optional<std::string> chunk_resampled;  // as above
  std::string rollout;                         // "" when absent
  std::string answer;                          // "" when absent
  std::optional<bool> is_correct;              // absent or null: unknown
};

/// The rollouts of one chunk_<i> folder.
struct RolloutChunkFolder {
  std::filesystem::path solutions_file;
  std::vector<RolloutRecord> records;
};

/// One labeled sentence (an entry of chunks_labeled.json).
struct LabeledChunk {
  std::int64_t chunk_index = 0;
  std::string text;  // `chunk`
};

/// A problem's rollout folder, read whole.
struct RolloutProblem {
  std::filesystem::path directory;
  std::string name;                   // the folder's name, e.g. problem_6
  std::string ground_truth;           // problem.json `gt_answer` ("" when absent)
  std::vector<std::string> chunks;    // chunks.json `chunks`
  std::vector<LabeledChunk> labeled;  // chunks_labeled.json in file order; empty when absent
  bool has_labeled_file = false;
  std::map<std::int64_t, RolloutChunkFolder> folders;  // chunk_<i> with a solutions.json
  /// chunk_<i> folders without a solutions.json (the original treats them as missing).
  std::vector<std::int64_t> folders_without_solutions;
};

/// Reads a problem folder. Throws IoError / FormatError naming the file and entry when a required
/// file (problem.json, base_solution.json, chunks.json) is missing, a file is not JSON, or a field
/// has the wrong type (`answer` and the chunk strings must be strings or null, `is_correct` a
/// boolean or null).
RolloutProblem read_rollout_problem(const std::filesystem::path& directory);

/// Reads only the chunk_<i>/solutions.json files of a folder (forced-answer rollouts); `folders`
/// as in RolloutProblem. Throws as read_rollout_problem.
std::map<std::int64_t, RolloutChunkFolder> read_rollout_chunk_folders(
    const std::filesystem::path& directory, std::vector<std::int64_t>* without_solutions = nullptr);

/// Resolves `--rollouts DIR`: DIR itself when it holds chunks.json, else its only problem_*
/// subfolder holding one. Throws InputError naming DIR (and the candidates when there are several).
std::filesystem::path find_rollout_problem(const std::filesystem::path& directory);

}  // namespace sentlens
