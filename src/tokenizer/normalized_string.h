// Private: a string being normalized and pre-tokenized, with every byte aligned to the span of the
// original text it came from, so that tokens get exact spans in the caller's text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/js_text.h"
#include "tokenizer/pcre_regex.h"

namespace sentlens::hf {

/// A half-open byte span [start, end) of the original text. Bytes inserted by a normalizer or
/// pre-tokenizer (a prepended "▁", a prefix space) have an empty span at their position.
struct Span {
  std::uint32_t start = 0;
  std::uint32_t end = 0;
  bool empty() const { return start == end; }
};

/// A piece of text with one original-text span per byte. A byte of an unchanged character is
/// aligned to that whole character (so tokens that split a character share its span).
struct NormalizedString {
  std::string text;
  std::vector<Span> align;   // [text.size()]
  std::uint32_t anchor = 0;  // original position of this piece (for spans of inserted text)

  /// The original text [begin, end) (valid UTF-8), aligned to itself.
  static NormalizedString from_original(std::string_view original, std::size_t begin,
                                        std::size_t end);

  bool empty() const { return text.empty(); }
  /// The sub-piece of bytes [begin, end) of `text`.
  NormalizedString slice(std::size_t begin, std::size_t end) const;
  /// The original span covered by bytes [begin, end): from the first to the last non-empty byte
  /// span, or an empty span where the bytes were all inserted.
  Span span_of(std::size_t begin, std::size_t end) const;

  /// Replaces each range of `matches` (ordered, disjoint) by `content`; the new bytes take the
  /// span of the text they replace.
  void replace(const std::vector<ByteRange>& matches, std::string_view content);
  /// Inserts `prefix` at the start, with an empty span.
  void prepend(std::string_view prefix);
  /// Rewrites the text as `form`, aligning each changed normalization segment as a whole.
  void apply_normal_form(NormalForm form);
  /// Lowercases the text (full mapping); a changed character keeps the span of the original one.
  void lowercase();
  /// Removes leading and/or trailing JavaScript whitespace.
  void strip(bool left, bool right);
  /// Removes combining marks.
  void remove_marks();
};

}  // namespace sentlens::hf
