// Private CLI helpers: the analysis options of `report` and `export-ta`, which start from what the
// trace recorded (`sentlens analyze` writes them) and take the options the command line gives.
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "sentlens/trace/analysis_options.h"
#include "sentlens/trace/trace.h"

namespace sentlens::cli {

struct TraceAnalysisArguments {
  AnalysisOptions given;  // values of the options on the command line (defaults elsewhere)
  std::string exclude_layers, receivers, receiver_heads_file;
  CLI::Option *top_k = nullptr, *proximity_ignore = nullptr, *exclude = nullptr,
              *receiver_list = nullptr, *receiver_file = nullptr, *sink_threshold = nullptr,
              *sink_min_rows = nullptr;

  /// Reads the receiver-heads file (if given) now, so that a bad one fails before any work.
  void read_files();

  /// The trace's recorded options (defaults for a trace that was only captured), with every
  /// option the command line gave in their place. Explicit --top-k, --proximity-ignore or
  /// --exclude-layers without a heads list mean "this trace's top-k": recorded heads are dropped.
  AnalysisOptions resolve(const Trace& trace) const;
};

/// --top-k, --proximity-ignore, --exclude-layers, --receivers L:H,..., --receiver-heads FILE,
/// --sink-threshold and --sink-min-rows.
void add_trace_analysis_options(CLI::App& command, TraceAnalysisArguments& arguments);

}  // namespace sentlens::cli
