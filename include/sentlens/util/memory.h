// Memory limits: requests whose size comes from the input (tokens T, sentences S) are checked
// against the machine's memory before anything is allocated, so a huge input fails with a
// LimitError that states the estimate instead of ending in the out-of-memory killer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sentlens {

/// Bytes of memory this process may plan for: physical memory (sysconf), lowered to a cgroup v2
/// limit (/sys/fs/cgroup/memory.max) and to SENTLENS_MEMORY_LIMIT (bytes, or with K/M/G) when
/// set; 0 when the system does not say.
std::uint64_t physical_memory_bytes();

/// "3.2 GiB", "512.0 MiB", "12 KiB": a byte count for messages.
std::string human_bytes(double bytes);

/// Throws LimitError "WHAT needs about X GiB, more than the Y GiB LIMIT_NAME" when `bytes` exceeds
/// `limit_bytes`. `bytes` is a double so that estimates of absurd inputs cannot overflow.
void check_memory(double bytes, double limit_bytes, std::string_view what,
                  std::string_view limit_name);

/// check_memory against the physical memory of this machine (no check when it is unknown).
void check_fits_in_memory(double bytes, std::string_view what);

}  // namespace sentlens
