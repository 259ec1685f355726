// `sentlens tokens`: per-token WAAD, Δ, FAI, roles and credit weights γ of a trace (metrics.md §2).
#include <fmt/core.h>

#include "cli/attention_input_options.h"
#include "cli/commands.h"
#include "cli/common_options.h"
#include "sentlens/util/parse_lists.h"
#include "sentlens/workflow/token_jobs.h"

namespace sentlens::cli {

namespace {
std::string visible(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '\n' ? std::string("\\n") : std::string(1, c);
  return out;
}
}  // namespace

void register_tokens_command(CLI::App& app) {
  auto* command = app.add_subcommand(
      "tokens", "Token rhythm of a trace: WAAD, FAI, preplan and anchor tokens, credit weights");
  struct Arguments {
    TokensJob job;
    AttentionInputArguments attention;
    TokenRhythmOptions rhythm;  // of an --attention map (a trace records its own)
    std::string trace, layers, receivers;
    std::int64_t top = 10;
    bool json = false;
  };
  auto arguments = std::make_shared<Arguments>();
  auto& options = arguments->job.options;
  auto* trace = command->add_option("trace", arguments->trace, "Trace file (sentlens trace)");
  add_attention_input_options(*command, arguments->attention, trace);
  auto& rhythm = arguments->rhythm;
  for (auto* option :
       {command
            ->add_option("--response-token", rhythm.response_start,
                         "With --attention: the first response token (prompt length)")
            ->capture_default_str()
            ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40)),
        command->add_option("--window", rhythm.window, "With --attention: WAAD window W")
            ->capture_default_str()
            ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40)),
        command->add_option("--horizon-lo", rhythm.horizon_lo, "With --attention: FAI H_lo")
            ->capture_default_str()
            ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40)),
        command
            ->add_option("--horizon-hi", rhythm.horizon_hi,
                         "With --attention: FAI H_hi; -1 = to the end of the text")
            ->capture_default_str()
            ->check(CLI::Range(std::int64_t{-1}, std::int64_t{1} << 40))}) {
    option->needs(arguments->attention.attention_option);
  }
  command->add_option("--top", arguments->top, "Preplan and anchor tokens listed")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 30));
  command
      ->add_option("--head-quantile", options.classes.quantile,
                   "Share of heads classed local (smallest d) and global (largest d)")
      ->capture_default_str();
  auto* layers = command->add_option("--layers", arguments->layers,
                                     "Layers whose heads are ranked, e.g. 0,2-4 (default all)");
  auto* middle = command->add_flag("--middle-third", arguments->job.middle_third,
                                   "Rank the heads of five layers in the middle third (paper RL)");
  layers->excludes(middle);
  command->add_option("--receivers", arguments->receivers,
                      "Receiver heads L:H,... for the receiver-FAI variant");
  command->add_option("--q", options.top_q, "TopQ share for preplan and anchor tokens")
      ->capture_default_str();
  command->add_option("--k", options.k, "Look-back of locally dominated anchors")
      ->capture_default_str();
  command->add_option("--alpha", options.alpha, "Coupled credit split α")->capture_default_str();
  command->add_option("--gamma-amp", options.gamma_amp, "Credit amplification γ_amp")
      ->capture_default_str();
  command->add_option("--peak-q", options.peak_q, "Peaks: local maxima in this top share")
      ->capture_default_str();
  command->add_option("--seed", options.seed, "Seed of the shuffled baseline")
      ->capture_default_str();
  add_json_flag(*command, arguments->json);

  command->callback([arguments] {
    TokensJob job = arguments->job;
    job.trace = arguments->trace;
    if (!arguments->layers.empty())
      job.options.classes.layers =
          parse_index_set(arguments->layers, std::int64_t{1} << 30, "--layers");
    if (!arguments->receivers.empty())
      job.options.receivers = parse_head_list(arguments->receivers, "--receivers");
    require_trace_or_attention(arguments->trace, arguments->attention);
    const TokensReport report =
        arguments->trace.empty()
            ? run_tokens_on_attention(arguments->attention.input(), arguments->rhythm, job)
            : run_tokens_job(job);
    const auto top = static_cast<std::size_t>(arguments->top);
    if (arguments->json) {
      fmt::print("{}\n", tokens_report_json(report, top));
      return;
    }
    const TokenRoles& roles = report.roles;
    const auto r0 = static_cast<std::size_t>(roles.response_start);
    // The same lists as `analyze`: marked tokens, preplan by Δ and anchors by FAI.
    const std::vector<std::int64_t> top_preplan = top_preplan_tokens(roles, top);
    const std::vector<std::int64_t> top_anchor = top_anchor_tokens(roles, top);
    auto text_of = [&](std::int64_t r) {
      return report.token_texts[r0 + static_cast<std::size_t>(r)];
    };
    fmt::print("{}: response tokens {}..{} ({}), W {}, FAI horizon [{}, {}]\n", report.source, r0,
               r0 + roles.waad.size(), roles.waad.size(), report.rhythm_options.window,
               report.rhythm_options.horizon_lo, report.rhythm_options.horizon_hi);
    fmt::print("local heads {}, global heads {} (of {} layers)\n", roles.classes.local.size(),
               roles.classes.global.size(), report.layers.size());
    fmt::print("top preplan tokens (Δ):\n");
    for (std::int64_t r : top_preplan) {
      const auto i = static_cast<std::size_t>(r);
      fmt::print("  {:6}  Δ {:.4f}  WAAD {:.4f}  '{}'\n", r0 + i, roles.delta[i], roles.waad[i],
                 visible(text_of(r)));
    }
    fmt::print("top anchor tokens (FAI):\n");
    for (std::int64_t r : top_anchor) {
      const auto i = static_cast<std::size_t>(r);
      fmt::print("  {:6}  FAI {:.4f}{}  '{}'\n", r0 + i, roles.fai[i],
                 roles.dominated[i] ? " (locally dominated)" : "", visible(text_of(r)));
    }
    fmt::print(
        "coupling: entropy at WAAD peaks {:.4f} vs all {:.4f}; FAI peaks at/after WAAD peaks "
        "{:.3f} vs shuffled {:.3f}\n",
        roles.entropy_at_waad_peaks, roles.entropy_mean, roles.fai_peaks_near_waad_peaks,
        roles.shuffled_baseline);
  });
}

}  // namespace sentlens::cli
