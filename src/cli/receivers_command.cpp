// `sentlens receivers`: receiver heads and broadcasting sentences of traces or imported attention.

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common_options.h"
#include "cli/flag_names.h"
#include "sentlens/text/splitter.h"
#include "sentlens/util/parse_lists.h"
#include "sentlens/workflow/receivers_job.h"
#include "workflow/receivers_report_json.h"

namespace sentlens::cli {

void register_receivers_command(CLI::App& app) {
  auto* command = app.add_subcommand(
      "receivers", "Find receiver heads and broadcasting sentences (Thought Anchors)");
  struct Arguments {
    ReceiversJob job;
    std::vector<std::string> traces, attention;
    std::string profile = "clean", score_type = "mean", exclude_layers, out;
    bool json = false;
  };
  auto arguments = std::make_shared<Arguments>();
  auto* traces = command->add_option("traces", arguments->traces, "Trace files (sentlens trace)");
  auto* attention = command->add_option(
      "--attention", arguments->attention,
      "Safetensors files with `attn` [L, H, T, T] and `boundaries` I64 [S, 2] instead of traces");
  traces->excludes(attention);
  // Trace files are pooled already: the pooling profile and the strict check apply to raw maps
  // only.
  add_profile_option(*command, arguments->profile,
                     "Pooling of --attention files: clean, or reference (T-1 clamp, empty = 0)")
      ->needs(attention);
  command
      ->add_flag("--strict", arguments->job.import.strict,
                 "Reject --attention maps that are not row-stochastic or not causal")
      ->needs(attention);
  command
      ->add_option("--proximity-ignore", arguments->job.options.proximity_ignore,
                   "Ignore cells with i - j below this (sentences)")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 30));
  add_top_k_option(*command, arguments->job.options.top_k);
  command->add_flag("--control-depth", arguments->job.options.control_depth,
                    "Rank each row before averaging (original control_depth)");
  command->add_option("--score-type", arguments->score_type, "mean or median")
      ->capture_default_str();
  command->add_option("--exclude-layers", arguments->exclude_layers,
                      "Layers that may not hold receiver heads, e.g. 0 or 0,2-3");
  command
      ->add_option("--broadcasting", arguments->job.broadcasting_count,
                   "Broadcasting sentences listed per trace")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 30));
  add_json_flag(*command, arguments->json);
  command->add_option("--out", arguments->out,
                      "Write every intermediate (keys of the golden oracle files) to this file");

  command->callback([arguments] {
    ReceiversJob job = arguments->job;
    for (const auto& path : arguments->traces) job.traces.emplace_back(path);
    for (const auto& path : arguments->attention) job.attention_files.emplace_back(path);
    job.import.profile = parse_profile(arguments->profile);
    job.options.score_type = parse_score_type(arguments->score_type);
    if (!arguments->exclude_layers.empty()) {
      job.options.exclude_layers =
          parse_index_set(arguments->exclude_layers, std::int64_t{1} << 30, "--exclude-layers");
    }
    job.out = arguments->out;
    const ReceiversReport report = run_receivers_job(job);
    const ReceiverAnalysis& analysis = report.analysis;
    if (arguments->json) {
      nlohmann::ordered_json json = receivers_report_to_json(report);
      json["warnings"] = in_cli_terms(report.warnings);
      if (!job.out.empty()) json["out"] = job.out.string();
      fmt::print("{}\n", json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
      return;
    }
    fmt::print("receiver heads (proximity_ignore {}, {}{}, top {}):\n",
               job.options.proximity_ignore, score_type_name(job.options.score_type),
               job.options.control_depth ? ", control_depth" : "", analysis.receiver_heads.size());
    fmt::print("  rank  layer  head  kurtosis\n");
    for (std::size_t r = 0; r < analysis.receiver_heads.size(); ++r) {
      fmt::print("  {:>4}  {:>5}  {:>4}  {:>8.4f}\n", r + 1, analysis.receiver_heads[r].first,
                 analysis.receiver_heads[r].second,
                 analysis.kurtosis_mean[static_cast<std::size_t>(analysis.top_k_flat_indices[r])]);
    }
    for (std::size_t t = 0; t < report.sources.size(); ++t) {
      fmt::print("{}: broadcasting sentences (receiver-head score):", report.sources[t]);
      for (std::int64_t s : report.broadcasting[t]) {
        fmt::print(" {} ({:.4g})", s,
                   analysis.traces[t].receiver_head_scores[static_cast<std::size_t>(s)]);
      }
      fmt::print("\n");
    }
    if (!job.out.empty()) fmt::print("wrote {}\n", job.out.string());
  });
}

}  // namespace sentlens::cli
