// Shared helpers of the libFuzzer targets: a per-process scratch file for file-based readers and
// the rule that only sentlens::Error may escape a parser (anything else reaches libFuzzer as a
// crash).
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "sentlens/error.h"
#include "sentlens/log.h"

namespace sentlens::fuzz {

/// A scratch folder for this fuzzing process ($TMPDIR or /tmp), created once.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::filesystem::path base = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
    auto path = base / ("sentlens-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
    return path;
  }();
  return dir;
}

/// Warnings (e.g. the reference splitter dropping a chunk) would flood the fuzzer's output.
inline const bool kLoggerSilenced = (set_log_level(LogLevel::kOff), true);

/// Writes `size` bytes to `path`, replacing it; aborts when the scratch folder is unusable, since
/// a run that silently fuzzes nothing would be worse than one that stops.
inline void write_bytes(const std::filesystem::path& path, const std::uint8_t* data,
                        std::size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) {
    std::fprintf(stderr, "fuzz: cannot write %s\n", path.c_str());
    std::abort();
  }
}

/// Aborts with a message: a property every successful parse must have does not hold.
[[noreturn]] inline void invariant_failed(const char* what) {
  std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
  std::abort();
}

}  // namespace sentlens::fuzz

#define SENTLENS_FUZZ_ASSERT(condition) \
  ((condition) ? (void)0 : ::sentlens::fuzz::invariant_failed(#condition))
