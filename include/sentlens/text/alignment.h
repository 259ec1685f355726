// Token <-> sentence alignment (metrics.md §1.2): from the tokenizer's character spans (clean) or
// by re-tokenizing prefixes as the original code does (reference).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sentlens/text/splitter.h"
#include "sentlens/tokenizer/tokenizer.h"

namespace sentlens {

/// The tokens of one sentence: positions [start, end) of the model input. May be empty.
struct TokenRange {
  std::int64_t start = 0;
  std::int64_t end = 0;
  std::int64_t size() const { return end - start; }
};

/// Clean alignment (design principle 5: offsets are the truth). Token t belongs to the sentence
/// whose span holds the token's first non-whitespace code point (its first code point when it is
/// all whitespace), so " Next" after "done. " goes with "Next"'s sentence. Special tokens (BOS,
/// empty spans) and tokens outside every sentence get -1. Returns one index per token.
std::vector<std::int64_t> token_sentence_map(std::string_view text, const Encoding& encoding,
                                             const std::vector<Sentence>& sentences);

/// The token range of each of `num_sentences` sentences from a token -> sentence map (-1 = none).
/// Throws InputError when a sentence's tokens are not contiguous or sentences are out of order.
/// A sentence without tokens gets an empty range placed after the previous sentence's tokens.
std::vector<TokenRange> token_ranges_from_map(const std::vector<std::int64_t>& token_sentence,
                                              std::int64_t num_sentences);

/// The token -> sentence map of `num_tokens` tokens for ranges (-1 for tokens in no range).
/// Ranges must be valid (see check_token_ranges).
std::vector<std::int64_t> token_map_from_ranges(const std::vector<TokenRange>& ranges,
                                                std::int64_t num_tokens);

/// Reference alignment (metrics.md §1.2 step 3, [QUIRK] prefix re-tokenization): sentence i
/// spans tokens [len(encode(text[:c0])), len(encode(text[:c1]))), with the tokenizer's special
/// tokens (BOS) added as the original's `tokenizer.encode` does, and start 0 when c0 == 0.
/// Costs 2·S encodes of growing prefixes.
std::vector<TokenRange> prefix_token_ranges(const Tokenizer& tokenizer, std::string_view text,
                                            const std::vector<Sentence>& sentences);

/// Checks ranges against a sequence of `num_tokens` tokens: 0 <= start <= end <= num_tokens,
/// sorted by start and non-overlapping. Throws InputError naming `source`, the sentence and the
/// problem; also when there are no ranges at all.
void check_token_ranges(const std::vector<TokenRange>& ranges, std::int64_t num_tokens,
                        const std::string& source);

}  // namespace sentlens
