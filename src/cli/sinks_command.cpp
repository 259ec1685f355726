// `sentlens sinks`: attention sinks of every head of a trace (metrics.md §3).
#include <fmt/core.h>

#include "cli/attention_input_options.h"
#include "cli/commands.h"
#include "cli/common_options.h"
#include "sentlens/workflow/token_jobs.h"

namespace sentlens::cli {

void register_sinks_command(CLI::App& app) {
  auto* command =
      app.add_subcommand("sinks", "Attention sinks per head: first-token, punctuation, hidden");
  struct Arguments {
    SinksJob job;
    AttentionInputArguments attention;
    std::string trace;
    bool json = false;
  };
  auto arguments = std::make_shared<Arguments>();
  auto* trace = command->add_option("trace", arguments->trace, "Trace file (sentlens trace)");
  add_attention_input_options(*command, arguments->attention, trace);
  command->add_option("--threshold", arguments->job.options.threshold, "τ on ACT's c_j")
      ->capture_default_str();
  add_sink_min_rows_option(*command, arguments->job.options.min_rows);
  add_json_flag(*command, arguments->json);

  command->callback([arguments] {
    SinksJob job = arguments->job;
    job.trace = arguments->trace;
    require_trace_or_attention(arguments->trace, arguments->attention);
    const SinksReport report =
        arguments->trace.empty() ? run_sinks_on_attention(arguments->attention.input(), job.options)
                                 : run_sinks_job(job);
    if (arguments->json) {
      fmt::print("{}\n", sinks_report_json(report));
      return;
    }
    fmt::print("{}: {} layers x {} heads, τ = {}, keys with at least {} query rows\n",
               report.source, report.num_layers, report.num_heads, job.options.threshold,
               job.options.min_rows);
    fmt::print("layer head  first punct hidden  sink mass\n");
    for (const HeadSinkSummary& h : report.sinks.heads)
      fmt::print("{:5} {:4}  {:5} {:5} {:6}  {:9.4f}\n", h.layer, h.head, h.first_token,
                 h.punctuation, h.hidden, h.mass_share);
    for (const Sink& s : report.sinks.sinks) {
      if (s.kind != SinkKind::kHidden) continue;
      std::string text = report.token_texts[static_cast<std::size_t>(s.position)];
      fmt::print("hidden sink: {}:{} position {} c = {:.4f} '{}'\n", s.layer, s.head, s.position,
                 s.score, text);
    }
  });
}

}  // namespace sentlens::cli
