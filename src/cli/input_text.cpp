// Private CLI helper: the text of a --text / --text-file pair.
#include "cli/input_text.h"

#include "io/json_file.h"
#include "util/check.h"

namespace sentlens::cli {

std::string read_input_text(const std::string& text, const std::string& text_file) {
  if (!text_file.empty()) return read_file_bytes(text_file, std::uintmax_t{1} << 30);
  SENTLENS_CHECK(!text.empty(), InputError,
                 "empty input: give a non-empty --text, a --text-file or --ids");
  return text;
}

}  // namespace sentlens::cli
