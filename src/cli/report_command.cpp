// `sentlens report`: the self-contained HTML report of a trace.
#include <chrono>
#include <cmath>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common_options.h"
#include "cli/counted.h"
#include "cli/trace_analysis_options.h"
#include "sentlens/io/atomic_file.h"
#include "sentlens/report/report.h"
#include "sentlens/trace/trace.h"

namespace sentlens::cli {

namespace {

std::string human_size(std::uintmax_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  if (bytes < (1u << 20)) return fmt::format("{:.1f} KB", static_cast<double>(bytes) / 1024);
  return fmt::format("{:.2f} MB", static_cast<double>(bytes) / (1 << 20));
}

}  // namespace

void register_report_command(CLI::App& app) {
  auto* command = app.add_subcommand(
      "report", "Write a self-contained HTML report of a trace (works offline, from file://)");
  struct Arguments {
    ReportOptions options;
    TraceAnalysisArguments analysis;
    std::string trace, out;
    double head_budget_mb = 4;
    bool json = false;
  };
  auto arguments = std::make_shared<Arguments>();
  command->add_option("trace", arguments->trace, "Trace file (sentlens trace / analyze)")
      ->required();
  command->add_option("-o,--out", arguments->out, "The HTML file to write (atomically)")
      ->required();
  add_trace_analysis_options(*command, arguments->analysis);
  command
      ->add_option("--max-token-points", arguments->options.max_token_points,
                   "Token strips are downsampled to at most this many points (max per bucket)")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{10}, std::int64_t{1} << 30));
  command
      ->add_option("--head-budget-mb", arguments->head_budget_mb,
                   "MB of per-head S×S matrices embedded: all heads exactly when they fit, "
                   "else 8-bit log-quantised receiver heads first, then by kurtosis")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 4096.0));
  command->add_option("--title", arguments->options.title, "Page title (default: the file name)");
  add_json_flag(*command, arguments->json,
                "Print a JSON summary on stdout (file, size, sentences, receiver heads, ...)");

  command->callback([arguments] {
    ReportOptions options = arguments->options;
    options.head_matrix_budget_bytes =
        static_cast<std::int64_t>(std::llround(arguments->head_budget_mb * (1 << 20)));
    arguments->analysis.read_files();
    const auto start = std::chrono::steady_clock::now();
    const Trace trace = read_trace(arguments->trace);
    check_output_path(arguments->out);  // fail before the analysis, not after it
    options.analysis = arguments->analysis.resolve(trace);
    const ReportData data = build_report_data(trace, options, arguments->trace);
    const std::uintmax_t size = write_html_report(data, arguments->out);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (arguments->json) {
      nlohmann::ordered_json json;
      json["report"] = arguments->out;
      json["trace"] = arguments->trace;
      json["bytes"] = size;
      json["seconds"] = seconds;
      json["sentences"] = data.num_sentences;
      json["tokens"] = data.num_tokens;
      json["layers"] = data.num_layers;
      json["heads"] = data.num_heads;
      json["receiver_heads"] = nlohmann::ordered_json::array();
      for (const auto& [layer, head] : data.receivers)
        json["receiver_heads"].push_back({{"layer", layer}, {"head", head}});
      json["receiver_heads_from"] = data.receiver_heads_source.empty()
                                        ? "this trace (top-k kurtosis)"
                                        : data.receiver_heads_source;
      json["broadcasting_sentences"] = data.broadcasting;
      json["head_matrices_embedded"] = data.head_matrices.size();
      json["head_matrices_omitted"] = data.heads_omitted;
      json["suppression"] = !data.suppression.empty();
      json["token_points"] = data.token_points.size();
      json["token_bucket"] = data.token_bucket;
      json["sinks"] = data.sinks_total;
      json["notes"] = data.notes;
      fmt::print("{}\n", json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
      return;
    }
    fmt::print("wrote {} ({}) in {:.2f} s\n", arguments->out, human_size(size), seconds);
    fmt::print("  {}, {}, {} layers x {} heads, {} receiver heads\n",
               counted(data.num_sentences, "sentence"), counted(data.num_tokens, "token"),
               data.num_layers, data.num_heads, data.receivers.size());
    fmt::print(
        "  per-head matrices embedded: {} of {}{}\n", data.head_matrices.size(),
        data.num_layers * data.num_heads,
        data.head_matrices.empty() || data.head_matrices[0].encoding == MatrixEncoding::kFloat32
            ? ""
            : " (8-bit log-quantised)");
    fmt::print("  suppression matrix: {}; token strip points: {}; sinks: {}\n",
               data.suppression.empty() ? "no" : "yes", data.token_points.size(), data.sinks_total);
  });
}

}  // namespace sentlens::cli
