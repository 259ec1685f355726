// Memory limits checked before allocating (see include/sentlens/util/memory.h).
#include "sentlens/util/memory.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "util/check.h"

namespace sentlens {

namespace {

// "12345", "512M", "24G" (binary units); 0 for anything else.
std::uint64_t parse_byte_count(const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || !(value > 0)) return 0;
  const std::string unit(end);
  double scale = 1;
  if (unit == "K" || unit == "k") scale = 1024.0;
  if (unit == "M" || unit == "m") scale = 1024.0 * 1024;
  if (unit == "G" || unit == "g") scale = 1024.0 * 1024 * 1024;
  if (!unit.empty() && scale == 1) return 0;
  const double bytes = value * scale;
  return bytes < 1.8e19 ? static_cast<std::uint64_t>(bytes) : 0;
}

}  // namespace

std::uint64_t physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGESIZE);
  std::uint64_t bytes = pages > 0 && page_size > 0 ? static_cast<std::uint64_t>(pages) *
                                                         static_cast<std::uint64_t>(page_size)
                                                   : 0;
  auto lower = [&](std::uint64_t limit) {
    if (limit > 0 && (bytes == 0 || limit < bytes)) bytes = limit;
  };
  // A container's memory limit (cgroup v2) is what the process can really use.
  std::ifstream cgroup("/sys/fs/cgroup/memory.max");
  std::string line;
  if (cgroup && std::getline(cgroup, line) && line != "max") lower(parse_byte_count(line));
  // SENTLENS_MEMORY_LIMIT (bytes, or with K/M/G) caps what sentlens plans for, e.g. on a machine
  // shared with other jobs.
  if (const char* limit = std::getenv("SENTLENS_MEMORY_LIMIT")) lower(parse_byte_count(limit));
  return bytes;
}

std::string human_bytes(double bytes) {
  constexpr double kKiB = 1024.0, kMiB = kKiB * 1024, kGiB = kMiB * 1024;
  if (bytes >= kGiB) return fmt::format("{:.1f} GiB", bytes / kGiB);
  if (bytes >= kMiB) return fmt::format("{:.1f} MiB", bytes / kMiB);
  return fmt::format("{:.0f} KiB", bytes / kKiB);
}

void check_memory(double bytes, double limit_bytes, std::string_view what,
                  std::string_view limit_name) {
  SENTLENS_CHECK(bytes <= limit_bytes, LimitError, "{} needs about {}, more than the {} {}", what,
                 human_bytes(bytes), human_bytes(limit_bytes), limit_name);
}

void check_fits_in_memory(double bytes, std::string_view what) {
  const std::uint64_t physical = physical_memory_bytes();
  if (physical == 0) return;
  check_memory(bytes, static_cast<double>(physical), what, "of memory this machine has");
}

}  // namespace sentlens
