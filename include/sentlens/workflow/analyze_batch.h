// One load, many traces: `sentlens analyze --batch` / `sentlens trace --batch` run every input of
// a set through one loaded model, write one trace per input into a folder, skip inputs whose trace
// is already there (so a killed run resumes), and can find receiver heads over the whole set.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sentlens/workflow/analyze.h"
#include "sentlens/workflow/receivers_job.h"

namespace sentlens {

/// One input of a batch.
struct BatchInput {
  std::string name;                 // the output's name: OUT_DIR/NAME.trace.safetensors
  std::filesystem::path source;     // the file it came from
  std::string text;                 // the full text
  std::vector<std::string> chunks;  // pre-split sentences, when the input gave them
};

/// The inputs named by `paths`: a text file (name: its stem), a JSON trace file (`text` /
/// `full_cot` and optional `chunks`, as --json-trace reads), a JSON Lines file (one such object per
/// line; name: its `id` / `problem_id` / `name`, else "STEM-line-N"), or a folder (its *.txt,
/// *.json and *.jsonl files, sorted by name). Names are made file-safe; two inputs with one name
/// are an InputError naming both sources.
std::vector<BatchInput> collect_batch_inputs(const std::vector<std::filesystem::path>& paths);

struct AnalyzeBatchJob {
  AnalyzeJob job;  // model, weights, splitting and analysis options for every input (its text,
                   // chunks, out and report are ignored)
  std::vector<std::filesystem::path> inputs;  // see collect_batch_inputs
  std::filesystem::path out_dir;              // created if missing
  bool receivers_over_set = false;  // at the end: receiver heads over every trace of the set,
                                    // written to OUT_DIR/receivers.safetensors
  std::function<void(const std::string&)> on_progress;  // progress lines (e.g. to stderr)
};

struct AnalyzeBatchItem {
  std::string name;
  std::filesystem::path trace;  // the trace file written (or found)
  bool skipped = false;         // the trace existed: not recomputed
  std::int64_t tokens = 0;      // 0 when skipped
  std::int64_t sentences = 0;
  double seconds = 0;
  std::vector<std::string> warnings;
};

struct AnalyzeBatchResult {
  std::vector<AnalyzeBatchItem> items;
  std::optional<ReceiversReport> receivers;  // when receivers_over_set
  std::filesystem::path receivers_file;
  double load_seconds = 0;  // 0 when every input was skipped (the model is then not loaded)
  double seconds = 0;
};

/// Runs the batch. The model and tokenizer are loaded once, on the first input that needs them.
/// Each trace is written atomically, so a killed run leaves only complete traces behind.
AnalyzeBatchResult run_analyze_batch(const AnalyzeBatchJob& job);

}  // namespace sentlens
