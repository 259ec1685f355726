// Private helper: wall-clock seconds for the timings jobs report.
#pragma once

#include <chrono>

namespace sentlens {

/// Seconds from `start` to now on the steady clock.
inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace sentlens
