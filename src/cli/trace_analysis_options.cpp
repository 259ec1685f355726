// The analysis options of `report` and `export-ta`: the trace's record, then the command line.
#include "cli/trace_analysis_options.h"

#include "cli/common_options.h"
#include "sentlens/util/parse_lists.h"
#include "sentlens/workflow/receivers_job.h"

namespace sentlens::cli {

void add_trace_analysis_options(CLI::App& command, TraceAnalysisArguments& arguments) {
  AnalysisOptions& given = arguments.given;
  arguments.top_k = add_top_k_option(command, given.receivers.top_k);
  arguments.proximity_ignore =
      command
          .add_option("--proximity-ignore", given.receivers.proximity_ignore,
                      "Ignore cells with i - j below this (sentences) in the vertical scores")
          ->capture_default_str()
          ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 30));
  arguments.exclude =
      command.add_option("--exclude-layers", arguments.exclude_layers,
                         "Layers that may not hold receiver heads, e.g. 0 or 0,2-3");
  arguments.receiver_list =
      command.add_option("--receivers", arguments.receivers,
                         "Use these receiver heads (LAYER:HEAD,...) instead of this trace's top-k");
  arguments.receiver_file = command.add_option(
      "--receiver-heads", arguments.receiver_heads_file,
      "Receiver heads found over many traces (the safetensors file `sentlens receivers` writes, or "
      "its JSON output, as `analyze --receiver-heads` takes) instead of this trace's top-k");
  arguments.receiver_list->excludes(arguments.receiver_file);
  arguments.sink_threshold =
      command.add_option("--sink-threshold", given.sinks.threshold, "τ on ACT's c_j")
          ->capture_default_str()
          ->check(CLI::Range(0.0, 1e9));
  arguments.sink_min_rows = add_sink_min_rows_option(command, given.sinks.min_rows, "sink-");
}

void TraceAnalysisArguments::read_files() {
  if (!exclude_layers.empty()) {
    given.receivers.exclude_layers =
        parse_index_set(exclude_layers, std::int64_t{1} << 30, "--exclude-layers");
  }
  if (!receivers.empty()) {
    given.receiver_heads = parse_head_list(receivers, "--receivers");
    given.receiver_heads_source = "--receivers " + receivers;
  }
  if (!receiver_heads_file.empty()) {
    given.receiver_heads = read_receiver_heads_file(receiver_heads_file);
    given.receiver_heads_source = receiver_heads_file;
  }
}

AnalysisOptions TraceAnalysisArguments::resolve(const Trace& trace) const {
  AnalysisOptions options = trace.analysis.value_or(AnalysisOptions{});
  const auto gave = [](const CLI::Option* option) { return option && option->count() > 0; };
  const bool heads_given = gave(receiver_list) || gave(receiver_file);
  if (gave(top_k) || gave(proximity_ignore) || gave(exclude)) {
    options.receiver_heads.clear();
    options.receiver_heads_source.clear();
  }
  if (gave(top_k)) options.receivers.top_k = given.receivers.top_k;
  if (gave(proximity_ignore)) options.receivers.proximity_ignore = given.receivers.proximity_ignore;
  if (gave(exclude)) options.receivers.exclude_layers = given.receivers.exclude_layers;
  if (heads_given) {
    options.receiver_heads = given.receiver_heads;
    options.receiver_heads_source = given.receiver_heads_source;
  }
  if (gave(sink_threshold)) options.sinks.threshold = given.sinks.threshold;
  if (gave(sink_min_rows)) options.sinks.min_rows = given.sinks.min_rows;
  return options;
}

}  // namespace sentlens::cli
