// `sentlens export-ta`: a trace in the thought-anchors.com problem layout.
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common_options.h"
#include "cli/trace_analysis_options.h"
#include "sentlens/report/thought_anchors.h"
#include "sentlens/trace/trace.h"

namespace sentlens::cli {

void register_export_ta_command(CLI::App& app) {
  auto* command = app.add_subcommand(
      "export-ta",
      "Export a trace for the thought-anchors.com viewer: chunks.json, step_importance_supp.json "
      "(with a suppression matrix) and summary.json");
  struct Arguments {
    TraceAnalysisArguments analysis;
    std::string trace, directory;
    bool json = false;
  };
  auto arguments = std::make_shared<Arguments>();
  command->add_option("trace", arguments->trace, "Trace file (sentlens trace / analyze)")
      ->required();
  command->add_option("dir", arguments->directory, "Output folder (created if missing)")
      ->required();
  add_trace_analysis_options(*command, arguments->analysis);
  add_json_flag(*command, arguments->json, "Print a JSON summary on stdout (files written)");

  command->callback([arguments] {
    arguments->analysis.read_files();
    const Trace trace = read_trace(arguments->trace);
    const ThoughtAnchorsExport result = export_thought_anchors(
        trace, arguments->analysis.resolve(trace), arguments->trace, arguments->directory);
    if (arguments->json) {
      nlohmann::ordered_json json;
      json["trace"] = arguments->trace;
      json["dir"] = arguments->directory;
      json["files"] = nlohmann::ordered_json::array();
      for (const auto& file : result.files) json["files"].push_back(file.string());
      json["sentences"] = result.num_sentences;
      json["suppression"] = result.suppression;
      json["receiver_heads"] = nlohmann::ordered_json::array();
      for (const auto& [layer, head] : result.receiver_heads)
        json["receiver_heads"].push_back({{"layer", layer}, {"head", head}});
      json["notes"] = result.notes;
      fmt::print("{}\n", json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
      return;
    }
    for (const auto& file : result.files) fmt::print("wrote {}\n", file.string());
    for (const auto& note : result.notes) fmt::print("note: {}\n", note);
  });
}

}  // namespace sentlens::cli
