// The `importance` job: find a rollout folder (and its forced-answer twin), read the rollouts and
// the embeddings, compute every black-box metric, optionally write them as JSON.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sentlens/analysis/rollout_importance.h"

namespace sentlens {

struct RolloutImportanceJob {
  /// A problem folder (problem.json, chunks.json, chunk_<i>/...) or a folder holding exactly one.
  std::filesystem::path rollouts;
  /// Forced-answer rollouts: the root holding <problem name>/ (the original's
  /// `forced_answer_dir`) or that problem folder itself.
  std::optional<std::filesystem::path> forced;
  /// JSON map from sentence text to vector (SentenceEmbeddings::read), or ...
  std::filesystem::path embeddings;
  /// ... when `embeddings` is empty, computes the embeddings of the sentences it is given (every
  /// sentence rollout_sentences lists), e.g. from a model (workflow/model_embeddings.h).
  std::function<SentenceEmbeddings(const std::vector<std::string>&)> embed_sentences;
  RolloutImportanceOptions options;
  /// Where to write rollout_importance_json (atomically); empty = nowhere.
  std::filesystem::path out;
};

/// Runs the job. Throws IoError / FormatError / InputError naming the folder, file or entry.
RolloutImportance run_rollout_importance_job(const RolloutImportanceJob& job);

}  // namespace sentlens
