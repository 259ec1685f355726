// UTF-8 helpers shared by the tokenizers and the text layer.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace sentlens {

/// Byte offset of the first invalid UTF-8 sequence in `text`, or -1 when it is valid.
std::int64_t find_invalid_utf8(std::string_view text);

/// Maps every byte offset 0..text.size() to the code-point index it starts (a byte inside a
/// multi-byte character maps to that character's index). Size text.size() + 1.
std::vector<std::int64_t> byte_to_char_offsets(std::string_view text);

}  // namespace sentlens
