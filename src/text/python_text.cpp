// Code-point strings with Python's whitespace rules, for the text layer.
#include "text/python_text.h"

#include <algorithm>

#include "sentlens/tokenizer/utf8.h"
#include "util/check.h"

namespace sentlens::text_detail {

std::u32string decode_utf8(std::string_view text) {
  const std::int64_t invalid = find_invalid_utf8(text);
  SENTLENS_CHECK(invalid < 0, InputError, "text is not valid UTF-8: bad byte sequence at byte {}",
                 invalid);
  std::u32string out;
  out.reserve(text.size());
  std::size_t length = 0;
  for (std::size_t i = 0; i < text.size(); i += length) {
    out.push_back(decode_code_point(text, i, &length));
  }
  return out;
}

std::string encode_utf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) append_utf8(out, c);
  return out;
}

std::vector<std::int64_t> char_to_byte_offsets(std::u32string_view text) {
  std::vector<std::int64_t> offsets(text.size() + 1, 0);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char32_t c = text[i];
    offsets[i + 1] = offsets[i] + (c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4);
  }
  return offsets;
}

bool is_space(char32_t c) {
  // CPython's _PyUnicode_IsWhitespace table (bidirectional WS/B/S or category Zs).
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

bool is_word(char32_t c) {
  if (c < 0x80) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
  }
  if (is_space(c)) return false;
  if ((c >= 0x2000 && c <= 0x206F) || (c >= 0x3000 && c <= 0x303F)) return false;
  return c != 0x85 && !(c >= 0x80 && c <= 0xBF);  // C1 controls and Latin-1 punctuation
}

std::pair<std::size_t, std::size_t> strip_range(std::u32string_view text) {
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end && is_space(text[begin])) ++begin;
  while (end > begin && is_space(text[end - 1])) --end;
  return {begin, end};
}

std::u32string strip(std::u32string_view text) {
  const auto [begin, end] = strip_range(text);
  return std::u32string(text.substr(begin, end - begin));
}

std::u32string collapse_spaces(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  bool in_space = false;
  for (char32_t c : text) {
    if (is_space(c)) {
      if (!in_space) out.push_back(U' ');
      in_space = true;
    } else {
      out.push_back(c);
      in_space = false;
    }
  }
  return out;
}

std::u32string remove_spaces(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (char32_t c : text) {
    if (!is_space(c)) out.push_back(c);
  }
  return out;
}

namespace {

template <typename Char>
std::basic_string<Char> replace_every(std::basic_string_view<Char> text,
                                      std::basic_string_view<Char> old_text,
                                      std::basic_string_view<Char> new_text) {
  if (old_text.empty()) return std::basic_string<Char>(text);
  std::basic_string<Char> out;
  std::size_t position = 0;
  for (std::size_t found = text.find(old_text); found != text.npos;
       found = text.find(old_text, position)) {
    out.append(text.substr(position, found - position));
    out.append(new_text);
    position = found + old_text.size();
  }
  out.append(text.substr(position));
  return out;
}

}  // namespace

std::u32string replace_all(std::u32string_view text, std::u32string_view old_text,
                           std::u32string_view new_text) {
  return replace_every(text, old_text, new_text);
}

std::string replace_all(std::string_view text, std::string_view old_text,
                        std::string_view new_text) {
  return replace_every(text, old_text, new_text);
}

std::vector<std::u32string> split_words(std::u32string_view text) {
  std::vector<std::u32string> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    const std::size_t begin = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i > begin) words.emplace_back(text.substr(begin, i - begin));
  }
  return words;
}

std::size_t find(std::u32string_view haystack, std::u32string_view needle, std::size_t start) {
  if (start > haystack.size()) return std::u32string_view::npos;
  return haystack.find(needle, start);
}

std::u32string_view slice(std::u32string_view text, std::int64_t begin, std::int64_t end) {
  const auto size = static_cast<std::int64_t>(text.size());
  begin = std::clamp<std::int64_t>(begin, 0, size);
  end = std::clamp<std::int64_t>(end, 0, size);
  if (end <= begin) return {};
  return text.substr(static_cast<std::size_t>(begin), static_cast<std::size_t>(end - begin));
}

}  // namespace sentlens::text_detail
