// Loading GPT-2's legacy vocab.json + merges.txt pair: a byte-level BPE with GPT-2's regex.
#include <sstream>

#include "io/json_file.h"
#include "sentlens/tokenizer/tokenizer.h"
#include "tokenizer/hf_tokenizer.h"
#include "util/check.h"
#include "util/hash.h"

namespace sentlens {

namespace {

std::vector<std::pair<std::string, std::string>> read_merges_txt(const std::string& text,
                                                                 const std::string& where) {
  std::vector<std::pair<std::string, std::string>> merges;
  std::size_t line_number = 0, position = 0;
  while (position < text.size()) {
    auto end = text.find('\n', position);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(position, end - position);
    position = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (line_number == 1 && line.rfind("#version", 0) == 0)) continue;
    const auto space = line.find(' ');
    SENTLENS_CHECK(space != std::string::npos && space > 0 && space + 1 < line.size() &&
                       line.find(' ', space + 1) == std::string::npos,
                   FormatError,
                   "{}: line {}: expected two tokens separated by one space, found '{}'", where,
                   line_number, line);
    merges.emplace_back(line.substr(0, space), line.substr(space + 1));
  }
  return merges;
}

}  // namespace

std::unique_ptr<Tokenizer> load_gpt2_vocab_merges(const std::filesystem::path& vocab_json,
                                                  const std::filesystem::path& merges_txt) {
  const std::string vocab_bytes = read_file_bytes(vocab_json, kMaxJsonFileBytes);
  const std::string merges_bytes = read_file_bytes(merges_txt, kMaxJsonFileBytes);
  const nlohmann::json vocab = parse_json(vocab_bytes, vocab_json.string());
  SENTLENS_CHECK(vocab.is_object(), FormatError, "{}: expected an object mapping tokens to ids",
                 vocab_json.string());
  const hf::TokenizerConfig config =
      hf::read_tokenizer_config(vocab_json.parent_path() / "tokenizer_config.json");

  std::unordered_map<std::string, std::int32_t> entries;
  for (const auto& [token, id] : vocab.items()) {
    SENTLENS_CHECK(id.is_number_integer() && id.get<std::int64_t>() >= 0 &&
                       id.get<std::int64_t>() < (std::int64_t{1} << 31),
                   FormatError, "{}: the id of '{}' must be a non-negative integer",
                   vocab_json.string(), token);
    entries.emplace(token, id.get<std::int32_t>());
  }

  hf::TokenizerParts parts;
  parts.kind = "vocab.json+merges.txt";
  parts.source = vocab_json.string();
  // Added tokens: tokenizer_config.json's added_tokens_decoder when present, else GPT-2's
  // <|endoftext|> when the vocabulary has it.
  if (config.added_tokens_decoder.is_object() && !config.added_tokens_decoder.empty()) {
    for (const auto& [id_text, item] : config.added_tokens_decoder.items()) {
      const std::string where = vocab_json.parent_path().string() +
                                "/tokenizer_config.json: added_tokens_decoder." + id_text;
      hf::AddedToken token;
      try {
        token.id = std::stoi(id_text);
      } catch (const std::exception&) {
        throw FormatError(fmt::format("{}: the key must be a token id", where));
      }
      token.content = hf::require_string(item, "content", where);
      token.special = hf::optional_bool(item, "special", false, where);
      token.single_word = hf::optional_bool(item, "single_word", false, where);
      token.lstrip = hf::optional_bool(item, "lstrip", false, where);
      token.rstrip = hf::optional_bool(item, "rstrip", false, where);
      token.normalized = hf::optional_bool(item, "normalized", !token.special, where);
      parts.added_tokens.push_back(std::move(token));
    }
  } else if (const auto found = entries.find("<|endoftext|>"); found != entries.end()) {
    hf::AddedToken token;
    token.id = found->second;
    token.content = found->first;
    token.special = true;
    parts.added_tokens.push_back(std::move(token));
  }
  parts.model = std::make_unique<hf::BpeModel>(std::move(entries),
                                               read_merges_txt(merges_bytes, merges_txt.string()),
                                               hf::BpeOptions{}, merges_txt.string());
  for (const auto& token : parts.added_tokens) parts.model->add_token(token.content, token.id);
  parts.pre_tokenizer =
      hf::make_byte_level_pre_tokenizer(config.add_prefix_space.value_or(false), true);
  std::unordered_set<std::string> added_contents;
  for (const auto& token : parts.added_tokens) added_contents.insert(token.content);
  parts.decoder = hf::make_byte_level_decoder(added_contents);

  Fnv1a hash;
  hash.update(vocab_bytes);
  hash.update(merges_bytes);
  hash.update(config.bytes);
  parts.fingerprint = hash.hex();
  return hf::make_tokenizer(std::move(parts), config);
}

}  // namespace sentlens
