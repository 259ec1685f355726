// Private CLI helper: the text of a --text / --text-file pair.
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

}  // namespace sentlens::cli
