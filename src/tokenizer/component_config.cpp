// Typed field access for tokenizer.json components.
#include "tokenizer/component_config.h"

#include "io/json_file.h"
#include "util/check.h"

namespace sentlens::hf {

std::string child_path(const std::string& where, const std::string& key) {
  return where + "." + key;
}

std::string child_path(const std::string& where, std::size_t index) {
  return fmt::format("{}[{}]", where, index);
}

namespace {
const char* json_type_name(const Json& value) {
  return value.type_name();
}
}  // namespace

std::string component_type(const Json& config, const std::string& where) {
  SENTLENS_CHECK(config.is_object(), FormatError, "{}: expected an object, found {}", where,
                 json_type_name(config));
  SENTLENS_CHECK(config.contains("type") && config["type"].is_string(), FormatError,
                 "{}: missing the string field 'type'", where);
  return config["type"].get<std::string>();
}

void throw_unsupported_type(const std::string& where, const std::string& kind,
                            const std::string& type, const std::string& supported) {
  throw ConfigError(
      fmt::format("{}: unsupported {} type '{}' (supported: {})", where, kind, type, supported));
}

const Json& require_field(const Json& object, const std::string& key, const std::string& where) {
  SENTLENS_CHECK(object.is_object(), FormatError, "{}: expected an object, found {}", where,
                 json_type_name(object));
  const auto found = object.find(key);
  SENTLENS_CHECK(found != object.end(), FormatError, "{}: missing field '{}'", where, key);
  return *found;
}

std::string require_string(const Json& object, const std::string& key, const std::string& where) {
  const Json& value = require_field(object, key, where);
  SENTLENS_CHECK(value.is_string(), FormatError, "{}: field '{}' must be a string, found {}", where,
                 key, json_type_name(value));
  return value.get<std::string>();
}

std::optional<std::string> optional_string(const Json& object, const std::string& key,
                                           const std::string& where) {
  const auto found = object.find(key);
  if (found == object.end() || found->is_null()) return std::nullopt;
  SENTLENS_CHECK(found->is_string(), FormatError, "{}: field '{}' must be a string, found {}",
                 where, key, json_type_name(*found));
  return found->get<std::string>();
}

bool optional_bool(const Json& object, const std::string& key, bool fallback,
                   const std::string& where) {
  const auto found = object.find(key);
  if (found == object.end() || found->is_null()) return fallback;
  SENTLENS_CHECK(found->is_boolean(), FormatError, "{}: field '{}' must be true or false, found {}",
                 where, key, json_type_name(*found));
  return found->get<bool>();
}

std::int64_t optional_int(const Json& object, const std::string& key, std::int64_t fallback,
                          const std::string& where) {
  const auto found = object.find(key);
  if (found == object.end() || found->is_null()) return fallback;
  SENTLENS_CHECK(found->is_number_integer(), FormatError,
                 "{}: field '{}' must be an integer, found {}", where, key, json_type_name(*found));
  return found->get<std::int64_t>();
}

const Json& require_array(const Json& object, const std::string& key, const std::string& where) {
  const Json& value = require_field(object, key, where);
  SENTLENS_CHECK(value.is_array(), FormatError, "{}: field '{}' must be an array, found {}", where,
                 key, json_type_name(value));
  return value;
}

std::shared_ptr<const Regex> make_pattern(const Json& pattern, const std::string& where) {
  SENTLENS_CHECK(pattern.is_object(), FormatError,
                 "{}: expected a pattern object {{\"String\": ...}} or {{\"Regex\": ...}}", where);
  if (pattern.contains("String")) {
    const std::string literal = require_string(pattern, "String", where);
    return std::make_shared<Regex>(escape_literal(literal), where);
  }
  if (pattern.contains("Regex")) {
    const std::string onig = require_string(pattern, "Regex", where);
    return std::make_shared<Regex>(translate_oniguruma(onig, where), where);
  }
  throw FormatError(
      fmt::format("{}: a pattern must be {{\"String\": ...}} or {{\"Regex\": ...}}, found {}",
                  where, json_excerpt(pattern)));
}

}  // namespace sentlens::hf
