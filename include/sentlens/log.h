// The library's log level. sentlens logs through one spdlog logger named "sentlens", quiet
// (warnings only) by default; the CLI's --verbose turns on info and debug messages.
#pragma once

#include <functional>
#include <string>

namespace sentlens {

enum class LogLevel { kDebug, kInfo, kWarning, kError, kOff };

/// Sets the level of the library's logger.
void set_log_level(LogLevel level);

/// Passes the text of every message the library logs through `rewrite` before it is written (an
/// empty function: as is). The CLI uses it to name its flags where messages name option fields.
void set_log_rewrite(std::function<std::string(const std::string&)> rewrite);

}  // namespace sentlens
