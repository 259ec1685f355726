// `sentlens calibrate`: ACT calibration of chosen heads and its effect on perplexity (§3.1).
#include <fmt/core.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/input_text.h"
#include "sentlens/capture/act_calibration.h"
#include "sentlens/util/parse_lists.h"

namespace sentlens::cli {

void register_calibrate_command(CLI::App& app) {
  auto* command = app.add_subcommand(
      "calibrate", "ACT: calibrate attention sinks of chosen heads and compare perplexity");
  struct Arguments {
    CalibrationJob job;
    std::string text, text_file, heads;
    bool no_bos = false, json = false;
  };
  auto arguments = std::make_shared<Arguments>();
  command->add_option("--model", arguments->job.model_dir, "Checkpoint folder")->required();
  auto* text = command->add_option("--text", arguments->text, "Text to score");
  auto* text_file = command->add_option("--text-file", arguments->text_file, "File with the text");
  text->excludes(text_file);
  command->add_option("--heads", arguments->heads, "Heads to calibrate, LAYER:HEAD,...")
      ->required();
  command->add_option("--beta", arguments->job.act.beta, "Share of sink mass kept")
      ->capture_default_str();
  command->add_option("--threshold", arguments->job.act.threshold, "τ on c_j")
      ->capture_default_str();
  command->add_flag("--no-bos", arguments->no_bos, "Do not add the tokenizer's BOS token");
  command->add_option("--threads", arguments->job.threads, "Intra-op threads (0 = all cores)")
      ->capture_default_str()
      ->check(CLI::Range(0, 4096));
  command->add_option("--device", arguments->job.device, "Torch device (cpu, cuda, cuda:1)")
      ->capture_default_str();
  command->add_flag("--json", arguments->json, "Print JSON on stdout");

  command->callback([arguments] {
    CalibrationJob job = arguments->job;
    job.text = read_input_text(arguments->text, arguments->text_file);
    job.act.heads = parse_head_list(arguments->heads, "--heads");
    job.add_bos = !arguments->no_bos;
    const CalibrationReport report = run_calibration_job(job);
    if (arguments->json) {
      nlohmann::ordered_json json{{"tokens", report.tokens},
                                  {"beta", job.act.beta},
                                  {"threshold", job.act.threshold},
                                  {"nll_plain", report.nll_plain},
                                  {"nll_calibrated", report.nll_calibrated},
                                  {"perplexity_plain", report.perplexity_plain},
                                  {"perplexity_calibrated", report.perplexity_calibrated}};
      json["sinks"] = nlohmann::ordered_json::array();
      for (const ActHeadSinks& s : report.sinks) {
        json["sinks"].push_back({{"layer", s.layer},
                                 {"head", s.head},
                                 {"sinks", s.sinks},
                                 {"scores", s.scores},
                                 {"calibrated", s.calibrated}});
      }
      fmt::print("{}\n", json.dump(2));
      return;
    }
    fmt::print("{} tokens: perplexity {:.4f} -> {:.4f} calibrated ({:+.4f} nats/token)\n",
               report.tokens, report.perplexity_plain, report.perplexity_calibrated,
               report.nll_calibrated - report.nll_plain);
    for (const ActHeadSinks& s : report.sinks)
      fmt::print("  {}:{} sinks [{}], calibrated [{}]\n", s.layer, s.head, fmt::join(s.sinks, ", "),
                 fmt::join(s.calibrated, ", "));
  });
}

}  // namespace sentlens::cli
