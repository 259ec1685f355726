// Every analysis of a trace that needs no model: receiver heads and broadcasting sentences
// (metrics.md §1.4-1.7), token roles (§2) and sinks (§3). `analyze`, `report`, `export-ta` and
// `tokens` all go through analyze_trace, so one trace and one set of options give one answer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sentlens/analysis/receivers.h"
#include "sentlens/analysis/sinks.h"
#include "sentlens/analysis/token_rhythm.h"
#include "sentlens/trace/analysis_options.h"
#include "sentlens/trace/trace.h"

namespace sentlens {

struct TraceAnalysis {
  AnalysisOptions options;                    // as used (top_k 0 resolved in receivers->top_k)
  std::vector<std::string> token_texts;       // [T]
  std::optional<ReceiverAnalysis> receivers;  // absent when the trace cannot support it (warning)
  std::vector<std::int64_t> broadcasting;     // best first, at most options.broadcasting_count
  std::optional<TokenRoles> roles;            // absent without a token rhythm or a response
  std::optional<SinkReport> sinks;            // absent without a token rhythm
  std::vector<std::string> warnings;          // analyses that could not run and why
};

/// Which analyses to run: all of them, or only the sentence-level ones (receiver heads and
/// broadcasting sentences), which is what the Thought Anchors export needs.
enum class AnalysisParts { kAll, kSentenceLevel };

/// The analyses `options` asks for (of `parts`). An analysis the trace cannot support (too few
/// sentences for proximity_ignore, no token rhythm, a response of fewer than two tokens) is left
/// out with a warning; bad options and receiver heads outside the trace are an InputError.
TraceAnalysis analyze_trace(const Trace& trace, const AnalysisOptions& options,
                            AnalysisParts parts = AnalysisParts::kAll);

/// The trace's shape and sentences with the analysis, as JSON (the schema of `sentlens analyze
/// --json`, docs/cli.md, without its timings and output paths): model, tokens, sentences, layers,
/// heads, sentence_list, receiver_heads, receiver_heads_from, broadcasting_sentences,
/// response_start, anchor_tokens, preplan_tokens, sinks, suppression, warnings. Undefined values
/// (NaN) are null; invalid UTF-8 in the text is replaced.
std::string trace_analysis_json(const Trace& trace, const TraceAnalysis& analysis, int indent = 2);

}  // namespace sentlens
