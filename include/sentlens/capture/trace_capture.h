// Capturing a trace: tokenize, split into sentences, align, run the forward pass with streaming
// sentence pooling, and collect everything the trace file holds.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "sentlens/model/model.h"
#include "sentlens/tokenizer/tokenizer.h"
#include "sentlens/trace/trace.h"

namespace sentlens {

/// The sentences and token alignment of a text, before any forward pass.
struct AlignedText {
  Encoding encoding;
  SplitResult split;
  std::vector<TokenRange> sentence_tokens;   // [S]
  std::vector<std::int64_t> token_sentence;  // [T], -1 for tokens in no sentence
};

/// Tokenizes and splits `text` per `parameters` and aligns tokens and sentences: clean = from
/// the tokenizer's spans; reference = prefix re-tokenization (ranges clamped to T). Throws
/// InputError for empty text, invalid UTF-8 or a text with no sentence.
AlignedText align_text(const Tokenizer& tokenizer, const std::string& text,
                       const TraceParameters& parameters);

/// align_text with the sentences given (split_response, locate_chunks) instead of splitting the
/// whole text. Throws InputError for an empty text or no sentence.
AlignedText align_sentences(const Tokenizer& tokenizer, const std::string& text, SplitResult split,
                            const TraceParameters& parameters);

/// The splitter options of `parameters`.
SplitOptions split_options(const TraceParameters& parameters);

/// Runs `model` on the aligned text with a SentencePoolingObserver and returns the trace.
Trace capture_trace(const Model& model, const Tokenizer& tokenizer, const std::string& text,
                    const TraceParameters& parameters);

/// capture_trace on an already aligned text; `extra_observers` ride on the same forward pass
/// (e.g. progress or a user's own accumulator).
Trace capture_aligned(const Model& model, const Tokenizer& tokenizer, const std::string& text,
                      const AlignedText& aligned, const TraceParameters& parameters,
                      const std::vector<AttentionObserver*>& extra_observers = {});

/// The `sentlens trace` job.
struct TraceJob {
  std::filesystem::path model_dir;  // checkpoint folder (with its tokenizer)
  std::string text;                 // the text to trace
  // The prompt before the response belongs to no sentence: it ends at this code point, or right
  // after the first occurrence of the marker (at most one; neither = split the whole text). With
  // a prompt, parameters.rhythm.response_start 0 (the default) means -1, the first sentence's
  // first token: the prompt is never the token rhythm's response; a positive value is kept.
  std::optional<std::int64_t> prompt_chars;
  std::optional<std::string> response_marker;
  TraceParameters parameters;
  std::string device = "cpu";  // torch device string: "cpu", "cuda", "cuda:1" (our default)
  int threads = 0;             // intra-op threads; 0 = all cores
  WeightsMode weights = WeightsMode::kAuto;  // resident, streamed or chosen by memory
  std::filesystem::path out;                 // trace file to write
};

struct TraceSummary {
  std::int64_t tokens = 0;
  std::int64_t sentences = 0;
  std::int64_t layers = 0;
  std::int64_t heads = 0;
  double load_seconds = 0;
  double forward_seconds = 0;
  double write_seconds = 0;
};

/// Loads the model and tokenizer, captures the trace and writes it atomically.
TraceSummary run_trace_job(const TraceJob& job);

}  // namespace sentlens
