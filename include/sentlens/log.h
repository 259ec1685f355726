// The library's log level. sentlens logs through one spdlog logger named "sentlens", quiet
// (warnings only) by default; the CLI's --verbose turns on info and debug messages.
#pragma once

namespace sentlens {

enum class LogLevel { kDebug, kInfo, kWarning, kError, kOff };

/// Sets the level of the library's logger.
void set_log_level(LogLevel level);

}  // namespace sentlens
