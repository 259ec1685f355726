// `sentlens trace`: tokenize, split, run the model with streaming sentence pooling, save a trace.
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

namespace sentlens::cli {

void register_trace_command(CLI::App& app) {
  auto* command = app.add_subcommand(
      "trace", "Run a checkpoint on a reasoning trace and save its sentence-level attention");
  struct Arguments {
    AnalyzeJob job;
    std::string text, text_file, json_trace, profile = "clean", out;
    PromptOptions prompt;
    std::int64_t response_token = -1;  // -1: unset (TraceParameters::response_token)
    BatchArguments batch;
    bool no_bos = false, whole_text = false, json = false, no_rhythm = false, entropy = false,
         quiet = false;
  };
  auto arguments = std::make_shared<Arguments>();
  add_model_source_options(*command, arguments->job.model);
  const TextOptions text_options =
      add_text_options(*command, arguments->text, arguments->text_file, "Text to trace");
  auto* json_trace = command->add_option(
      "--json-trace", arguments->json_trace,
      "JSON file with `text` (or `full_cot`) and optional pre-split `chunks` (Thought Anchors), "
      "as `analyze --json-trace` reads it");
  json_trace->excludes(text_options.text)->excludes(text_options.text_file);
  add_prompt_options(*command, arguments->prompt);
  add_profile_option(*command, arguments->profile,
                     "clean, or reference (original splitter, prefix token boundaries, T-1 clamp)");
  command->add_flag("--whole-text", arguments->whole_text,
                    "Split the whole text, ignoring <think> ... </think>");
  add_no_bos_flag(*command, arguments->no_bos);
  add_allow_longer_flag(*command, arguments->job.parameters.forward.allow_longer);
  add_block_size_option(*command, arguments->job.parameters.forward.block_size);
  auto& parameters = arguments->job.parameters;
  std::vector<CLI::Option*> rhythm_options;
  rhythm_options.push_back(
      command
          ->add_option("--response-token", arguments->response_token,
                       "First response token (prompt length) for the token rhythm; -1 = the first "
                       "sentence's first token, as `analyze` (the prompt is never response)")
          ->capture_default_str()
          ->check(CLI::Range(std::int64_t{-1}, std::int64_t{1} << 40)));
  rhythm_options.push_back(
      command->add_option("--window", parameters.window, "WAAD window W (tokens)")
          ->capture_default_str()
          ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40)));
  rhythm_options.push_back(
      command->add_option("--horizon-lo", parameters.horizon_lo, "FAI horizon start H_lo (tokens)")
          ->capture_default_str()
          ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40)));
  rhythm_options.push_back(
      command
          ->add_option("--horizon-hi", parameters.horizon_hi,
                       "FAI horizon end H_hi (tokens); -1 = to the end of the text")
          ->capture_default_str()
          ->check(CLI::Range(std::int64_t{-1}, std::int64_t{1} << 40)));
  rhythm_options.push_back(command->add_flag(
      "--entropy", arguments->entropy, "Also save the token entropy (computes the [T, V] logits)"));
  // The token-rhythm settings mean nothing without the token rhythm: reject the combination
  // rather than ignore them.
  auto* no_rhythm =
      command->add_flag("--no-token-rhythm", arguments->no_rhythm,
                        "Only pool sentences: skip WAAD, FAI, key attention and entropy");
  for (auto* option : rhythm_options) no_rhythm->excludes(option);
  auto* out = command->add_option("--out", arguments->out,
                                  "Trace file to write (.safetensors); required without --batch");
  add_json_flag(*command, arguments->json, "Print a JSON summary on stdout");
  command->add_flag("--quiet", arguments->quiet, "No progress on stderr");
  add_batch_options(*command, arguments->batch);
  arguments->batch.batch->excludes(out)
      ->excludes(text_options.text)
      ->excludes(text_options.text_file)
      ->excludes(json_trace);

  command->callback([arguments] {
    AnalyzeJob job = arguments->job;
    job.parameters.split.profile = parse_profile(arguments->profile);
    job.parameters.split.think_region = !arguments->whole_text;
    job.parameters.add_bos = !arguments->no_bos;
    job.parameters.token_rhythm = !arguments->no_rhythm;
    job.parameters.token_entropy = arguments->entropy;
    if (arguments->response_token >= 0) job.parameters.response_token = arguments->response_token;
    job.prompt_chars = arguments->prompt.chars();
    job.response_marker = arguments->prompt.marker();
    job.analyses = false;  // capture only; `analyze` (or report, tokens, ...) analyses the file
    if (!arguments->batch.inputs.empty()) {
      AnalyzeBatchJob batch;
      batch.job = std::move(job);
      run_and_print_batch(std::move(batch), arguments->batch, arguments->json, arguments->quiet);
      return;
    }
    if (arguments->out.empty()) throw CLI::RequiredError("--out");
    ReasoningTraceFile input =
        read_input_trace(arguments->text, arguments->text_file, arguments->json_trace);
    job.text = std::move(input.text);
    job.chunks = std::move(input.chunks);
    job.out = arguments->out;
    job.on_progress = stderr_progress(arguments->quiet);
    const AnalyzeResult result = run_analyze_job(job);
    end_progress_line(arguments->quiet);
    const Trace& trace = result.trace;
    if (arguments->json) {
      nlohmann::ordered_json json{{"tokens", trace.num_tokens()},
                                  {"sentences", trace.num_sentences()},
                                  {"layers", trace.num_layers},
                                  {"heads", trace.num_heads},
                                  {"out", job.out.string()},
                                  {"seconds",
                                   {{"load", result.seconds.load},
                                    {"forward", result.seconds.align + result.seconds.forward},
                                    {"write", result.seconds.write}}},
                                  {"warnings", in_cli_terms(result.analysis.warnings)}};
      fmt::print("{}\n", json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
      return;
    }
    fmt::print(
        "{}, {}, {} layers x {} heads: forward {:.3f} s (load {:.3f} s, "
        "write {:.3f} s)\nwrote {}\n",
        counted(trace.num_tokens(), "token"), counted(trace.num_sentences(), "sentence"),
        trace.num_layers, trace.num_heads, result.seconds.align + result.seconds.forward,
        result.seconds.load, result.seconds.write, job.out.string());
    for (const std::string& warning : in_cli_terms(result.analysis.warnings))
      fmt::print("warning: {}\n", warning);
  });
}

}  // namespace sentlens::cli
