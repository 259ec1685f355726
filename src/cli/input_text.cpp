// Private CLI helper: the text of --text / --text-file (and --json-trace) options.
#include "cli/input_text.h"

#include "sentlens/io/text_file.h"
#include "util/check.h"

namespace sentlens::cli {

std::string read_input_text(const std::string& text, const std::string& text_file) {
  if (!text_file.empty()) return read_text_file(text_file);
  SENTLENS_CHECK(!text.empty(), InputError,
                 "empty input: give a non-empty --text or a --text-file");
  return text;
}

ReasoningTraceFile read_input_trace(const std::string& text, const std::string& text_file,
                                    const std::string& json_trace) {
  if (!json_trace.empty()) return read_reasoning_trace_file(json_trace);
  ReasoningTraceFile trace;
  trace.text = read_input_text(text, text_file);
  return trace;
}

}  // namespace sentlens::cli
