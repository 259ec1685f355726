// Private: the fields of tokenizer_config.json that change how a tokenizer.json (or GPT-2)
// tokenizer encodes and decodes, as transformers reads them.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace sentlens::hf {

struct TokenizerConfig {
  std::optional<bool> add_bos_token;     // explicit "add_bos_token"; unset: the template decides
  std::optional<bool> add_eos_token;     // explicit "add_eos_token"
  std::optional<std::string> bos_token;  // "bos_token" (a string or {"content": ...})
  std::optional<std::string> eos_token;  // "eos_token"
  bool clean_up_tokenization_spaces = true;  // Tokenizers.js/transformers default
  std::optional<bool> add_prefix_space;      // GPT-2 layout only
  nlohmann::json added_tokens_decoder;       // {"id": {"content": ...}}, GPT-2 layout only
  std::string bytes;                         // the file's bytes (for the fingerprint)
};

/// Reads `path` when it exists (defaults otherwise); FormatError for malformed JSON or fields.
TokenizerConfig read_tokenizer_config(const std::filesystem::path& path);

}  // namespace sentlens::hf
