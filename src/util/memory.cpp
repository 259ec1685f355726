// Memory limits checked before allocating (see include/sentlens/util/memory.h).
#include "sentlens/util/memory.h"

#include <unistd.h>

#include "util/check.h"

namespace sentlens {

std::uint64_t physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size);
}

void check_memory(double bytes, double limit_bytes, std::string_view what,
                  std::string_view limit_name) {
  constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
  SENTLENS_CHECK(bytes <= limit_bytes, LimitError,
                 "{} needs about {:.1f} GiB, more than the {:.1f} GiB {}", what, bytes / kGiB,
                 limit_bytes / kGiB, limit_name);
}

void check_fits_in_memory(double bytes, std::string_view what) {
  const std::uint64_t physical = physical_memory_bytes();
  if (physical == 0) return;
  check_memory(bytes, static_cast<double>(physical), what, "of memory this machine has");
}

}  // namespace sentlens
