// Token <-> sentence alignment (metrics.md §1.2).
#include "sentlens/text/alignment.h"

#include <algorithm>

#include "text/python_text.h"
#include "util/check.h"

namespace sentlens {

std::vector<std::int64_t> token_sentence_map(std::string_view text, const Encoding& encoding,
                                             const std::vector<Sentence>& sentences) {
  const std::u32string chars = text_detail::decode_utf8(text);
  const auto length = static_cast<std::int64_t>(chars.size());
  // Sentence index of every code point (-1 outside all sentences).
  std::vector<std::int64_t> owner(chars.size(), -1);
  for (std::size_t s = 0; s < sentences.size(); ++s) {
    const Sentence& sentence = sentences[s];
    SENTLENS_CHECK(sentence.char_start >= 0 && sentence.char_start <= sentence.char_end &&
                       sentence.char_end <= length,
                   InputError, "sentence {} spans characters [{}, {}) outside the text of {}", s,
                   sentence.char_start, sentence.char_end, length);
    for (std::int64_t c = sentence.char_start; c < sentence.char_end; ++c) {
      SENTLENS_CHECK(owner[static_cast<std::size_t>(c)] < 0, InputError,
                     "sentences {} and {} overlap at character {}",
                     owner[static_cast<std::size_t>(c)], s, c);
      owner[static_cast<std::size_t>(c)] = static_cast<std::int64_t>(s);
    }
  }
  std::vector<std::int64_t> map(encoding.tokens.size(), -1);
  for (std::size_t t = 0; t < encoding.tokens.size(); ++t) {
    const Token& token = encoding.tokens[t];
    if (token.special || token.char_end <= token.char_start) continue;
    SENTLENS_CHECK(token.char_start >= 0 && token.char_end <= length, InputError,
                   "token {} spans characters [{}, {}) outside the text of {}", t, token.char_start,
                   token.char_end, length);
    std::int64_t anchor = token.char_start;
    while (anchor < token.char_end &&
           text_detail::is_space(chars[static_cast<std::size_t>(anchor)])) {
      ++anchor;
    }
    if (anchor == token.char_end) anchor = token.char_start;
    map[t] = owner[static_cast<std::size_t>(anchor)];
  }
  return map;
}

std::vector<TokenRange> token_ranges_from_map(const std::vector<std::int64_t>& token_sentence,
                                              std::int64_t num_sentences) {
  std::vector<TokenRange> ranges(static_cast<std::size_t>(num_sentences));
  std::vector<bool> seen(ranges.size(), false);
  std::int64_t previous = -1;
  for (std::size_t t = 0; t < token_sentence.size(); ++t) {
    const std::int64_t s = token_sentence[t];
    if (s < 0) continue;
    SENTLENS_CHECK(s < num_sentences, InputError,
                   "token {} belongs to sentence {}, but there are only {} sentences", t, s,
                   num_sentences);
    auto& range = ranges[static_cast<std::size_t>(s)];
    const auto position = static_cast<std::int64_t>(t);
    if (!seen[static_cast<std::size_t>(s)]) {
      SENTLENS_CHECK(s > previous, InputError,
                     "token {} belongs to sentence {} after tokens of sentence {}: sentences "
                     "out of order",
                     t, s, previous);
      seen[static_cast<std::size_t>(s)] = true;
      range = TokenRange{position, position + 1};
      previous = s;
    } else {
      SENTLENS_CHECK(range.end == position, InputError,
                     "the tokens of sentence {} are not contiguous (token {} after a gap)", s, t);
      range.end = position + 1;
    }
  }
  // Empty sentences sit where the next tokens would start.
  std::int64_t cursor = 0;
  for (std::size_t s = 0; s < ranges.size(); ++s) {
    if (seen[s]) {
      cursor = ranges[s].end;
    } else {
      ranges[s] = TokenRange{cursor, cursor};
    }
  }
  return ranges;
}

std::vector<std::int64_t> token_map_from_ranges(const std::vector<TokenRange>& ranges,
                                                std::int64_t num_tokens) {
  check_token_ranges(ranges, num_tokens, "token ranges");
  std::vector<std::int64_t> map(static_cast<std::size_t>(num_tokens), -1);
  for (std::size_t s = 0; s < ranges.size(); ++s) {
    for (std::int64_t t = ranges[s].start; t < ranges[s].end; ++t) {
      map[static_cast<std::size_t>(t)] = static_cast<std::int64_t>(s);
    }
  }
  return map;
}

std::vector<TokenRange> prefix_token_ranges(const Tokenizer& tokenizer, std::string_view text,
                                            const std::vector<Sentence>& sentences) {
  auto count = [&](std::int64_t byte_end) {
    return static_cast<std::int64_t>(
        tokenizer.encode(text.substr(0, static_cast<std::size_t>(byte_end)), EncodeOptions{true})
            .size());
  };
  std::vector<TokenRange> ranges;
  ranges.reserve(sentences.size());
  for (std::size_t s = 0; s < sentences.size(); ++s) {
    const Sentence& sentence = sentences[s];
    SENTLENS_CHECK(sentence.byte_start >= 0 && sentence.byte_start <= sentence.byte_end &&
                       sentence.byte_end <= static_cast<std::int64_t>(text.size()),
                   InputError, "sentence {} spans bytes [{}, {}) outside the text of {} bytes", s,
                   sentence.byte_start, sentence.byte_end, text.size());
    const std::int64_t start = sentence.char_start > 0 ? count(sentence.byte_start) : 0;
    ranges.push_back(TokenRange{start, count(sentence.byte_end)});
  }
  return ranges;
}

void check_token_ranges(const std::vector<TokenRange>& ranges, std::int64_t num_tokens,
                        const std::string& source) {
  SENTLENS_CHECK(!ranges.empty(), InputError, "{}: zero sentences", source);
  for (std::size_t s = 0; s < ranges.size(); ++s) {
    const TokenRange& range = ranges[s];
    SENTLENS_CHECK(range.start >= 0 && range.end <= num_tokens, InputError,
                   "{}: sentence {} has tokens [{}, {}) out of range for {} tokens", source, s,
                   range.start, range.end, num_tokens);
    SENTLENS_CHECK(range.start <= range.end, InputError, "{}: sentence {} has start {} > end {}",
                   source, s, range.start, range.end);
    if (s > 0) {
      const TokenRange& previous = ranges[s - 1];
      SENTLENS_CHECK(range.start >= previous.start, InputError,
                     "{}: sentences are unsorted: sentence {} starts at token {} before sentence "
                     "{} at {}",
                     source, s, range.start, s - 1, previous.start);
      SENTLENS_CHECK(range.start >= previous.end, InputError,
                     "{}: sentences {} [{}, {}) and {} [{}, {}) overlap", source, s - 1,
                     previous.start, previous.end, s, range.start, range.end);
    }
  }
}

}  // namespace sentlens
