// Private CLI helper: "1 sentence", "3 sentences" in printed summaries.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace sentlens::cli {

/// `count` followed by `singular`, with an "s" unless the count is 1.
inline std::string counted(std::int64_t count, std::string_view singular) {
  return fmt::format("{} {}{}", count, singular, count == 1 ? "" : "s");
}

}  // namespace sentlens::cli
