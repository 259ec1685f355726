// `sentlens trace`: tokenize, split, run the model with streaming sentence pooling, save a trace.
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/batch_options.h"
#include "cli/commands.h"
#include "cli/common_options.h"
#include "cli/counted.h"
#include "cli/input_text.h"
#include "sentlens/capture/trace_capture.h"

namespace sentlens::cli {

void register_trace_command(CLI::App& app) {
  auto* command = app.add_subcommand(
      "trace", "Run a checkpoint on a reasoning trace and save its sentence-level attention");
  struct Arguments {
    TraceJob job;
    std::string text, text_file, profile = "clean", out;
    PromptOptions prompt;
    BatchArguments batch;
    bool no_bos = false, whole_text = false, json = false, no_rhythm = false, entropy = false;
  };
  auto arguments = std::make_shared<Arguments>();
  add_model_option(*command, arguments->job.model_dir);
  const TextOptions text_options =
      add_text_options(*command, arguments->text, arguments->text_file, "Text to trace");
  add_prompt_options(*command, arguments->prompt);
  add_profile_option(*command, arguments->profile,
                     "clean, or reference (original splitter, prefix token boundaries, T-1 clamp)");
  command->add_flag("--whole-text", arguments->whole_text,
                    "Split the whole text, ignoring <think> ... </think>");
  add_no_bos_flag(*command, arguments->no_bos);
  add_allow_longer_flag(*command, arguments->job.parameters.allow_longer);
  add_block_size_option(*command, arguments->job.parameters.block_size);
  add_threads_option(*command, arguments->job.threads);
  add_weights_option(*command, arguments->job.weights);
  add_device_option(*command, arguments->job.device);
  auto& rhythm = arguments->job.parameters.rhythm;
  std::vector<CLI::Option*> rhythm_options;
  rhythm_options.push_back(
      command
          ->add_option("--response-token", rhythm.response_start,
                       "First response token (prompt length) for the token rhythm; -1 = the first "
                       "sentence's first token (0 means that too with "
                       "--prompt-chars/--response-start)")
          ->capture_default_str()
          ->check(CLI::Range(std::int64_t{-1}, std::int64_t{1} << 40)));
  rhythm_options.push_back(command->add_option("--window", rhythm.window, "WAAD window W (tokens)")
                               ->capture_default_str()
                               ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40)));
  rhythm_options.push_back(
      command->add_option("--horizon-lo", rhythm.horizon_lo, "FAI horizon start H_lo (tokens)")
          ->capture_default_str()
          ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40)));
  rhythm_options.push_back(
      command
          ->add_option("--horizon-hi", rhythm.horizon_hi,
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
  add_batch_options(*command, arguments->batch);
  arguments->batch.batch->excludes(out)
      ->excludes(text_options.text)
      ->excludes(text_options.text_file);

  command->callback([arguments, command] {
    TraceJob job = arguments->job;
    if (!arguments->batch.inputs.empty()) {
      AnalyzeBatchJob batch;
      batch.job.model_dir = job.model_dir;
      batch.job.parameters = job.parameters;
      batch.job.parameters.profile = parse_profile(arguments->profile);
      batch.job.parameters.think_region = !arguments->whole_text;
      batch.job.parameters.add_bos = !arguments->no_bos;
      batch.job.parameters.token_rhythm = !arguments->no_rhythm;
      batch.job.parameters.token_entropy = arguments->entropy;
      // As analyze: the token rhythm's response starts at the first sentence unless given.
      if (command->count("--response-token") == 0) batch.job.parameters.rhythm.response_start = -1;
      batch.job.prompt_chars = arguments->prompt.chars();
      batch.job.response_marker = arguments->prompt.marker();
      batch.job.device = job.device;
      batch.job.threads = job.threads;
      batch.job.weights = job.weights;
      batch.analyses = false;
      run_and_print_batch(std::move(batch), arguments->batch, arguments->json, false);
      return;
    }
    if (arguments->out.empty()) throw CLI::RequiredError("--out");
    job.text = read_input_text(arguments->text, arguments->text_file);
    job.prompt_chars = arguments->prompt.chars();
    job.response_marker = arguments->prompt.marker();
    job.parameters.profile = parse_profile(arguments->profile);
    job.parameters.think_region = !arguments->whole_text;
    job.parameters.add_bos = !arguments->no_bos;
    job.parameters.token_rhythm = !arguments->no_rhythm;
    job.parameters.token_entropy = arguments->entropy;
    job.out = arguments->out;
    const TraceSummary summary = run_trace_job(job);
    if (arguments->json) {
      nlohmann::ordered_json json{{"tokens", summary.tokens},
                                  {"sentences", summary.sentences},
                                  {"layers", summary.layers},
                                  {"heads", summary.heads},
                                  {"out", job.out.string()},
                                  {"seconds",
                                   {{"load", summary.load_seconds},
                                    {"forward", summary.forward_seconds},
                                    {"write", summary.write_seconds}}}};
      fmt::print("{}\n", json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
      return;
    }
    fmt::print(
        "{}, {}, {} layers x {} heads: forward {:.3f} s (load {:.3f} s, "
        "write {:.3f} s)\nwrote {}\n",
        counted(summary.tokens, "token"), counted(summary.sentences, "sentence"), summary.layers,
        summary.heads, summary.forward_seconds, summary.load_seconds, summary.write_seconds,
        job.out.string());
  });
}

}  // namespace sentlens::cli
