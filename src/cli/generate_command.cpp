// `sentlens generate`: sample continuations of a text.
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common_options.h"
#include "cli/input_text.h"
#include "cli/progress.h"
#include "sentlens/workflow/generate.h"

namespace sentlens::cli {

void register_generate_command(CLI::App& app) {
  auto* command = app.add_subcommand(
      "generate", "Sample continuations of a text (temperature, top-p, top-k, seeded)");
  struct Arguments {
    GenerateJob job;
    std::string text, text_file;
    bool no_bos = false, json = false, quiet = false;
  };
  auto arguments = std::make_shared<Arguments>();
  arguments->job.sampling.temperature = 0.6;  // the Thought Anchors rollouts' settings
  arguments->job.sampling.top_p = 0.95;
  arguments->job.sampling.seed = 44;
  add_model_source_options(*command, arguments->job.model);
  add_text_options(*command, arguments->text, arguments->text_file, "The prompt");
  add_no_bos_flag(*command, arguments->no_bos);
  command->add_option("--samples", arguments->job.samples, "Continuations to sample")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20));
  command->add_option("--temperature", arguments->job.sampling.temperature, "0 = greedy")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 100.0));
  command->add_option("--top-p", arguments->job.sampling.top_p, "Nucleus mass, (0, 1]")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  command->add_option("--top-k", arguments->job.sampling.top_k, "Most likely tokens kept; 0 = all")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 30));
  command
      ->add_option("--seed", arguments->job.sampling.seed,
                   "Seed; continuation s draws from its own stream (seed, s)")
      ->capture_default_str();
  command->add_option("--max-new-tokens", arguments->job.sampling.max_new_tokens)
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 24));
  command->add_option("--stop", arguments->job.stop_strings,
                      "Stop string (repeatable); cut from the text");
  command->add_flag("--ignore-eos", arguments->job.ignore_eos, "Do not stop at the EOS token");
  command
      ->add_option("--batch-size", arguments->job.sampling.batch_size,
                   "Continuations decoded together on one shared prompt cache")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 16));
  add_allow_longer_flag(*command, arguments->job.sampling.allow_longer);
  command->add_flag("--quiet", arguments->quiet, "No progress on stderr");
  add_json_flag(*command, arguments->json);

  command->callback([arguments] {
    GenerateJob job = arguments->job;
    job.add_bos = !arguments->no_bos;
    job.text = read_input_text(arguments->text, arguments->text_file);
    job.on_progress = stderr_progress(arguments->quiet);
    const GenerateResult result = run_generate_job(job);
    end_progress_line(arguments->quiet);
    if (arguments->json) {
      nlohmann::ordered_json json;
      json["prompt_tokens"] = result.prompt_ids.size();
      json["sampling"] = {{"temperature", job.sampling.temperature},
                          {"top_p", job.sampling.top_p},
                          {"top_k", job.sampling.top_k},
                          {"seed", job.sampling.seed},
                          {"max_new_tokens", job.sampling.max_new_tokens}};
      json["samples"] = nlohmann::ordered_json::array();
      for (const GeneratedText& sample : result.samples) {
        json["samples"].push_back({{"text", sample.text},
                                   {"tokens", sample.ids.size()},
                                   {"finish_reason", sample.finish_reason}});
      }
      json["seconds"] = {{"load", result.load_seconds}, {"generate", result.generate_seconds}};
      json["threads"] = result.threads;
      fmt::print("{}\n", json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
      return;
    }
    for (std::size_t s = 0; s < result.samples.size(); ++s) {
      if (result.samples.size() > 1) {
        fmt::print("--- sample {} ({} tokens, {})\n", s, result.samples[s].ids.size(),
                   result.samples[s].finish_reason);
      }
      fmt::print("{}\n", result.samples[s].text);
    }
    if (!arguments->quiet) {
      fmt::print(
          stderr, "{} tokens in {:.2f} s ({:.1f} tokens/s) on {} threads\n",
          result.generated_tokens, result.generate_seconds,
          static_cast<double>(result.generated_tokens) / std::max(result.generate_seconds, 1e-9),
          result.threads);
    }
  });
}

}  // namespace sentlens::cli
