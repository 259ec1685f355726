// Reading a reasoning trace or prompt from a plain text file, with the checks every caller needs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace sentlens {

/// Largest text file read_text_file accepts by default (1 GiB; the tokenizers' limits are lower).
inline constexpr std::uintmax_t kMaxTextFileBytes = std::uintmax_t{1} << 30;

/// The whole file, byte for byte (UTF-8 is checked later, by the tokenizer and the splitter).
/// Throws IoError naming the file when it is missing, a folder or unreadable, LimitError when it
/// is larger than `max_bytes`, and InputError when it is empty: there is no text to analyse.
std::string read_text_file(const std::filesystem::path& path,
                           std::uintmax_t max_bytes = kMaxTextFileBytes);

}  // namespace sentlens
