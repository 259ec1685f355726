// Private CLI helpers: `--batch INPUT... --out-dir DIR [--receivers-over-set]` of `analyze` and
// `trace` (one load, many traces; sentlens/workflow/analyze_batch.h), and their output.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "sentlens/workflow/analyze_batch.h"

namespace sentlens::cli {

struct BatchArguments {
  std::vector<std::string> inputs;
  std::string out_dir;
  bool receivers_over_set = false;
  CLI::Option* batch = nullptr;
};

/// Adds --batch, --out-dir and --receivers-over-set; --out-dir and --receivers-over-set need
/// --batch, and --batch needs --out-dir.
void add_batch_options(CLI::App& command, BatchArguments& arguments);

/// Runs the batch and prints a line per input and the receiver heads found over the set (or, with
/// `json`, the whole result as JSON).
void run_and_print_batch(AnalyzeBatchJob job, const BatchArguments& arguments, bool json,
                         bool quiet);

}  // namespace sentlens::cli
