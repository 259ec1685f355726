// One load, many traces (include/sentlens/workflow/analyze_batch.h).
#include "sentlens/workflow/analyze_batch.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "sentlens/io/reasoning_trace_file.h"
#include "sentlens/io/text_file.h"
#include "util/check.h"
#include "util/seconds.h"

namespace sentlens {

namespace {

// Letters, digits, '.', '_' and '-' kept; anything else (path separators included) becomes '_'.
std::string file_safe(const std::string& name) {
  std::string safe;
  for (char c : name) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
    safe += keep ? c : '_';
  }
  if (safe.empty() || safe == "." || safe == "..") safe = "_" + safe;
  return safe;
}

void add_file(const std::filesystem::path& path, std::vector<BatchInput>& inputs) {
  const std::string extension = path.extension().string();
  if (extension == ".jsonl") {
    for (auto& line : read_reasoning_trace_lines(path)) {
      const bool numbered = line.name.rfind("line-", 0) == 0;
      inputs.push_back({file_safe(numbered ? path.stem().string() + "-" + line.name : line.name),
                        path, std::move(line.trace.text), std::move(line.trace.chunks)});
    }
  } else if (extension == ".json") {
    auto file = read_reasoning_trace_file(path);
    inputs.push_back(
        {file_safe(path.stem().string()), path, std::move(file.text), std::move(file.chunks)});
  } else {
    inputs.push_back({file_safe(path.stem().string()), path, read_text_file(path), {}});
  }
}

// The same error type with `context: ` before the message.
[[noreturn]] void rethrow_with_context(const Error& error, const std::string& context) {
  const std::string message = context + ": " + error.what();
  if (dynamic_cast<const InputError*>(&error) != nullptr) throw InputError(message);
  if (dynamic_cast<const FormatError*>(&error) != nullptr) throw FormatError(message);
  if (dynamic_cast<const ConfigError*>(&error) != nullptr) throw ConfigError(message);
  if (dynamic_cast<const IoError*>(&error) != nullptr) throw IoError(message);
  if (dynamic_cast<const LimitError*>(&error) != nullptr) throw LimitError(message);
  throw Error(message);
}

}  // namespace

std::vector<BatchInput> collect_batch_inputs(const std::vector<std::filesystem::path>& paths) {
  SENTLENS_CHECK(!paths.empty(), InputError,
                 "no inputs: give text, JSON or JSONL files or folders");
  std::vector<BatchInput> inputs;
  for (const auto& path : paths) {
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) {
      std::vector<std::filesystem::path> files;
      for (const auto& entry : std::filesystem::directory_iterator(path, error)) {
        const auto extension = entry.path().extension().string();
        if (entry.is_regular_file() &&
            (extension == ".txt" || extension == ".json" || extension == ".jsonl")) {
          files.push_back(entry.path());
        }
      }
      SENTLENS_CHECK(!error, IoError, "{}: cannot list the folder: {}", path.string(),
                     error.message());
      SENTLENS_CHECK(!files.empty(), InputError,
                     "{}: no *.txt, *.json or *.jsonl file in the folder", path.string());
      std::sort(files.begin(), files.end());
      for (const auto& file : files) add_file(file, inputs);
    } else {
      add_file(path, inputs);
    }
  }
  std::map<std::string, std::filesystem::path> seen;
  for (const auto& input : inputs) {
    const auto [at, inserted] = seen.emplace(input.name, input.source);
    SENTLENS_CHECK(inserted, InputError,
                   "two inputs are named \"{}\" ({} and {}): their traces would overwrite each "
                   "other; rename one",
                   input.name, at->second.string(), input.source.string());
  }
  return inputs;
}

AnalyzeBatchResult run_analyze_batch(const AnalyzeBatchJob& job) {
  const auto progress = [&job](const std::string& line) {
    if (job.on_progress) job.on_progress(line);
  };
  const auto batch_start = std::chrono::steady_clock::now();
  const std::vector<BatchInput> inputs = collect_batch_inputs(job.inputs);
  SENTLENS_CHECK(!job.out_dir.empty(), InputError, "a batch needs an output folder (out_dir)");
  std::error_code error;
  std::filesystem::create_directories(job.out_dir, error);
  SENTLENS_CHECK(!error, IoError, "{}: cannot create the folder: {}", job.out_dir.string(),
                 error.message());

  AnalyzeBatchResult result;
  std::optional<Model> model;
  std::unique_ptr<Tokenizer> tokenizer;
  double computed_seconds = 0;
  std::int64_t computed = 0;
  const auto total = static_cast<std::int64_t>(inputs.size());
  for (std::int64_t i = 0; i < total; ++i) {
    const BatchInput& input = inputs[static_cast<std::size_t>(i)];
    AnalyzeBatchItem item;
    item.name = input.name;
    item.trace = job.out_dir / (input.name + ".trace.safetensors");
    if (std::filesystem::exists(item.trace)) {
      item.skipped = true;
      progress(fmt::format("[{}/{}] {}: trace exists, skipped", i + 1, total, input.name));
      result.items.push_back(std::move(item));
      continue;
    }
    if (!model) {
      progress(fmt::format("loading {}", job.job.model.dir.string()));
      const auto load_start = std::chrono::steady_clock::now();
      model.emplace(job.job.model.load_model());
      tokenizer = job.job.model.load_tokenizer();
      result.load_seconds = seconds_since(load_start);
    }
    const auto start = std::chrono::steady_clock::now();
    AnalyzeJob one = job.job;
    one.text = input.text;
    one.chunks = input.chunks;
    one.out = item.trace;
    one.report.clear();
    one.on_progress = [&](const std::string& line) {
      progress(fmt::format("[{}/{}] {}: {}", i + 1, total, input.name, line));
    };
    try {
      const AnalyzeResult analysed = analyze_text(*model, *tokenizer, one);
      item.tokens = analysed.trace.num_tokens();
      item.sentences = analysed.trace.num_sentences();
      item.warnings = analysed.analysis.warnings;
    } catch (const Error& failure) {
      // Which input failed, for a set of hundreds; the message keeps its type (exit code).
      rethrow_with_context(failure, fmt::format("{} ({})", input.name, input.source.string()));
    }
    item.seconds = seconds_since(start);
    computed_seconds += item.seconds;
    ++computed;
    std::int64_t remaining = 0;
    for (std::int64_t j = i + 1; j < total; ++j) {
      const auto& later = inputs[static_cast<std::size_t>(j)];
      if (!std::filesystem::exists(job.out_dir / (later.name + ".trace.safetensors"))) ++remaining;
    }
    progress(fmt::format(
        "[{}/{}] {}: {} tokens, {} sentences in {:.1f} s; ETA {:.0f} s", i + 1, total, input.name,
        item.tokens, item.sentences, item.seconds,
        computed_seconds / static_cast<double>(computed) * static_cast<double>(remaining)));
    result.items.push_back(std::move(item));
  }

  if (job.receivers_over_set) {
    ReceiversJob receivers;
    for (const auto& item : result.items) receivers.traces.push_back(item.trace);
    receivers.options = job.job.analysis.receivers;
    receivers.out = job.out_dir / "receivers.safetensors";
    progress(fmt::format("receiver heads over {} traces", receivers.traces.size()));
    result.receivers = run_receivers_job(receivers);
    result.receivers_file = receivers.out;
  }
  result.seconds = seconds_since(batch_start);
  return result;
}

}  // namespace sentlens
