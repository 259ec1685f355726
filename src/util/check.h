// Private check macro: throws a sentlens::Error subclass with a formatted message.
#pragma once

#include <fmt/format.h>

#include "sentlens/error.h"

/// SENTLENS_CHECK(cond, ErrorType, "format {}", args...) throws ErrorType(message) when cond fails.
#define SENTLENS_CHECK(condition, ErrorType, ...)                \
  do {                                                           \
    if (!(condition)) throw ErrorType(fmt::format(__VA_ARGS__)); \
  } while (false)
