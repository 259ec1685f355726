// Private helpers for the text layer: code-point strings with Python's notion of whitespace, so
// that the reference splitter indexes and strips exactly as the original Python code does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sentlens::text_detail {

/// Decodes valid UTF-8 (throws InputError naming the byte offset of an invalid sequence).
std::u32string decode_utf8(std::string_view text);
/// Encodes code points as UTF-8.
std::string encode_utf8(std::u32string_view text);
/// Byte offset of every code point index 0..size (size + 1 entries).
std::vector<std::int64_t> char_to_byte_offsets(std::u32string_view text);

/// Python's str.isspace() for one code point (also what `\s` matches in a str regex).
bool is_space(char32_t c);
/// Python's `\w` for one code point, approximated: ASCII letters, digits, underscore, and every
/// non-ASCII code point that is not whitespace or general punctuation (U+2000–U+206F,
/// U+3000–U+303F).
bool is_word(char32_t c);

/// Python's s.strip(): the half-open range [begin, end) of `text` without leading and trailing
/// whitespace (begin == end when all of it is whitespace).
std::pair<std::size_t, std::size_t> strip_range(std::u32string_view text);
std::u32string strip(std::u32string_view text);
/// re.sub(r"\s+", " ", text).
std::u32string collapse_spaces(std::u32string_view text);
/// re.sub(r"\s+", "", text).
std::u32string remove_spaces(std::u32string_view text);
/// Python's str.replace(old, new): every non-overlapping occurrence, left to right (an empty
/// `old_text` leaves the text as it is).
std::u32string replace_all(std::u32string_view text, std::u32string_view old_text,
                           std::u32string_view new_text);
/// The same on UTF-8 (byte matching of valid UTF-8 is code-point matching).
std::string replace_all(std::string_view text, std::string_view old_text,
                        std::string_view new_text);
/// text.split() (on runs of whitespace, no empty items).
std::vector<std::u32string> split_words(std::u32string_view text);
/// Python's str.find(needle, start); npos when absent. Like Python, an empty needle is found at
/// `start` when start <= size.
std::size_t find(std::u32string_view haystack, std::u32string_view needle, std::size_t start);
/// Python slicing text[begin:end] with both clamped to [0, size].
std::u32string_view slice(std::u32string_view text, std::int64_t begin, std::int64_t end);

}  // namespace sentlens::text_detail
