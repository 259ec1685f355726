// Private CLI helper: the text of a --text / --text-file pair.
#pragma once

#include <cstdint>
#include <string>

namespace sentlens::cli {

/// Largest text file the CLI reads (1 GiB; the tokenizer's own limit is lower).
inline constexpr std::uintmax_t kMaxInputTextBytes = std::uintmax_t{1} << 30;

/// The text given inline, or read from `text_file`; throws InputError when neither is given or the
/// text is empty.
std::string read_input_text(const std::string& text, const std::string& text_file);

}  // namespace sentlens::cli
