// Private CLI helpers for batches of traces (batch_options.h).
#include "cli/batch_options.h"
#include "cli/flag_names.h"

#include <cstdio>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/progress.h"

namespace sentlens::cli {

void add_batch_options(CLI::App& command, BatchArguments& arguments) {
  arguments.batch =
      command.add_option("--batch", arguments.inputs,
                         "Many inputs through one loaded model: text files, JSON trace files, "
                         "JSONL files (one trace per line) or folders of them; one trace each "
                         "into --out-dir, skipping traces already there (a killed run resumes)");
  auto* out_dir = command.add_option("--out-dir", arguments.out_dir,
                                     "Folder for the batch's traces (NAME.trace.safetensors)");
  auto* receivers = command.add_flag(
      "--receivers-over-set", arguments.receivers_over_set,
      "After the batch, find receiver heads over every trace of the set and write them to "
      "OUT_DIR/receivers.safetensors, a heads file analyze can take");
  out_dir->needs(arguments.batch);
  receivers->needs(arguments.batch);
  arguments.batch->needs(out_dir);
}

void run_and_print_batch(AnalyzeBatchJob job, const BatchArguments& arguments, bool json,
                         bool quiet) {
  for (const auto& input : arguments.inputs) job.inputs.emplace_back(input);
  job.out_dir = arguments.out_dir;
  job.receivers_over_set = arguments.receivers_over_set;
  job.on_progress = stderr_progress(quiet);
  const AnalyzeBatchResult result = run_analyze_batch(job);
  end_progress_line(quiet);
  std::int64_t skipped = 0;
  for (const auto& item : result.items) skipped += item.skipped ? 1 : 0;
  if (json) {
    nlohmann::json out;
    out["out_dir"] = job.out_dir.string();
    out["load_seconds"] = result.load_seconds;
    out["seconds"] = result.seconds;
    out["items"] = nlohmann::json::array();
    for (const auto& item : result.items) {
      out["items"].push_back({{"name", item.name},
                              {"trace", item.trace.string()},
                              {"skipped", item.skipped},
                              {"tokens", item.tokens},
                              {"sentences", item.sentences},
                              {"seconds", item.seconds},
                              {"warnings", in_cli_terms(item.warnings)}});
    }
    if (result.receivers) {
      out["receivers_file"] = result.receivers_file.string();
      out["receiver_heads"] = nlohmann::json::array();
      for (const auto& [layer, head] : result.receivers->analysis.receiver_heads) {
        out["receiver_heads"].push_back({{"layer", layer}, {"head", head}});
      }
    }
    // Paths are bytes: invalid UTF-8 in one is replaced rather than failing the output.
    fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return;
  }
  for (const auto& item : result.items) {
    if (item.skipped) {
      fmt::print("{:<32} skipped (trace exists)  {}\n", item.name, item.trace.string());
    } else {
      fmt::print("{:<32} {:>6} tokens {:>4} sentences {:>8.1f} s  {}\n", item.name, item.tokens,
                 item.sentences, item.seconds, item.trace.string());
    }
  }
  fmt::print("{} inputs: {} traced, {} skipped; load {:.1f} s, total {:.1f} s\n",
             result.items.size(), result.items.size() - static_cast<std::size_t>(skipped), skipped,
             result.load_seconds, result.seconds);
  if (result.receivers) {
    std::string heads;
    for (const auto& [layer, head] : result.receivers->analysis.receiver_heads) {
      heads += fmt::format("{}L{}H{}", heads.empty() ? "" : " ", layer, head);
    }
    fmt::print("receiver heads over the set: {}\nwrote {}\n", heads,
               result.receivers_file.string());
  }
}

}  // namespace sentlens::cli
