// UTF-8 validation and byte -> code point offset maps.
#include "sentlens/tokenizer/utf8.h"

#include <algorithm>

namespace sentlens {

char32_t decode_code_point(std::string_view text, std::size_t i, std::size_t* length) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  const std::size_t n = std::min(utf8_sequence_length(lead), text.size() - i);
  *length = n;
  if (n == 1) return lead;
  char32_t cp = lead & (0xFF >> (n + 1));
  for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (byte(i + k) & 0x3F);
  return cp;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

namespace {
// Length of the UTF-8 sequence starting at text[i], or 0 when it is not a valid sequence
// (overlong forms, surrogates and code points above U+10FFFF are invalid, as in Python).
std::size_t valid_sequence_length(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  std::size_t remaining = text.size() - i;
  auto continuation = [&](std::size_t k) { return (byte(k) & 0xC0) == 0x80; };
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) {
    return remaining >= 2 && continuation(i + 1) ? 2 : 0;
  }
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (remaining < 3 || !continuation(i + 1) || !continuation(i + 2)) return 0;
    unsigned char second = byte(i + 1);
    if (lead == 0xE0 && second < 0xA0) return 0;  // overlong
    if (lead == 0xED && second > 0x9F) return 0;  // surrogate
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (remaining < 4 || !continuation(i + 1) || !continuation(i + 2) || !continuation(i + 3)) {
      return 0;
    }
    unsigned char second = byte(i + 1);
    if (lead == 0xF0 && second < 0x90) return 0;  // overlong
    if (lead == 0xF4 && second > 0x8F) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}
}  // namespace

std::int64_t find_invalid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t length = valid_sequence_length(text, i);
    if (length == 0) return static_cast<std::int64_t>(i);
    i += length;
  }
  return -1;
}

std::vector<std::int64_t> byte_to_char_offsets(std::string_view text) {
  std::vector<std::int64_t> offsets(text.size() + 1, 0);
  std::int64_t char_index = -1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    // Every byte that is not a continuation byte starts a new character.
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++char_index;
    offsets[i] = char_index < 0 ? 0 : char_index;
  }
  offsets[text.size()] = char_index + 1;
  return offsets;
}

}  // namespace sentlens
