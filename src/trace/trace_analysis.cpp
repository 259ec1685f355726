// One analysis of a trace for every command: receiver heads, broadcasting sentences, token roles,
// sinks.
#include "sentlens/trace/trace_analysis.h"

#include <fmt/format.h>

#include "util/check.h"

namespace sentlens {

TraceAnalysis analyze_trace(const Trace& trace, const AnalysisOptions& options,
                            AnalysisParts parts) {
  SENTLENS_CHECK(options.receivers.top_k >= 0, InputError,
                 "top_k must be at least 0 (0 = automatic), got {}", options.receivers.top_k);
  SENTLENS_CHECK(options.receivers.proximity_ignore >= 0, InputError,
                 "proximity_ignore must be >= 0, got {}", options.receivers.proximity_ignore);
  SENTLENS_CHECK(options.broadcasting_count >= 0, InputError,
                 "the number of broadcasting sentences must be >= 0, got {}",
                 options.broadcasting_count);
  const std::string from = options.receiver_heads_source.empty()
                               ? std::string()
                               : " (" + options.receiver_heads_source + ")";
  for (const auto& [layer, head] : options.receiver_heads) {
    SENTLENS_CHECK(layer >= 0 && layer < trace.num_layers && head >= 0 && head < trace.num_heads,
                   InputError, "receiver head {}:{}{} is outside the trace ({} layers x {} heads)",
                   layer, head, from, trace.num_layers, trace.num_heads);
  }
  TraceAnalysis result;
  result.options = options;
  result.token_texts = token_texts(trace);
  // Vertical scores need sentences farther apart than proximity_ignore and a head whose scores
  // vary; a short trace may have neither, and the other analyses still apply.
  try {
    ReceiverAnalysis analysis =
        analyze_receivers({sentence_matrices(trace, trace.model)}, options.receivers);
    if (!options.receiver_heads.empty()) use_receiver_heads(analysis, options.receiver_heads);
    result.warnings.insert(result.warnings.end(), analysis.warnings.begin(),
                           analysis.warnings.end());
    result.broadcasting = broadcasting_sentences(analysis.traces.front().receiver_head_scores,
                                                 options.broadcasting_count);
    result.receivers = std::move(analysis);
  } catch (const InputError& error) {
    result.warnings.push_back(
        fmt::format("receiver heads skipped: {} (proximity_ignore {}; try a smaller one)",
                    error.what(), options.receivers.proximity_ignore));
  }
  if (parts == AnalysisParts::kSentenceLevel) return result;
  if (trace.rhythm.empty()) {
    result.warnings.push_back(
        "token roles and sinks skipped: the trace has no token rhythm (captured without it or "
        "by an older sentlens)");
    return result;
  }
  const std::int64_t response_tokens = trace.num_tokens() - trace.rhythm.options.response_start;
  if (response_tokens >= 2) {
    TokenRoleOptions roles = options.roles;
    if (result.receivers && roles.receivers.empty())
      roles.receivers = result.receivers->receiver_heads;
    result.roles = token_roles(trace.rhythm, roles);
  } else {
    result.warnings.push_back(
        fmt::format("token roles skipped: the response has {} tokens (from token {} of {})",
                    response_tokens, trace.rhythm.options.response_start, trace.num_tokens()));
  }
  result.sinks = find_sinks(trace.rhythm.key_attention, trace.num_layers, trace.num_heads,
                            result.token_texts, options.sinks);
  return result;
}

}  // namespace sentlens
