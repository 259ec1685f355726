// UTF-8 helpers shared by the tokenizers and the text layer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sentlens {

/// Length in bytes of the UTF-8 sequence led by `lead` (1 for a stray continuation byte).
inline std::size_t utf8_sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

/// The code point starting at text[i] of valid UTF-8 text; its length in bytes goes to `length`
/// (a sequence cut by the end of the text is decoded from the bytes there are).
char32_t decode_code_point(std::string_view text, std::size_t i, std::size_t* length);

/// Appends the UTF-8 form of `code_point`.
void append_utf8(std::string& out, char32_t code_point);

/// Byte offset of the first invalid UTF-8 sequence in `text`, or -1 when it is valid.
std::int64_t find_invalid_utf8(std::string_view text);

/// Maps every byte offset 0..text.size() to the code-point index it starts (a byte inside a
/// multi-byte character maps to that character's index). Size text.size() + 1.
std::vector<std::int64_t> byte_to_char_offsets(std::string_view text);

}  // namespace sentlens
