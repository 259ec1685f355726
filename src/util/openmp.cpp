// Re-executing with a passive OpenMP wait policy (include/sentlens/util/openmp.h).
#include "sentlens/util/openmp.h"

#include <unistd.h>

#include <cstdlib>

namespace sentlens {

void ensure_passive_openmp_wait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  if (::setenv("OMP_WAIT_POLICY", "PASSIVE", 1) != 0) return;
  ::execv("/proc/self/exe", argv);  // returns only on failure
}

}  // namespace sentlens
