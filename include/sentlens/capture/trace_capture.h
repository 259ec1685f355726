// Capturing a trace: tokenize, split into sentences, align, run the forward pass with streaming
// sentence pooling, and collect everything the trace file holds.
#pragma once

#include <cstdint>
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

/// Runs `model` on the aligned text with a SentencePoolingObserver and returns the trace.
Trace capture_trace(const Model& model, const Tokenizer& tokenizer, const std::string& text,
                    const TraceParameters& parameters);

/// capture_trace on an already aligned text; `extra_observers` ride on the same forward pass
/// (e.g. progress or a user's own accumulator).
Trace capture_aligned(const Model& model, const Tokenizer& tokenizer, const std::string& text,
                      const AlignedText& aligned, const TraceParameters& parameters,
                      const std::vector<AttentionObserver*>& extra_observers = {});

}  // namespace sentlens
