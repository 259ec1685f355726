// Black-box importance stored in a trace (`sentlens importance --trace`): the rollout folder's
// sentences must be the trace's, so that chunk i of the rollouts is sentence i of the trace.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "sentlens/analysis/rollout_importance.h"
#include "sentlens/trace/trace.h"

namespace sentlens {

/// The per-sentence metric names stored, in column order (the original's names).
const std::vector<std::string>& rollout_metric_names();

/// Fills trace.rollout_* from `importance`, replacing earlier values. Throws InputError when the
/// trace's sentences (whitespace collapsed) are not the rollouts' chunks, naming the first that
/// differs and how to make them agree.
void attach_rollout_importance(Trace& trace, const RolloutImportance& importance);

/// Reads the trace at `path`, attaches `importance` and writes it back in place (atomically, every
/// other part kept): `sentlens importance --trace`.
void add_rollout_importance_to_trace(const std::filesystem::path& path,
                                     const RolloutImportance& importance);

/// The value of metric `name` for sentence `sentence` (NaN when absent or not analysed).
double rollout_value(const Trace& trace, std::int64_t sentence, const std::string& name);

}  // namespace sentlens
