// Private CLI helper: the text of a --text / --text-file pair.
#include "cli/input_text.h"

#include "io/json_file.h"
#include "util/check.h"

namespace sentlens::cli {

std::string read_input_text(const std::string& text, const std::string& text_file) {
  if (!text_file.empty()) {
    std::string bytes = read_file_bytes(text_file, kMaxInputTextBytes);
    SENTLENS_CHECK(!bytes.empty(), InputError, "{}: the file is empty: there is no text",
                   text_file);
    return bytes;
  }
  SENTLENS_CHECK(!text.empty(), InputError,
                 "empty input: give a non-empty --text or a --text-file");
  return text;
}

}  // namespace sentlens::cli
