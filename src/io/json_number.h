// Private helper: a double as JSON. JSON has no NaN or infinity; sentlens writes null for them (an
// undefined metric), as docs/cli.md says.
#pragma once

#include <cmath>

#include <nlohmann/json.hpp>

namespace sentlens {

inline nlohmann::ordered_json json_number(double value) {
  return std::isfinite(value) ? nlohmann::ordered_json(value) : nlohmann::ordered_json(nullptr);
}

}  // namespace sentlens
