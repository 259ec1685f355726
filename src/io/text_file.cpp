#include "sentlens/io/text_file.h"

#include "io/json_file.h"
#include "util/check.h"

namespace sentlens {

std::string read_text_file(const std::filesystem::path& path, std::uintmax_t max_bytes) {
  std::string bytes = read_file_bytes(path, max_bytes);
  SENTLENS_CHECK(!bytes.empty(), InputError, "{}: the file is empty: there is no text",
                 path.string());
  return bytes;
}

}  // namespace sentlens
