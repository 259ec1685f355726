// The analysis options as the trace file's metadata records them (docs/trace-format.md).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "sentlens/trace/analysis_options.h"

namespace sentlens {

nlohmann::ordered_json analysis_options_json(const AnalysisOptions& options);

/// Throws InputError naming the field for a missing or mis-typed value (read_trace turns it into
/// a FormatError naming the file).
AnalysisOptions analysis_options_from_json(const nlohmann::json& json);

}  // namespace sentlens
