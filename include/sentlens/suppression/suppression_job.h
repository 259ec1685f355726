// The `sentlens suppress` job: load a checkpoint, take token ids and sentence token ranges, compute
// the suppression matrix, and write it (golden layout) and the thought-anchors.com export.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "sentlens/suppression/suppression.h"

namespace sentlens {

struct SuppressionJob {
  std::filesystem::path model_dir;
  std::vector<std::int64_t> ids;      // the model input
  std::vector<TokenRange> sentences;  // token ranges of the sentences
  SuppressionOptions options;
  int threads = 0;            // 0 = all cores
  std::filesystem::path out;  // optional: `kl_matrix` F64 [S, S], `token_kl` F64 [S, T]
  std::filesystem::path thought_anchors_json;  // optional: step_importance_supp.json layout
};

/// Runs the job; throws sentlens::Error subclasses naming the input and the problem.
SuppressionResult run_suppression_job(const SuppressionJob& job);

}  // namespace sentlens
