// Private CLI helper: the text of --text / --text-file (and --json-trace) options.
#pragma once

#include <string>

#include "sentlens/io/reasoning_trace_file.h"

namespace sentlens::cli {

/// The text given inline, or read from `text_file`; throws InputError when neither is given or the
/// text is empty.
std::string read_input_text(const std::string& text, const std::string& text_file);

/// The text of a --text / --text-file / --json-trace triple, with the JSON trace's pre-split
/// `chunks` when it has them (read_reasoning_trace_file); otherwise as read_input_text.
ReasoningTraceFile read_input_trace(const std::string& text, const std::string& text_file,
                                    const std::string& json_trace);

}  // namespace sentlens::cli
