// `sentlens analyze`: the whole job in one command — a checkpoint and a reasoning trace in, a
// summary table (or JSON), a trace file and an HTML report out.
#include <cstdio>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/batch_options.h"
#include "cli/commands.h"
#include "cli/common_options.h"
#include "cli/counted.h"
#include "cli/flag_names.h"
#include "cli/input_text.h"
#include "cli/progress.h"
#include "sentlens/io/reasoning_trace_file.h"
#include "sentlens/workflow/analyze.h"
#include "sentlens/workflow/demo.h"
#include "sentlens/workflow/receivers_job.h"
#include "trace/trace_analysis_json.h"

namespace sentlens::cli {

namespace {

struct Arguments {
  AnalyzeJob job;
  std::string text, text_file, json_trace, profile = "clean", suppress_profile = "clean";
  std::string receiver_heads, out, report;
  PromptOptions prompt;
  BatchArguments batch;
  bool demo = false, whole_text = false, no_bos = false, json = false, quiet = false;
};

// One line of a sentence's text for the table: whitespace collapsed, at most `width` bytes (cut
// at a UTF-8 boundary).
std::string excerpt(std::string_view text, std::size_t width) {
  std::string line;
  bool space = false;
  for (char c : text) {
    if (c == '\n' || c == '\t' || c == '\r' || c == ' ') {
      space = !line.empty();
      continue;
    }
    if (space) line += ' ';
    space = false;
    line += c;
  }
  if (line.size() <= width) return line;
  std::size_t cut = width - 3;
  while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
  return line.substr(0, cut) + "...";
}

nlohmann::ordered_json result_json(const AnalyzeResult& result, const Arguments& arguments) {
  nlohmann::ordered_json json = trace_analysis_to_json(result.trace, result.analysis);
  json["warnings"] = in_cli_terms(result.analysis.warnings);
  json["seconds"] = {{"load", result.seconds.load},
                     {"align", result.seconds.align},
                     {"forward", result.seconds.forward},
                     {"analysis", result.seconds.analysis},
                     {"suppression", result.seconds.suppression},
                     {"write", result.seconds.write}};
  json["seconds"]["report"] = result.seconds.report;
  if (!arguments.out.empty()) json["out"] = arguments.out;
  if (!arguments.report.empty())
    json["report"] = {{"path", arguments.report}, {"bytes", result.report_bytes}};
  return json;
}

void print_table(const AnalyzeResult& result, const Arguments& arguments) {
  const Trace& trace = result.trace;
  fmt::print("{}: {}, {}, {} layers x {} heads (forward {:.2f} s)\n", trace.model,
             counted(trace.num_tokens(), "token"), counted(trace.num_sentences(), "sentence"),
             trace.num_layers, trace.num_heads, result.seconds.forward);
  if (result.analysis.receivers) {
    const auto& scores = result.analysis.receivers->traces.front().receiver_head_scores;
    fmt::print("\nTop broadcasting sentences (receiver-head score)\n");
    fmt::print("  {:>4}  {:>9}  {}\n", "#", "score", "sentence");
    for (std::int64_t s : result.analysis.broadcasting) {
      fmt::print(
          "  {:>4}  {:>9.4g}  {}\n", s, scores[static_cast<std::size_t>(s)],
          excerpt(sentence_text(trace.text, trace.sentences[static_cast<std::size_t>(s)]), 90));
    }
    std::string heads;
    const std::size_t shown =
        std::min<std::size_t>(8, result.analysis.receivers->receiver_heads.size());
    for (std::size_t k = 0; k < shown; ++k) {
      const auto [layer, head] = result.analysis.receivers->receiver_heads[k];
      heads += fmt::format(
          "{}L{}H{} ({:.2f})", k == 0 ? "" : ", ", layer, head,
          result.analysis.receivers
              ->kurtosis_mean[static_cast<std::size_t>(layer * trace.num_heads + head)]);
    }
    const std::size_t chosen = result.analysis.receivers->receiver_heads.size();
    fmt::print("\nReceiver heads: {} of the model's {} heads ({}){}; kurtosis in brackets: {}{}\n",
               chosen, trace.num_layers * trace.num_heads,
               !result.analysis.options.receiver_heads_source.empty()
                   ? "from " + arguments.receiver_heads
                   : std::string("top kurtosis of this trace"),
               shown < chosen ? fmt::format(", the first {} shown", shown) : std::string(), heads,
               shown < chosen ? ", ..." : "");
  }
  if (result.analysis.roles) {
    const TokenRoles& roles = *result.analysis.roles;
    auto list = [&](const std::vector<std::int64_t>& strongest) {
      std::string text;
      for (std::int64_t r : strongest) {
        const std::int64_t position = roles.response_start + r;
        text += fmt::format(
            "{}{} '{}'", text.empty() ? "" : ", ", position,
            excerpt(result.analysis.token_texts[static_cast<std::size_t>(position)], 16));
      }
      return text.empty() ? std::string("none") : text;
    };
    fmt::print("\nTop anchor tokens (FAI over global heads): {}\n",
               list(top_anchor_tokens(roles, 8)));
    fmt::print("Top preplan tokens (WAAD drop Δ over local heads): {}\n",
               list(top_preplan_tokens(roles, 8)));
  }
  if (result.analysis.sinks) {
    std::int64_t first = 0, punctuation = 0, hidden = 0, heads_with_sinks = 0;
    for (const HeadSinkSummary& head : result.analysis.sinks->heads) {
      first += head.first_token;
      punctuation += head.punctuation;
      hidden += head.hidden;
      if (head.first_token + head.punctuation + head.hidden > 0) ++heads_with_sinks;
    }
    fmt::print(
        "Sinks (ACT score > {}): {} of {} heads have one; {} first-token, {} punctuation/newline, "
        "{} hidden\n",
        result.analysis.sinks->options.threshold, heads_with_sinks,
        result.analysis.sinks->heads.size(), first, punctuation, hidden);
  }
  if (!trace.suppression_kl.empty()) {
    fmt::print("\nSuppression ({} profile): strongest dependency of the last sentences\n",
               profile_name(trace.suppression_profile.value()));
    const std::int64_t s_count = trace.num_sentences();
    for (std::int64_t target = std::max<std::int64_t>(1, s_count - 3); target < s_count; ++target) {
      const auto dependency = strongest_dependency(trace.suppression_kl, s_count, target);
      if (!dependency) continue;
      const Sentence& source = trace.sentences[static_cast<std::size_t>(dependency->source)];
      fmt::print("  {:>4} <- {:>4}  ({:.3g})  {}\n", target, dependency->source, dependency->value,
                 excerpt(sentence_text(trace.text, source), 70));
    }
  }
  for (const std::string& warning : in_cli_terms(result.analysis.warnings))
    fmt::print("warning: {}\n", warning);
  if (!arguments.out.empty()) fmt::print("\nwrote {}\n", arguments.out);
  if (!arguments.report.empty()) {
    fmt::print("wrote {} ({:.1f} KB)\n", arguments.report, result.report_bytes / 1024.0);
  }
}

}  // namespace

void register_analyze_command(CLI::App& app) {
  auto* command = app.add_subcommand(
      "analyze",
      "Every sentence-level metric of a reasoning trace in one pass: receiver heads, broadcasting "
      "sentences, token roles, sinks, optional suppression; prints a summary and writes a trace");
  auto arguments = std::make_shared<Arguments>();
  CLI::Option* model =
      add_model_source_options(*command, arguments->job.model,
                               "Checkpoint folder (default: the bundled demo model)",
                               /*model_required=*/false)
          .model;
  command->add_flag("--demo", arguments->demo,
                    "Use the bundled demo model and, without a text, its example trace");
  auto* text = command->add_option("--text", arguments->text, "Text to analyse");
  auto* text_file = command->add_option("--text-file", arguments->text_file, "File with the text");
  auto* json_trace = command->add_option(
      "--json-trace", arguments->json_trace,
      "JSON file with `text` (or `full_cot`) and optional pre-split `chunks` (Thought Anchors)");
  text->excludes(text_file)->excludes(json_trace);
  text_file->excludes(json_trace);
  model->excludes("--demo");
  add_prompt_options(*command, arguments->prompt);
  add_profile_option(*command, arguments->profile,
                     "clean, or reference (original splitter, prefix token boundaries, T-1 clamp)");
  command->add_flag("--whole-text", arguments->whole_text,
                    "Split the whole text, ignoring <think> ... </think>");
  add_no_bos_flag(*command, arguments->no_bos);
  auto& receivers = arguments->job.analysis.receivers;
  add_top_k_option(*command, receivers.top_k);
  command
      ->add_option("--proximity-ignore", receivers.proximity_ignore,
                   "Vertical scores ignore sentences closer than this")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 20));
  command->add_option("--receiver-heads", arguments->receiver_heads,
                      "Receiver heads found over many traces (`sentlens receivers --out` or "
                      "`--json` file) instead of this trace's top-k");
  command
      ->add_option("--top", arguments->job.analysis.broadcasting_count,
                   "Broadcasting sentences listed")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20));
  command->add_option("--sink-threshold", arguments->job.analysis.sinks.threshold, "τ on ACT's c_j")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e9));
  add_sink_min_rows_option(*command, arguments->job.analysis.sinks.min_rows, "sink-");
  command->add_flag("--suppress", arguments->job.suppress,
                    "Also compute the sentence suppression matrix (1 + S forward passes)");
  command
      ->add_option("--suppress-profile", arguments->suppress_profile,
                   "Suppression rules: clean or reference")
      ->capture_default_str();
  command
      ->add_option("--temperature", arguments->job.suppression.temperature,
                   "Suppression KL temperature")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  add_block_size_option(*command, arguments->job.parameters.forward.block_size);
  add_allow_longer_flag(*command, arguments->job.parameters.forward.allow_longer);
  command->add_option("--out", arguments->out, "Trace file to write (.safetensors)");
  command->add_option("--report", arguments->report,
                      "Self-contained HTML report to write (see `sentlens report`)");
  add_json_flag(*command, arguments->json, "Print the full result as JSON on stdout");
  command->add_flag("--quiet", arguments->quiet, "No progress on stderr");
  add_batch_options(*command, arguments->batch);
  arguments->batch.batch->excludes(text)->excludes(text_file)->excludes(json_trace);
  arguments->batch.batch->excludes("--out")->excludes("--report");

  command->callback([arguments, command] {
    AnalyzeJob job = arguments->job;
    const bool have_text =
        !arguments->text.empty() || !arguments->text_file.empty() || !arguments->json_trace.empty();
    const bool demo = arguments->demo || job.model.dir.empty();
    if (demo) job.model.dir = demo_model_dir();
    if (demo) {
      // The demo traces have 4-8 sentences: the paper's proximity_ignore 4 and 20 heads would
      // leave nothing to score (models/demo/README.md evaluates with 1 and 4).
      if (command->count("--proximity-ignore") == 0) job.analysis.receivers.proximity_ignore = 1;
      if (command->count("--top-k") == 0) job.analysis.receivers.top_k = 4;
    }
    if (!arguments->batch.inputs.empty()) {
      // Each input's text is read by the batch.
    } else if (!have_text && demo) {
      job.text = read_input_text("", demo_trace_file().string());
    } else {
      ReasoningTraceFile input =
          read_input_trace(arguments->text, arguments->text_file, arguments->json_trace);
      job.text = std::move(input.text);
      job.chunks = std::move(input.chunks);
    }
    job.prompt_chars = arguments->prompt.chars();
    job.response_marker = arguments->prompt.marker();
    job.parameters.split.profile = parse_profile(arguments->profile);
    job.parameters.split.think_region = !arguments->whole_text;
    job.parameters.add_bos = !arguments->no_bos;
    job.suppression.profile = parse_profile(arguments->suppress_profile, "--suppress-profile");
    if (!arguments->receiver_heads.empty()) {  // a bad file fails before the model loads
      job.analysis.receiver_heads = read_receiver_heads_file(arguments->receiver_heads);
      job.analysis.receiver_heads_source = arguments->receiver_heads;
    }
    // The reference profile keeps ACT's sink formula exactly: every key is a candidate.
    if (job.parameters.split.profile == Profile::kReference &&
        command->count("--sink-min-rows") == 0)
      job.analysis.sinks.min_rows = 1;
    job.out = arguments->out;
    job.report = arguments->report;
    if (!arguments->batch.inputs.empty()) {
      AnalyzeBatchJob batch;
      batch.job = std::move(job);
      run_and_print_batch(std::move(batch), arguments->batch, arguments->json, arguments->quiet);
      return;
    }
    job.on_progress = stderr_progress(arguments->quiet);
    const AnalyzeResult result = run_analyze_job(job);
    end_progress_line(arguments->quiet);
    if (arguments->json) {
      fmt::print("{}\n", result_json(result, *arguments)
                             .dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
      print_table(result, *arguments);
    }
  });
}

}  // namespace sentlens::cli
