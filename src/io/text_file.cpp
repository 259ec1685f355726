#include "sentlens/io/text_file.h"

#include <sys/stat.h>

#include <fstream>
#include <iostream>

#include "io/json_file.h"
#include "util/check.h"

namespace sentlens {

namespace {

// A pipe, FIFO or terminal has no size to check first: read up to the limit, and one byte more to
// know whether the text is longer.
std::string read_stream(std::istream& in, const std::string& name, std::uintmax_t max_bytes) {
  std::string bytes;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    bytes.append(buffer, static_cast<std::size_t>(in.gcount()));
    SENTLENS_CHECK(bytes.size() <= max_bytes, LimitError, "{}: more than the {} bytes allowed",
                   name, max_bytes);
  }
  SENTLENS_CHECK(!in.bad(), IoError, "{}: read failed", name);
  return bytes;
}

}  // namespace

std::string read_text_file(const std::filesystem::path& path, std::uintmax_t max_bytes) {
  std::string bytes;
  struct stat status {};
  if (path == "-") {
    bytes = read_stream(std::cin, "standard input", max_bytes);
  } else if (::stat(path.c_str(), &status) == 0 &&
             (S_ISFIFO(status.st_mode) || S_ISCHR(status.st_mode))) {
    std::ifstream in(path, std::ios::binary);
    SENTLENS_CHECK(in.good(), IoError, "{}: cannot open", path.string());
    bytes = read_stream(in, path.string(), max_bytes);
  } else {
    bytes = read_file_bytes(path, max_bytes);
  }
  SENTLENS_CHECK(!bytes.empty(), InputError, "{}: the file is empty: there is no text",
                 path == "-" ? std::string("standard input") : path.string());
  return bytes;
}

}  // namespace sentlens
