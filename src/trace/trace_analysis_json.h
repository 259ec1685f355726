// Private: the JSON of a trace's analysis, for the CLI to extend (timings, output paths) before it
// prints. Library users call trace_analysis_json (sentlens/trace/trace_analysis.h).
#pragma once

#include <nlohmann/json.hpp>

#include "sentlens/trace/trace_analysis.h"

namespace sentlens {

nlohmann::ordered_json trace_analysis_to_json(const Trace& trace, const TraceAnalysis& analysis);

}  // namespace sentlens
