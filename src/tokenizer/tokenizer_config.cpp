// Reading tokenizer_config.json.
#include "tokenizer/tokenizer_config.h"

#include "io/json_file.h"
#include "util/check.h"

namespace sentlens::hf {

namespace {

std::optional<std::string> token_name(const nlohmann::json& config, const char* key,
                                      const std::string& where) {
  const auto found = config.find(key);
  if (found == config.end() || found->is_null()) return std::nullopt;
  if (found->is_string()) return found->get<std::string>();
  if (found->is_object() && found->contains("content") && (*found)["content"].is_string()) {
    return (*found)["content"].get<std::string>();
  }
  throw FormatError(
      fmt::format("{}: '{}' must be a string or an object with 'content'", where, key));
}

std::optional<bool> optional_flag(const nlohmann::json& config, const char* key,
                                  const std::string& where) {
  const auto found = config.find(key);
  if (found == config.end() || found->is_null()) return std::nullopt;
  SENTLENS_CHECK(found->is_boolean(), FormatError, "{}: '{}' must be true or false", where, key);
  return found->get<bool>();
}

}  // namespace

TokenizerConfig read_tokenizer_config(const std::filesystem::path& path) {
  TokenizerConfig result;
  if (!std::filesystem::exists(path)) return result;
  const std::string where = path.string();
  result.bytes = read_file_bytes(path, kMaxJsonFileBytes);
  const nlohmann::json config = parse_json(result.bytes, where);
  SENTLENS_CHECK(config.is_object(), FormatError, "{}: expected a JSON object", where);
  result.add_bos_token = optional_flag(config, "add_bos_token", where);
  result.add_eos_token = optional_flag(config, "add_eos_token", where);
  result.bos_token = token_name(config, "bos_token", where);
  result.eos_token = token_name(config, "eos_token", where);
  result.clean_up_tokenization_spaces =
      optional_flag(config, "clean_up_tokenization_spaces", where).value_or(true);
  result.add_prefix_space = optional_flag(config, "add_prefix_space", where);
  if (config.contains("added_tokens_decoder") && config["added_tokens_decoder"].is_object()) {
    result.added_tokens_decoder = config["added_tokens_decoder"];
  }
  return result;
}

}  // namespace sentlens::hf
