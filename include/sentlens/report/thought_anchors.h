// Export to the thought-anchors.com problem layout (`sentlens export-ta`): chunks.json,
// step_importance_supp.json (when the trace holds a suppression matrix) and our summary.json.
// Torch-free: part of sentlens_core.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "sentlens/trace/analysis_options.h"

namespace sentlens {

struct Trace;

/// The thought-anchors.com layout of step_importance_supp.json: for every source (suppressed)
/// sentence, the raw E[target, source] of every later target (metrics.md §1.8); NaN as null.
std::string thought_anchors_suppression_json(const std::vector<double>& kl_matrix,
                                             std::int64_t num_sentences);

struct ThoughtAnchorsExport {
  std::vector<std::filesystem::path> files;  // written, in order
  std::int64_t num_sentences = 0;
  bool suppression = false;  // step_importance_supp.json written
  std::vector<std::pair<std::int64_t, std::int64_t>> receiver_heads;  // empty when undefined
  std::vector<std::string> notes;
};

/// Writes chunks.json ({source_text, solution_text, chunks}), step_importance_supp.json when the
/// trace has suppression_kl, and summary.json (receiver heads, per-sentence receiver-head and
/// vertical scores, broadcasting sentences) into `directory`, creating it if needed. Each file is
/// written atomically. The receiver heads come from analyze_trace(trace, options), as in `analyze`
/// and `report`. Throws IoError naming the file or folder.
ThoughtAnchorsExport export_thought_anchors(const Trace& trace, const AnalysisOptions& options,
                                            const std::string& source,
                                            const std::filesystem::path& directory);

}  // namespace sentlens
