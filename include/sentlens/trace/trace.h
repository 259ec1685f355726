// The trace: everything needed to re-run the sentence-level analyses without the model, and its
// file (one .safetensors, schema version 1, documented in docs/trace-format.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sentlens/analysis/receivers.h"
#include "sentlens/analysis/token_rhythm.h"
#include "sentlens/text/alignment.h"
#include "sentlens/text/splitter.h"
#include "sentlens/trace/analysis_options.h"
#include "sentlens/util/forward_settings.h"

namespace sentlens {

/// The schema version this sentlens writes and the only one it reads.
inline constexpr std::int64_t kTraceSchemaVersion = 1;

/// One token of the model input with its span in the text (empty for BOS / special tokens).
struct TraceToken {
  std::int64_t id = 0;
  std::int64_t byte_start = 0;
  std::int64_t byte_end = 0;
  std::int64_t char_start = 0;
  std::int64_t char_end = 0;
};

/// How a trace was made.
struct TraceParameters {
  SplitOptions split;       // the splitter; split.profile also rules alignment and pooling
  bool add_bos = true;      // BOS added by the tokenizer
  ForwardSettings forward;  // the capture pass's block size and position limit
  std::int64_t response_char_start = 0;  // the prompt before this code point is in no sentence
                                         // (--prompt-chars / --response-start; 0 = no prompt)
  bool token_rhythm = true;              // also accumulate the token rhythm (metrics.md §2, §3)
  bool token_entropy = false;            // and the token entropy: needs the LM head's [T, V] logits
                                         // in memory (our choice: opt-in, T·V floats is GiBs)
  // The token rhythm's parameters (TokenRhythmOptions). The first response token (the prompt
  // length) unset, the default, is the first sentence's first token, so the prompt before the
  // first sentence is never response; capture resolves it, and a trace read back holds it set.
  std::optional<std::int64_t> response_token;
  std::int64_t window = TokenRhythmOptions{}.window;          // WAAD window W
  std::int64_t horizon_lo = TokenRhythmOptions{}.horizon_lo;  // FAI horizon H_lo
  std::int64_t horizon_hi = TokenRhythmOptions{}.horizon_hi;  // FAI horizon H_hi, -1 = to the end

  /// The token rhythm's options, with the response start resolved against the first sentence's
  /// first token.
  TokenRhythmOptions rhythm_options(std::int64_t first_sentence_token) const;
};

/// A trace of one text through one model.
struct Trace {
  std::string model;                  // checkpoint path or id
  std::string config_fingerprint;     // ModelConfig::fingerprint()
  std::string tokenizer_fingerprint;  // Tokenizer::fingerprint()
  std::string library_version;        // sentlens version that wrote it
  std::string text;                   // the full text, UTF-8
  TraceParameters parameters;
  std::vector<Sentence> sentences;           // [S] spans of the text
  std::vector<TokenRange> sentence_tokens;   // [S] token ranges before any pooling clamp
  std::vector<TraceToken> tokens;            // [T]
  std::vector<std::int64_t> token_sentence;  // [T] sentence of each token, -1 for none
  std::int64_t num_layers = 0;
  std::int64_t num_heads = 0;
  std::vector<float> sentence_attention;  // [L, H, S, S] mean attention, sentence i -> j
  TokenRhythm rhythm;  // per-head token statistics (empty when not captured, or an older file)
  /// Attention suppression (metrics.md §1.8), added by `sentlens suppress --trace`: E[target,
  /// suppressed] row-major [S, S]; empty when not computed.
  std::vector<double> suppression_kl;
  std::optional<Profile> suppression_profile;  // set exactly when suppression_kl is present
  double suppression_temperature = 0;
  /// Black-box importance (metrics.md §1.9), added by `sentlens importance --trace`: row-major
  /// [S, M] with one column per name of `rollout_metrics` (the original's names), NaN where a
  /// sentence was not analysed; `step_importance` [S, S] the sentence-to-sentence matrix, NaN
  /// outside its rows and columns. Empty when not computed.
  std::vector<std::string> rollout_metrics;
  std::vector<double> rollout_importance;
  std::vector<double> step_importance;
  std::string rollout_source;      // the rollout folder they came from
  std::string rollout_embeddings;  // which sentence embeddings were used
  /// How `sentlens analyze` analysed it (receiver heads and their source, token roles, sinks);
  /// `report` and `export-ta` start from these. Absent for a trace that was only captured.
  std::optional<AnalysisOptions> analysis;

  std::int64_t num_tokens() const { return static_cast<std::int64_t>(tokens.size()); }
  std::int64_t num_sentences() const { return static_cast<std::int64_t>(sentences.size()); }
};

/// Checks the trace's internal consistency (sizes, ranges, token map); throws FormatError naming
/// `source` and the first inconsistency.
void validate_trace(const Trace& trace, const std::string& source);

/// Writes the trace atomically (temporary file + rename); throws IoError naming the path.
void write_trace(const Trace& trace, const std::filesystem::path& path);

/// Reads a trace file; throws FormatError naming the file for an unknown schema version, missing
/// or mis-shaped tensors, or inconsistent metadata.
Trace read_trace(const std::filesystem::path& path);

/// The UTF-8 text of each token (its byte span of the text; empty for BOS / special tokens).
std::vector<std::string> token_texts(const Trace& trace);

/// The trace's sentence matrices, for analyze_receivers (source = `source`).
SentenceMatrices sentence_matrices(const Trace& trace, const std::string& source);

}  // namespace sentlens
