// Private: typed access to the fields of tokenizer.json components, with errors that name the file,
// the component's path in it ("normalizer.normalizers[2]") and what was expected.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "tokenizer/pcre_regex.h"

namespace sentlens::hf {

using Json = nlohmann::json;

/// `where` + "." + key, or + "[index]".
std::string child_path(const std::string& where, const std::string& key);
std::string child_path(const std::string& where, std::size_t index);

/// The object's "type" string; FormatError when `config` is no object or has no string type.
std::string component_type(const Json& config, const std::string& where);

/// Throws ConfigError: "{where}: unsupported {kind} type '{type}' (supported: {supported})".
[[noreturn]] void throw_unsupported_type(const std::string& where, const std::string& kind,
                                         const std::string& type, const std::string& supported);

/// A required field of an object (FormatError when missing).
const Json& require_field(const Json& object, const std::string& key, const std::string& where);
std::string require_string(const Json& object, const std::string& key, const std::string& where);
/// An optional field that must have the given type when present and not null.
std::optional<std::string> optional_string(const Json& object, const std::string& key,
                                           const std::string& where);
bool optional_bool(const Json& object, const std::string& key, bool fallback,
                   const std::string& where);
std::int64_t optional_int(const Json& object, const std::string& key, std::int64_t fallback,
                          const std::string& where);
/// A required array field.
const Json& require_array(const Json& object, const std::string& key, const std::string& where);

/// The regex of a {"String": s} or {"Regex": r} pattern object (Regex patterns are Oniguruma,
/// translated as Tokenizers.js does).
std::shared_ptr<const Regex> make_pattern(const Json& pattern, const std::string& where);

}  // namespace sentlens::hf
