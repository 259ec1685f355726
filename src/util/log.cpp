// The library's spdlog logger.
#include "util/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include "sentlens/log.h"

namespace sentlens {

spdlog::logger& logger() {
  static std::shared_ptr<spdlog::logger> instance = [] {
    auto created = spdlog::stderr_color_mt("sentlens");
    created->set_level(spdlog::level::warn);
    created->set_pattern("[sentlens %l] %v");
    return created;
  }();
  return *instance;
}

void set_log_level(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      logger().set_level(spdlog::level::debug);
      break;
    case LogLevel::kInfo:
      logger().set_level(spdlog::level::info);
      break;
    case LogLevel::kWarning:
      logger().set_level(spdlog::level::warn);
      break;
    case LogLevel::kError:
      logger().set_level(spdlog::level::err);
      break;
    case LogLevel::kOff:
      logger().set_level(spdlog::level::off);
      break;
  }
}

}  // namespace sentlens
