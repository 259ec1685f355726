// Private JSON helpers over nlohmann::json: reading files with size limits and typed field access
// whose errors name the file and the field.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace sentlens {

/// Largest JSON file sentlens parses (bytes): tokenizer.json files of real models reach ~20 MB.
inline constexpr std::uintmax_t kMaxJsonFileBytes = 256ull << 20;

/// Reads and parses a JSON file; throws IoError (cannot read) or FormatError (not JSON, too large),
/// naming the file.
nlohmann::json read_json_file(const std::filesystem::path& path);

/// Deepest nesting parse_json accepts: the files sentlens reads nest at most ~6 levels, and a value
/// nested 65,000 levels deep would overflow the stack of any recursive walk over it.
inline constexpr int kMaxJsonDepth = 128;

/// Parses JSON text; `source` names it in the FormatError message (also for nesting deeper than
/// kMaxJsonDepth).
nlohmann::json parse_json(const std::string& text, const std::string& source);

/// A short, safe rendering of a JSON value for an error message: numbers, booleans and null as
/// JSON, strings quoted and cut at 60 bytes (invalid UTF-8 replaced), arrays and objects by kind
/// and size only. Never recurses.
std::string json_excerpt(const nlohmann::json& value);

/// Reads a whole file into a string; throws IoError naming the file.
std::string read_file_bytes(const std::filesystem::path& path, std::uintmax_t max_bytes);

}  // namespace sentlens
