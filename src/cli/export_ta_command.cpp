// `sentlens export-ta`: a trace in the thought-anchors.com problem layout.
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common_options.h"
#include "sentlens/report/thought_anchors.h"
#include "sentlens/trace/trace.h"
#include "sentlens/util/parse_lists.h"

namespace sentlens::cli {

void register_export_ta_command(CLI::App& app) {
  auto* command = app.add_subcommand(
      "export-ta",
      "Export a trace for the thought-anchors.com viewer: chunks.json, step_importance_supp.json "
      "(with a suppression matrix) and summary.json");
  struct Arguments {
    ReceiverOptions options;
    std::string trace, directory, exclude_layers;
    bool json = false;
  };
  auto arguments = std::make_shared<Arguments>();
  command->add_option("trace", arguments->trace, "Trace file (sentlens trace / analyze)")
      ->required();
  command->add_option("dir", arguments->directory, "Output folder (created if missing)")
      ->required();
  add_top_k_option(*command, arguments->options.top_k);
  command
      ->add_option("--proximity-ignore", arguments->options.proximity_ignore,
                   "Ignore cells with i - j below this (sentences) in the vertical scores")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 30));
  command->add_option("--exclude-layers", arguments->exclude_layers,
                      "Layers that may not hold receiver heads, e.g. 0 or 0,2-3");
  add_json_flag(*command, arguments->json, "Print a JSON summary on stdout (files written)");

  command->callback([arguments] {
    ReceiverOptions options = arguments->options;
    if (!arguments->exclude_layers.empty()) {
      options.exclude_layers =
          parse_index_set(arguments->exclude_layers, std::int64_t{1} << 30, "--exclude-layers");
    }
    const Trace trace = read_trace(arguments->trace);
    const ThoughtAnchorsExport result =
        export_thought_anchors(trace, options, arguments->trace, arguments->directory);
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
