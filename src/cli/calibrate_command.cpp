// `sentlens calibrate`: ACT calibration of chosen heads and its effect on perplexity (§3.1).
#include <fmt/core.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common_options.h"
#include "cli/input_text.h"
#include "sentlens/capture/act_calibration.h"
#include "sentlens/util/parse_lists.h"
#include "util/check.h"

namespace sentlens::cli {

void register_calibrate_command(CLI::App& app) {
  auto* command = app.add_subcommand(
      "calibrate", "ACT: calibrate attention sinks of chosen heads and compare perplexity");
  struct Arguments {
    CalibrationJob job;
    std::string text, text_file, heads, profile = "clean", out;
    bool no_bos = false, json = false;
  };
  auto arguments = std::make_shared<Arguments>();
  add_model_option(*command, arguments->job.model_dir);
  add_text_options(*command, arguments->text, arguments->text_file, "Text to score");
  command->add_option("--heads", arguments->heads, "Heads to calibrate, LAYER:HEAD,...")
      ->required();
  command->add_option("--beta", arguments->job.act.beta, "Share of sink mass kept")
      ->capture_default_str();
  command->add_option("--threshold", arguments->job.act.threshold, "τ on c_j")
      ->capture_default_str();
  add_profile_option(*command, arguments->profile,
                     "clean, or reference (the original ACT code: earliest sink kept, "
                     "prefill-only arithmetic, [0,0] = 1, 0/0 rows, float16)");
  add_no_bos_flag(*command, arguments->no_bos);
  add_threads_option(*command, arguments->job.threads);
  add_weights_option(*command, arguments->job.weights);
  add_allow_longer_flag(*command, arguments->job.allow_longer);
  add_device_option(*command, arguments->job.device);
  command->add_option("--out", arguments->out,
                      "Write the calibration (sinks and c_j per head, per-token NLL) to this "
                      ".safetensors file");
  add_json_flag(*command, arguments->json);

  command->callback([arguments] {
    CalibrationJob job = arguments->job;
    job.text = read_input_text(arguments->text, arguments->text_file);
    job.act.heads = parse_head_list(arguments->heads, "--heads");
    job.add_bos = !arguments->no_bos;
    if (arguments->profile == "reference") {
      job.act = act_reference_profile(job.act);
    } else {
      SENTLENS_CHECK(arguments->profile == "clean", InputError,
                     "--profile: unknown profile '{}', expected 'clean' or 'reference'",
                     arguments->profile);
    }
    const CalibrationReport report = run_calibration_job(job);
    if (!arguments->out.empty()) write_calibration(report, job.act, arguments->out);
    if (arguments->json) {
      nlohmann::ordered_json json{{"tokens", report.tokens},
                                  {"profile", arguments->profile},
                                  {"beta", job.act.beta},
                                  {"threshold", job.act.threshold},
                                  {"heads_source", "--heads as given (no head search)"},
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
      fmt::print("{}\n", json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
      return;
    }
    fmt::print("{} tokens: perplexity {:.4f} -> {:.4f} calibrated ({:+.4f} nats/token)\n",
               report.tokens, report.perplexity_plain, report.perplexity_calibrated,
               report.nll_calibrated - report.nll_plain);
    fmt::print(
        "heads calibrated: the --heads given (ACT itself calibrates a list it searched "
        "offline on calibration data; sentlens does not search)\n");
    for (const ActHeadSinks& s : report.sinks)
      fmt::print("  {}:{} sinks [{}], calibrated [{}]\n", s.layer, s.head, fmt::join(s.sinks, ", "),
                 fmt::join(s.calibrated, ", "));
  });
}

}  // namespace sentlens::cli
