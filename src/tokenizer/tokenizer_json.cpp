// Loading a Hugging Face tokenizer.json (BPE models) with its tokenizer_config.json.
#include "io/json_file.h"
#include "sentlens/tokenizer/tokenizer.h"
#include "sentlens/tokenizer/utf8.h"
#include "tokenizer/hf_tokenizer.h"
#include "util/check.h"
#include "util/hash.h"
#include "util/log.h"

namespace sentlens {

namespace {

using hf::Json;

std::vector<std::pair<std::string, std::string>> read_merges(const Json& merges,
                                                             const std::string& where) {
  std::vector<std::pair<std::string, std::string>> result;
  result.reserve(merges.size());
  for (std::size_t i = 0; i < merges.size(); ++i) {
    const Json& merge = merges[i];
    if (merge.is_string()) {
      // "a b": tokens never contain a plain space in this layout.
      const std::string text = merge.get<std::string>();
      const auto space = text.find(' ');
      SENTLENS_CHECK(space != std::string::npos && space > 0 && space + 1 < text.size() &&
                         text.find(' ', space + 1) == std::string::npos,
                     FormatError, "{}[{}]: merge '{}' must be two tokens separated by one space",
                     where, i, text);
      result.emplace_back(text.substr(0, space), text.substr(space + 1));
    } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() &&
               merge[1].is_string()) {
      result.emplace_back(merge[0].get<std::string>(), merge[1].get<std::string>());
    } else {
      throw FormatError(fmt::format("{}[{}]: a merge must be \"a b\" or [\"a\", \"b\"], found {}",
                                    where, i, json_excerpt(merge)));
    }
  }
  return result;
}

std::unordered_map<std::string, std::int32_t> read_vocab(const Json& vocab,
                                                         const std::string& where) {
  SENTLENS_CHECK(vocab.is_object(), FormatError,
                 "{}: expected an object mapping tokens to ids, found {}", where,
                 vocab.type_name());
  std::unordered_map<std::string, std::int32_t> result;
  result.reserve(vocab.size());
  for (const auto& [token, id] : vocab.items()) {
    SENTLENS_CHECK(id.is_number_integer(), FormatError, "{}: the id of '{}' must be an integer",
                   where, token);
    const auto value = id.get<std::int64_t>();
    SENTLENS_CHECK(value >= 0 && value < (std::int64_t{1} << 31), FormatError,
                   "{}: token '{}' has id {}, which is negative or too large", where, token, value);
    result.emplace(token, static_cast<std::int32_t>(value));
  }
  return result;
}

std::vector<hf::AddedToken> read_added_tokens(const Json& root, const std::string& file) {
  std::vector<hf::AddedToken> result;
  if (!root.contains("added_tokens") || root["added_tokens"].is_null()) return result;
  const std::string where = file + ": added_tokens";
  const Json& items = root["added_tokens"];
  SENTLENS_CHECK(items.is_array(), FormatError, "{}: expected an array", where);
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string item_where = hf::child_path(where, i);
    hf::AddedToken token;
    const Json& id = hf::require_field(items[i], "id", item_where);
    SENTLENS_CHECK(id.is_number_integer() && id.get<std::int64_t>() >= 0 &&
                       id.get<std::int64_t>() < (std::int64_t{1} << 31),
                   FormatError, "{}: 'id' must be a non-negative integer", item_where);
    token.id = id.get<std::int32_t>();
    token.content = hf::require_string(items[i], "content", item_where);
    SENTLENS_CHECK(!token.content.empty(), FormatError, "{}: 'content' is empty", item_where);
    SENTLENS_CHECK(find_invalid_utf8(token.content) < 0, FormatError,
                   "{}: 'content' is not valid UTF-8", item_where);
    token.special = hf::optional_bool(items[i], "special", false, item_where);
    token.single_word = hf::optional_bool(items[i], "single_word", false, item_where);
    token.lstrip = hf::optional_bool(items[i], "lstrip", false, item_where);
    token.rstrip = hf::optional_bool(items[i], "rstrip", false, item_where);
    // Tokenizers.js: normalized defaults to !special.
    token.normalized = hf::optional_bool(items[i], "normalized", !token.special, item_where);
    result.push_back(std::move(token));
  }
  return result;
}

std::unique_ptr<hf::BpeModel> read_model(const Json& root, const std::string& file) {
  const std::string where = file + ": model";
  const Json& model = hf::require_field(root, "model", file);
  SENTLENS_CHECK(model.is_object(), FormatError, "{}: expected an object", where);
  const auto type = hf::optional_string(model, "type", where);
  if (type && *type != "BPE") hf::throw_unsupported_type(where, "model", *type, "BPE");
  if (!type) {
    SENTLENS_CHECK(model.contains("merges"), ConfigError,
                   "{}: model without a 'type' and without 'merges' is not BPE (supported: BPE)",
                   where);
  }
  hf::BpeOptions options;
  options.unk_token = hf::optional_string(model, "unk_token", where);
  options.continuing_subword_prefix =
      hf::optional_string(model, "continuing_subword_prefix", where).value_or("");
  options.end_of_word_suffix = hf::optional_string(model, "end_of_word_suffix", where).value_or("");
  options.fuse_unk = hf::optional_bool(model, "fuse_unk", false, where);
  options.byte_fallback = hf::optional_bool(model, "byte_fallback", false, where);
  options.ignore_merges = hf::optional_bool(model, "ignore_merges", false, where);
  if (model.contains("dropout") && !model["dropout"].is_null()) {
    logger().warn("{}: BPE dropout is ignored (sentlens encodes deterministically)", where);
  }
  return std::make_unique<hf::BpeModel>(
      read_vocab(hf::require_field(model, "vocab", where), where + ".vocab"),
      read_merges(hf::require_array(model, "merges", where), where + ".merges"), std::move(options),
      where);
}

}  // namespace

std::unique_ptr<Tokenizer> load_tokenizer_json(const std::filesystem::path& tokenizer_json) {
  const std::string file = tokenizer_json.string();
  const std::string bytes = read_file_bytes(tokenizer_json, kMaxJsonFileBytes);
  const Json root = parse_json(bytes, file);
  SENTLENS_CHECK(root.is_object(), FormatError, "{}: expected a JSON object at the top level",
                 file);
  const hf::TokenizerConfig config =
      hf::read_tokenizer_config(tokenizer_json.parent_path() / "tokenizer_config.json");

  hf::TokenizerParts parts;
  parts.kind = "tokenizer.json";
  parts.source = file;
  parts.model = read_model(root, file);
  parts.added_tokens = read_added_tokens(root, file);
  for (const auto& token : parts.added_tokens) parts.model->add_token(token.content, token.id);
  const Json null_value;
  auto field = [&](const char* key) -> const Json& {
    return root.contains(key) ? root[key] : null_value;
  };
  parts.normalizer = hf::make_normalizer(field("normalizer"), file + ": normalizer");
  parts.pre_tokenizer = hf::make_pre_tokenizer(field("pre_tokenizer"), file + ": pre_tokenizer");
  const hf::BpeModel& model = *parts.model;
  parts.special_template =
      hf::make_post_processor(field("post_processor"), file + ": post_processor",
                              [&](const std::string& token) { return model.token_to_id(token); });
  std::unordered_set<std::string> added_contents;
  for (const auto& token : parts.added_tokens) added_contents.insert(token.content);
  parts.decoder = hf::make_decoder(field("decoder"), file + ": decoder", added_contents);

  Fnv1a hash;
  hash.update(bytes);
  hash.update(config.bytes);
  parts.fingerprint = hash.hex();
  return hf::make_tokenizer(std::move(parts), config);
}

}  // namespace sentlens
