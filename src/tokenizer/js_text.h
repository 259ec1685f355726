// Private Unicode helpers of the tokenizer.json backend: code points, JavaScript's notion of
// whitespace, lossy UTF-8 decoding as browsers and Node do it, and ICU normalization forms.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sentlens/tokenizer/utf8.h"

namespace sentlens::hf {

// The shared UTF-8 helpers (sentlens/tokenizer/utf8.h), under the names this backend uses.
using ::sentlens::append_utf8;
using ::sentlens::decode_code_point;
using ::sentlens::utf8_sequence_length;

/// Whether JavaScript's String.prototype.trim() removes `c`: the WhiteSpace and LineTerminator
/// productions of ECMAScript (Zs, tab, VT, FF, U+FEFF, LF, CR, U+2028, U+2029).
bool is_js_whitespace(char32_t c);

/// Decodes arbitrary bytes as UTF-8 the way TextDecoder("utf-8") does: each maximal invalid
/// subpart becomes one U+FFFD (WHATWG Encoding Standard), so the result is valid UTF-8.
std::string decode_utf8_lossy(std::string_view bytes);

/// Unicode normalization forms of the normalizers (ICU's data).
enum class NormalForm { kNfc, kNfd, kNfkc, kNfkd };

/// Whether `text` is already in `form` (a fast check before aligning a normalization).
bool is_normalized(std::string_view text, NormalForm form);
/// `text` in normalization form `form`.
std::string normalize(std::string_view text, NormalForm form);
/// Whether a normalization segment can start before `c` (ICU hasBoundaryBefore): text split at
/// such points normalizes piecewise to the same result as a whole.
bool has_normalization_boundary_before(char32_t c, NormalForm form);

/// Full Unicode lowercase mapping of `text` (as JavaScript's toLowerCase, root locale).
std::string to_lower(std::string_view text);

/// Whether `c` is a combining mark (general category M).
bool is_mark(char32_t c);

/// Whether `c` is alphanumeric or '_' (the word characters that `single_word` added tokens may
/// not touch).
bool is_word_char(char32_t c);

}  // namespace sentlens::hf
