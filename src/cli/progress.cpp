// Progress lines on stderr.
#include "cli/progress.h"

#include <unistd.h>
#include <cstdio>

#include <fmt/core.h>

namespace sentlens::cli {

std::function<void(const std::string&)> stderr_progress(bool quiet) {
  if (quiet) return {};
  const bool terminal = isatty(fileno(stderr)) != 0;
  return [terminal](const std::string& line) {
    if (terminal) {
      fmt::print(stderr, "\r\033[K{}", line);
    } else {
      fmt::print(stderr, "{}\n", line);
    }
    std::fflush(stderr);
  };
}

void end_progress_line(bool quiet) {
  if (!quiet && isatty(fileno(stderr)) != 0) fmt::print(stderr, "\r\033[K");
}

}  // namespace sentlens::cli
