// `sentlens resample`: Thought Anchors rollouts per sentence, in the original folder layout.
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common_options.h"
#include "cli/input_text.h"
#include "cli/progress.h"
#include "sentlens/util/parse_lists.h"
#include "sentlens/workflow/resample.h"

namespace sentlens::cli {

void register_resample_command(CLI::App& app) {
  auto* command = app.add_subcommand(
      "resample",
      "Resample a reasoning trace from each sentence (Thought Anchors rollouts, original layout)");
  struct Arguments {
    ResampleJob job;
    std::string text, text_file, json_trace, chunks, out_dir;
    bool no_bos = false, json = false, quiet = false;
  };
  auto arguments = std::make_shared<Arguments>();
  arguments->job.sampling.temperature = 0.6;  // the original's defaults
  arguments->job.sampling.top_p = 0.95;
  arguments->job.sampling.seed = 44;
  arguments->job.sampling.max_new_tokens = 1024;
  add_model_source_options(*command, arguments->job.model);
  const TextOptions text_options = add_text_options(*command, arguments->text, arguments->text_file,
                                                    "The trace: prompt, <think>, reasoning");
  auto* json_trace = command->add_option(
      "--json-trace", arguments->json_trace,
      "JSON file with `text` (or `full_cot`), optional `chunks`, `problem` and `gt_answer`");
  json_trace->excludes(text_options.text)->excludes(text_options.text_file);
  command->add_option("--problem", arguments->job.problem,
                      "Problem statement (problem.json; the prompt template when the trace has no "
                      "<think>)");
  command->add_option("--gt-answer", arguments->job.ground_truth,
                      "Ground-truth answer: rollouts' boxed answers are judged against it");
  command->add_option("--answer-pattern", arguments->job.answer_pattern,
                      "Read answers with this PCRE2 pattern (first group) instead of \\boxed{}");
  command->add_option("--name", arguments->job.name, "Problem folder name")->capture_default_str();
  command->add_option("--chunks", arguments->chunks, "Only these sentences, e.g. 0-3,7");
  command->add_option("--rollouts", arguments->job.rollouts, "Rollouts per sentence (cap)")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20));
  command->add_option("--temperature", arguments->job.sampling.temperature)
      ->capture_default_str()
      ->check(CLI::Range(0.0, 100.0));
  command->add_option("--top-p", arguments->job.sampling.top_p)
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  command->add_option("--top-k", arguments->job.sampling.top_k, "0 = all")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 30));
  command->add_option("--seed", arguments->job.sampling.seed)->capture_default_str();
  command->add_option("--max-new-tokens", arguments->job.sampling.max_new_tokens)
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 24));
  command
      ->add_option("--batch-size", arguments->job.sampling.batch_size,
                   "Rollouts decoded together on one shared prompt cache")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 16));
  command->add_flag("--forced", arguments->job.forced_answer,
                    "Also forced-answer rollouts (forced_answer/<name>/chunk_<i>)");
  command->add_option("--forced-max-new-tokens", arguments->job.forced_max_new_tokens)
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20));
  command->add_flag("--adaptive", arguments->job.adaptive.enabled,
                    "Stop a sentence's rollouts once its accuracy's 95% interval is within "
                    "--tolerance");
  command
      ->add_option("--tolerance", arguments->job.adaptive.tolerance,
                   "Half-width of the 95% interval for --adaptive")
      ->capture_default_str()
      ->check(CLI::Range(1e-6, 1.0));
  add_no_bos_flag(*command, arguments->no_bos);
  add_allow_longer_flag(*command, arguments->job.sampling.allow_longer);
  command->add_option("--out-dir", arguments->out_dir, "Folder to write <name>/ into")->required();
  command->add_flag("--quiet", arguments->quiet, "No progress on stderr");
  add_json_flag(*command, arguments->json);

  command->callback([arguments] {
    ResampleJob job = arguments->job;
    job.out_dir = arguments->out_dir;
    job.add_bos = !arguments->no_bos;
    const ReasoningTraceFile trace =
        read_input_trace(arguments->text, arguments->text_file, arguments->json_trace);
    job.text = trace.text;
    job.chunks = trace.chunks;
    if (job.problem.empty()) job.problem = trace.problem;
    if (job.ground_truth.empty()) job.ground_truth = trace.ground_truth;
    if (!arguments->chunks.empty()) {
      job.only_chunks = parse_index_set(arguments->chunks, std::int64_t{1} << 30, "--chunks");
    }
    job.on_progress = stderr_progress(arguments->quiet);
    const ResampleSummary summary = run_resample_job(job);
    end_progress_line(arguments->quiet);
    if (arguments->json) {
      nlohmann::ordered_json json;
      json["problem_dir"] = summary.problem_dir.string();
      json["forced_dir"] = summary.forced_dir ? nlohmann::ordered_json(summary.forced_dir->string())
                                              : nlohmann::ordered_json(nullptr);
      json["sentences"] = summary.sentences;
      json["rollouts_written"] = summary.rollouts_written;
      json["rollouts_reused"] = summary.rollouts_reused;
      json["rollouts_fixed_budget"] = summary.rollouts_fixed_budget;
      json["generated_tokens"] = summary.generated_tokens;
      json["seconds"] = {{"load", summary.load_seconds}, {"generate", summary.generate_seconds}};
      fmt::print("{}\n", json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
      return;
    }
    fmt::print(
        "{} sentences: {} rollouts written, {} reused (fixed budget {}), {} tokens in "
        "{:.1f} s\n",
        summary.sentences, summary.rollouts_written, summary.rollouts_reused,
        summary.rollouts_fixed_budget, summary.generated_tokens, summary.generate_seconds);
    fmt::print("wrote {}\n", summary.problem_dir.string());
    if (summary.forced_dir) fmt::print("wrote {}\n", summary.forced_dir->string());
  });
}

}  // namespace sentlens::cli
