// Private CLI helper: the text of a --text / --text-file pair.
#pragma once

#include <string>

namespace sentlens::cli {

/// The text given inline, or read from `text_file`; throws InputError when neither is given or the
/// text is empty.
std::string read_input_text(const std::string& text, const std::string& text_file);

}  // namespace sentlens::cli
