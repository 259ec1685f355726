// The `sentlens analyze` job: one command from a checkpoint and a reasoning trace to every
// sentence-level metric — tokenize, split, one capture pass with every accumulator, receiver heads
// and broadcasting sentences, token roles, sinks, optional suppression — and the trace file.
#pragma once

#include "sentlens/model/model.h"
#include "sentlens/model/model_source.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sentlens/suppression/suppression.h"
#include "sentlens/tokenizer/tokenizer.h"
#include "sentlens/trace/trace.h"
#include "sentlens/trace/trace_analysis.h"

namespace sentlens {

struct AnalyzeJob {
  ModelSource model;                // checkpoint folder, tokenizer, device, threads, weights mode
  std::string text;                 // the full text (prompt and response)
  std::vector<std::string> chunks;  // pre-split sentences (e.g. a data set's `chunks`); empty =
                                    // split the text with parameters' profile
  std::optional<std::int64_t> prompt_chars;    // the response starts at this code point; the
                                               // prompt before it belongs to no sentence
  std::optional<std::string> response_marker;  // or right after the first occurrence of this
  TraceParameters parameters;                  // splitter, alignment, pooling, token rhythm
  AnalysisOptions analysis;  // receiver heads, token roles, sinks (recorded in the trace)
  bool analyses = true;      // false: stop after the capture (and suppression), as `sentlens trace`
  bool suppress = false;     // also compute the suppression matrix (1 + S forwards, batched)
  SuppressionOptions suppression;  // its `forward` is parameters.forward: the same for both passes
  std::filesystem::path out;       // trace file to write (empty = none)
  std::filesystem::path report;    // self-contained HTML report to write (empty = none)
  std::function<void(const std::string&)> on_progress;  // progress lines (e.g. to stderr)
};

/// Wall-clock seconds of each stage.
struct AnalyzeTimings {
  double load = 0;         // model and tokenizer
  double align = 0;        // tokenize, split, align
  double forward = 0;      // the capture pass
  double analysis = 0;     // receivers, token roles, sinks
  double suppression = 0;  // 0 when not asked
  double write = 0;        // trace file
  double report = 0;       // HTML report
};

struct AnalyzeResult {
  Trace trace;             // with suppression_kl when suppress was asked, and the analysis options
  TraceAnalysis analysis;  // empty when the analyses were not asked (`sentlens trace`)
  std::uintmax_t report_bytes = 0;  // size of the HTML report (0 = none written)
  AnalyzeTimings seconds;
};

/// Runs the job. Throws sentlens::Error subclasses naming the input and the problem; an analysis
/// that the trace cannot support (e.g. fewer sentences than proximity_ignore + 1) is skipped with a
/// warning in the result instead.
AnalyzeResult run_analyze_job(const AnalyzeJob& job);

/// run_analyze_job with the model and tokenizer already loaded (job.model_dir, device, threads and
/// weights are not used): many texts, one load.
AnalyzeResult analyze_text(const Model& model, const Tokenizer& tokenizer, const AnalyzeJob& job);

}  // namespace sentlens
