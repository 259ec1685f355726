// The aligned string of the tokenizer.json pipeline.
#include "tokenizer/normalized_string.h"

#include <algorithm>

namespace sentlens::hf {

NormalizedString NormalizedString::from_original(std::string_view original, std::size_t begin,
                                                 std::size_t end) {
  NormalizedString result;
  result.text.assign(original.substr(begin, end - begin));
  result.align.resize(end - begin);
  result.anchor = static_cast<std::uint32_t>(begin);
  std::size_t i = begin;
  while (i < end) {
    const std::size_t length =
        std::min(utf8_sequence_length(static_cast<unsigned char>(original[i])), end - i);
    const Span span{static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i + length)};
    for (std::size_t k = 0; k < length; ++k) result.align[i - begin + k] = span;
    i += length;
  }
  return result;
}

NormalizedString NormalizedString::slice(std::size_t begin, std::size_t end) const {
  NormalizedString result;
  result.text = text.substr(begin, end - begin);
  result.align.assign(align.begin() + static_cast<std::ptrdiff_t>(begin),
                      align.begin() + static_cast<std::ptrdiff_t>(end));
  result.anchor = span_of(begin, end).start;
  return result;
}

Span NormalizedString::span_of(std::size_t begin, std::size_t end) const {
  Span result;
  bool found = false;
  for (std::size_t i = begin; i < end; ++i) {
    if (align[i].empty()) continue;
    if (!found) {
      result = align[i];
      found = true;
    } else {
      result.start = std::min(result.start, align[i].start);
      result.end = std::max(result.end, align[i].end);
    }
  }
  if (found) return result;
  // Inserted bytes carry the position they were inserted at; an empty range takes the position
  // of the byte after it (or before it, at the end).
  std::uint32_t position = anchor;
  if (begin < end) {
    position = align[begin].start;
  } else if (begin < align.size()) {
    position = align[begin].start;
  } else if (begin > 0) {
    position = align[begin - 1].end;
  }
  return Span{position, position};
}

void NormalizedString::replace(const std::vector<ByteRange>& matches, std::string_view content) {
  if (matches.empty()) return;
  std::string new_text;
  std::vector<Span> new_align;
  new_text.reserve(text.size());
  new_align.reserve(text.size());
  std::size_t previous = 0;
  for (const auto& [begin, end] : matches) {
    new_text.append(text, previous, begin - previous);
    new_align.insert(new_align.end(), align.begin() + static_cast<std::ptrdiff_t>(previous),
                     align.begin() + static_cast<std::ptrdiff_t>(begin));
    Span span = span_of(begin, end);
    if (begin == end) span.end = span.start;
    new_text.append(content);
    new_align.insert(new_align.end(), content.size(), span);
    previous = end;
  }
  new_text.append(text, previous, std::string::npos);
  new_align.insert(new_align.end(), align.begin() + static_cast<std::ptrdiff_t>(previous),
                   align.end());
  text = std::move(new_text);
  align = std::move(new_align);
}

void NormalizedString::prepend(std::string_view prefix) {
  const std::uint32_t position = align.empty() ? anchor : span_of(0, align.size()).start;
  text.insert(0, prefix);
  align.insert(align.begin(), prefix.size(), Span{position, position});
}

namespace {

// Rebuilds `target` from per-character pieces: `chars` gives, for each source character range,
// its replacement text; all replacement bytes take the source range's span.
struct Rebuilder {
  std::string text;
  std::vector<Span> align;
  void add(const NormalizedString& source, std::size_t begin, std::size_t end,
           std::string_view replacement) {
    if (replacement == std::string_view(source.text).substr(begin, end - begin)) {
      text.append(replacement);
      align.insert(align.end(), source.align.begin() + static_cast<std::ptrdiff_t>(begin),
                   source.align.begin() + static_cast<std::ptrdiff_t>(end));
      return;
    }
    const Span span = source.span_of(begin, end);
    text.append(replacement);
    align.insert(align.end(), replacement.size(), span);
  }
};

}  // namespace

void NormalizedString::apply_normal_form(NormalForm form) {
  if (is_normalized(text, form)) return;
  // Normalize segment by segment (a segment starts where ICU says no character before it can
  // interact with it), so that every output byte keeps the span of the segment it came from.
  Rebuilder out;
  std::size_t segment_start = 0, i = 0;
  while (i <= text.size()) {
    std::size_t length = 0;
    const bool at_end = i == text.size();
    const char32_t c = at_end ? 0 : decode_code_point(text, i, &length);
    if (at_end || (i > segment_start && has_normalization_boundary_before(c, form))) {
      const std::string_view segment =
          std::string_view(text).substr(segment_start, i - segment_start);
      out.add(*this, segment_start, i, normalize(segment, form));
      segment_start = i;
    }
    if (at_end) break;
    i += length;
  }
  text = std::move(out.text);
  align = std::move(out.align);
}

void NormalizedString::lowercase() {
  const std::string whole = to_lower(text);
  if (whole == text) return;
  Rebuilder out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t length = 0;
    decode_code_point(text, i, &length);
    out.add(*this, i, i + length, to_lower(std::string_view(text).substr(i, length)));
    i += length;
  }
  // Context-dependent mappings (final sigma) come out of the whole-text mapping only; keep it
  // when it has the same length, aligned character by character.
  if (out.text.size() == whole.size()) out.text = whole;
  text = std::move(out.text);
  align = std::move(out.align);
}

void NormalizedString::strip(bool left, bool right) {
  std::size_t begin = 0, end = text.size();
  if (left) {
    while (begin < end) {
      std::size_t length = 0;
      if (!is_js_whitespace(decode_code_point(text, begin, &length))) break;
      begin += length;
    }
  }
  if (right) {
    while (end > begin) {
      std::size_t start = end - 1;
      while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
      std::size_t length = 0;
      if (!is_js_whitespace(decode_code_point(text, start, &length))) break;
      end = start;
    }
  }
  if (begin == 0 && end == text.size()) return;
  *this = slice(begin, end);
}

void NormalizedString::remove_marks() {
  Rebuilder out;
  std::size_t i = 0;
  bool changed = false;
  while (i < text.size()) {
    std::size_t length = 0;
    const char32_t c = decode_code_point(text, i, &length);
    if (is_mark(c)) {
      changed = true;
    } else {
      out.add(*this, i, i + length, std::string_view(text).substr(i, length));
    }
    i += length;
  }
  if (!changed) return;
  text = std::move(out.text);
  align = std::move(out.align);
}

}  // namespace sentlens::hf
