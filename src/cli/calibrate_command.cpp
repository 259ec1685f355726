// `sentlens calibrate`: ACT calibration of chosen heads and its effect on perplexity (§3.1).
#include <optional>

#include <fmt/core.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common_options.h"
#include "cli/input_text.h"
#include "cli/progress.h"
#include "sentlens/capture/act_calibration.h"
#include "sentlens/capture/act_head_search.h"
#include "sentlens/io/atomic_file.h"
#include "sentlens/util/parse_lists.h"
#include "util/check.h"

namespace sentlens::cli {

namespace {

nlohmann::ordered_json head_gains_json(const std::vector<ActHeadGain>& gains) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const ActHeadGain& g : gains)
    list.push_back(
        {{"layer", g.head.first}, {"head", g.head.second}, {"nll", g.nll}, {"gain", g.gain}});
  return list;
}

nlohmann::ordered_json search_json(const ActSearchResult& search) {
  nlohmann::ordered_json selected = nlohmann::ordered_json::array();
  for (const auto& [layer, head] : search.selected)
    selected.push_back({{"layer", layer}, {"head", head}});
  return {{"predicted_tokens", search.predicted_tokens},
          {"nll_plain", search.nll_plain},
          {"nll_selected", search.nll_selected},
          {"selected", selected},
          {"improving", head_gains_json(search.improving)},
          {"candidates", head_gains_json(search.candidates)}};
}

void print_search(const ActSearchResult& search) {
  std::string heads;
  for (const auto& [layer, head] : search.selected)
    heads += fmt::format("{}{}:{}", heads.empty() ? "" : ",", layer, head);
  fmt::print(
      "head search over {} candidate heads ({} predicted tokens): {} lower the NLL alone; "
      "selected {} (NLL {:.4f} -> {:.4f} nats/token): --heads {}\n",
      search.candidates.size(), search.predicted_tokens, search.improving.size(),
      search.selected.size(), search.nll_plain, search.nll_selected,
      heads.empty() ? "(none)" : heads);
}

}  // namespace

void register_calibrate_command(CLI::App& app) {
  auto* command = app.add_subcommand(
      "calibrate", "ACT: calibrate attention sinks of chosen heads and compare perplexity");
  struct Arguments {
    CalibrationJob job;
    ActSearchOptions search;
    std::string text, text_file, heads, profile = "clean", out, search_layers, search_heads;
    std::vector<std::string> calibration_files;
    bool no_bos = false, json = false, search_enabled = false, no_greedy = false, quiet = false;
  };
  auto arguments = std::make_shared<Arguments>();
  add_model_source_options(*command, arguments->job.model);
  add_text_options(*command, arguments->text, arguments->text_file, "Text to score");
  auto* heads = command->add_option("--heads", arguments->heads,
                                    "Heads to calibrate, LAYER:HEAD,... (or --search)");
  auto* search = command->add_flag(
      "--search", arguments->search_enabled,
      "Find the heads as ACT's authors did: calibrate each candidate head alone, keep those "
      "that lower the perplexity of the calibration texts, then add them greedily");
  heads->excludes(search);
  const std::vector<CLI::Option*> search_options = {
      command->add_option("--search-layers", arguments->search_layers,
                          "Candidate layers, e.g. 2-30 (default all)"),
      command->add_option("--search-heads", arguments->search_heads,
                          "Candidate heads of each layer, e.g. 0-3 (default all)"),
      command
          ->add_option("--min-gain", arguments->search.min_gain,
                       "Nats per token a head must lower the NLL by alone to be kept")
          ->capture_default_str()
          ->check(CLI::Range(0.0, 1e9)),
      command->add_flag("--no-greedy", arguments->no_greedy,
                        "Keep every head that helps alone (ACT), without the greedy pass"),
      command
          ->add_option("--calibration-files", arguments->calibration_files,
                       "More calibration texts (files) for the search, besides the text")
          ->check(CLI::ExistingFile)};
  for (auto* option : search_options) option->needs(search);
  command->add_option("--beta", arguments->job.act.beta, "Share of sink mass kept")
      ->capture_default_str();
  command->add_option("--threshold", arguments->job.act.threshold, "τ on c_j")
      ->capture_default_str();
  add_profile_option(*command, arguments->profile,
                     "clean, or reference (the original ACT code: earliest sink kept, "
                     "prefill-only arithmetic, [0,0] = 1, 0/0 rows, float16)");
  add_no_bos_flag(*command, arguments->no_bos);
  add_allow_longer_flag(*command, arguments->job.allow_longer);
  command->add_option("--out", arguments->out,
                      "Write the calibration (sinks and c_j per head, per-token NLL) to this "
                      ".safetensors file");
  add_json_flag(*command, arguments->json);
  command->add_flag("--quiet", arguments->quiet, "No progress on stderr");

  command->callback([arguments] {
    if (arguments->heads.empty() && !arguments->search_enabled)
      throw CLI::RequiredError("--heads or --search");
    CalibrationJob job = arguments->job;
    job.text = read_input_text(arguments->text, arguments->text_file);
    if (!arguments->search_enabled) job.act.heads = parse_head_list(arguments->heads, "--heads");
    job.add_bos = !arguments->no_bos;
    if (arguments->profile == "reference") {
      job.act = act_reference_profile(job.act);
    } else {
      SENTLENS_CHECK(arguments->profile == "clean", InputError,
                     "--profile: unknown profile '{}', expected 'clean' or 'reference'",
                     arguments->profile);
    }
    if (!arguments->out.empty()) check_output_path(arguments->out);
    std::optional<ActSearchResult> search;
    CalibrationReport report;
    if (arguments->search_enabled) {
      ActSearchJob search_job;
      search_job.calibration = job;
      search_job.search = arguments->search;
      search_job.search.greedy = !arguments->no_greedy;
      if (!arguments->search_layers.empty()) {
        search_job.search.layers =
            parse_index_set(arguments->search_layers, std::int64_t{1} << 20, "--search-layers");
      }
      if (!arguments->search_heads.empty()) {
        search_job.search.heads =
            parse_index_set(arguments->search_heads, std::int64_t{1} << 20, "--search-heads");
      }
      for (const std::string& file : arguments->calibration_files)
        search_job.calibration_texts.push_back(read_input_text("", file));
      const auto line = stderr_progress(arguments->quiet);
      if (line) {
        search_job.search.on_progress = [line](const ActSearchProgress& state) {
          const double eta = state.elapsed_seconds / static_cast<double>(state.done) *
                             static_cast<double>(state.total - state.done);
          line(fmt::format("head search: {}/{} forwards ({:.1f} s, ETA {:.0f} s)", state.done,
                           state.total, state.elapsed_seconds, eta));
        };
      }
      ActSearchReport found = run_act_search_job(search_job);
      end_progress_line(arguments->quiet);
      search = std::move(found.search);
      report = std::move(found.calibration);
      job.act.heads = search->selected;
    } else {
      job.on_progress = stderr_progress(arguments->quiet);
      report = run_calibration_job(job);
      end_progress_line(arguments->quiet);
    }
    if (!arguments->out.empty()) write_calibration(report, job.act, arguments->out);
    if (arguments->json) {
      nlohmann::ordered_json json{{"tokens", report.tokens},
                                  {"profile", arguments->profile},
                                  {"beta", job.act.beta},
                                  {"threshold", job.act.threshold},
                                  {"heads_source", search ? "--search (ACT's head search)"
                                                          : "--heads as given (no head search)"},
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
      if (search) {
        json["search"] = search_json(*search);
        json["search"]["in_sample"] = arguments->calibration_files.empty();
      }
      fmt::print("{}\n", json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
      return;
    }
    if (search) {
      print_search(*search);
      if (arguments->calibration_files.empty()) {
        fmt::print(
            "(in-sample: the heads were searched on the text scored below; give "
            "--calibration-files to hold it out)\n");
      }
    }
    fmt::print("{} tokens: perplexity {:.4f} -> {:.4f} calibrated ({:+.4f} nats/token)\n",
               report.tokens, report.perplexity_plain, report.perplexity_calibrated,
               report.nll_calibrated - report.nll_plain);
    if (!search) {
      fmt::print(
          "heads calibrated: the --heads given (ACT calibrates a list it searched on calibration "
          "data: --search does that search)\n");
    }
    for (const ActHeadSinks& s : report.sinks)
      fmt::print("  {}:{} sinks [{}], calibrated [{}]\n", s.layer, s.head, fmt::join(s.sinks, ", "),
                 fmt::join(s.calibrated, ", "));
  });
}

}  // namespace sentlens::cli
