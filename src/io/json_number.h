// Private helpers: a double as JSON, and a row-major matrix of them. JSON has no NaN or infinity;
// sentlens writes null for them (an undefined metric), as docs/cli.md says.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

namespace sentlens {

inline nlohmann::ordered_json json_number(double value) {
  return std::isfinite(value) ? nlohmann::ordered_json(value) : nlohmann::ordered_json(nullptr);
}

/// `values` row-major [rows, columns] as a list of rows.
inline nlohmann::ordered_json json_matrix(const std::vector<double>& values, std::int64_t rows,
                                          std::int64_t columns) {
  nlohmann::ordered_json matrix = nlohmann::ordered_json::array();
  for (std::int64_t i = 0; i < rows; ++i) {
    nlohmann::ordered_json row = nlohmann::ordered_json::array();
    for (std::int64_t j = 0; j < columns; ++j) {
      row.push_back(json_number(values[static_cast<std::size_t>(i * columns + j)]));
    }
    matrix.push_back(row);
  }
  return matrix;
}

}  // namespace sentlens
