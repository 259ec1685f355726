// Response-only splitting and user-given chunks located in the text.
#include "sentlens/text/sentence_spans.h"

#include <fmt/core.h>

#include "text/python_text.h"
#include "util/check.h"

namespace sentlens {

using namespace text_detail;

namespace {

// The beginning of a chunk for error messages: at most 40 code points.
std::string preview(std::u32string_view chunk) {
  constexpr std::size_t kPreview = 40;
  std::string text = encode_utf8(chunk.substr(0, kPreview));
  return chunk.size() > kPreview ? text + "..." : text;
}

Sentence make_sentence(std::int64_t char_start, std::int64_t char_end,
                       const std::vector<std::int64_t>& byte_offsets) {
  return Sentence{char_start, char_end, byte_offsets[static_cast<std::size_t>(char_start)],
                  byte_offsets[static_cast<std::size_t>(char_end)]};
}

// The text's code points, after checking that the response start lies within them.
std::u32string decode_with_response_start(std::string_view text, std::int64_t response_char) {
  std::u32string full = decode_utf8(text);
  const auto length = static_cast<std::int64_t>(full.size());
  SENTLENS_CHECK(response_char >= 0 && response_char <= length, InputError,
                 "prompt_chars {} lies outside the text ({} code points)", response_char, length);
  return full;
}

}  // namespace

std::int64_t find_response_start(std::string_view text, std::string_view marker) {
  SENTLENS_CHECK(!marker.empty(), InputError, "response_marker: the marker is empty");
  const std::u32string full = decode_utf8(text);
  const std::u32string needle = decode_utf8(marker);
  const std::size_t found = full.find(needle);
  SENTLENS_CHECK(found != std::u32string::npos, InputError,
                 "response_marker: the marker '{}' does not occur in the text", marker);
  return static_cast<std::int64_t>(found + needle.size());
}

std::optional<std::int64_t> response_char_start(std::string_view text,
                                                const std::optional<std::int64_t>& prompt_chars,
                                                const std::optional<std::string>& response_marker) {
  SENTLENS_CHECK(!(prompt_chars && response_marker), InputError,
                 "give the prompt length (prompt_chars) or the response marker "
                 "(response_marker), not both");
  if (response_marker) return find_response_start(text, *response_marker);
  return prompt_chars;
}

SplitResult split_response(std::string_view text, std::int64_t response_char_start,
                           const SplitOptions& options) {
  const std::u32string full = decode_with_response_start(text, response_char_start);
  const std::vector<std::int64_t> byte_offsets = char_to_byte_offsets(full);
  const auto byte_start = byte_offsets[static_cast<std::size_t>(response_char_start)];
  SplitResult result = split_sentences(text.substr(static_cast<std::size_t>(byte_start)), options);
  for (auto* spans : {&result.sentences, &result.chunk_ranges}) {
    for (Sentence& sentence : *spans) {
      sentence.char_start += response_char_start;
      sentence.char_end += response_char_start;
      sentence.byte_start += byte_start;
      sentence.byte_end += byte_start;
    }
  }
  return result;
}

SplitResult locate_chunks(std::string_view text, const std::vector<std::string>& chunks,
                          std::int64_t from_char) {
  SENTLENS_CHECK(!chunks.empty(), InputError, "the chunk list is empty");
  const std::u32string full = decode_with_response_start(text, from_char);
  const auto length = static_cast<std::int64_t>(full.size());
  // The visible (non-whitespace) code points of the text and where each one is.
  std::u32string visible;
  std::vector<std::int64_t> visible_position;
  for (std::int64_t c = from_char; c < length; ++c) {
    if (is_space(full[static_cast<std::size_t>(c)])) continue;
    visible.push_back(full[static_cast<std::size_t>(c)]);
    visible_position.push_back(c);
  }
  std::vector<std::int64_t> starts, ends;  // code points of each chunk's first and last + 1
  std::size_t cursor = 0;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    const std::u32string chunk = decode_utf8(chunks[i]);
    const std::u32string needle = remove_spaces(chunk);
    SENTLENS_CHECK(!needle.empty(), InputError, "chunk {} has no visible character", i);
    const std::size_t found = visible.find(needle, cursor);
    SENTLENS_CHECK(found != std::u32string::npos, InputError,
                   "chunk {} ('{}') does not occur in the text after chunk {} (whitespace "
                   "ignored); chunks must be in order and taken from the text",
                   i, preview(strip(chunk)),
                   i == 0 ? std::string("the start") : fmt::format("{}", i - 1));
    starts.push_back(visible_position[found]);
    ends.push_back(visible_position[found + needle.size() - 1] + 1);
    cursor = found + needle.size();
  }
  const std::vector<std::int64_t> byte_offsets = char_to_byte_offsets(full);
  SplitResult result;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    std::int64_t end = i + 1 < chunks.size() ? starts[i + 1] : ends[i];
    if (i + 1 == chunks.size()) {
      while (end < length && is_space(full[static_cast<std::size_t>(end)])) ++end;
    }
    result.sentences.push_back(make_sentence(starts[i], end, byte_offsets));
    result.chunks.push_back(encode_utf8(strip(decode_utf8(chunks[i]))));
  }
  return result;
}

}  // namespace sentlens
