// Private access to the library's spdlog logger.
#pragma once

#include <spdlog/spdlog.h>

namespace sentlens {

/// The "sentlens" logger (stderr, warnings by default).
spdlog::logger& logger();

}  // namespace sentlens
