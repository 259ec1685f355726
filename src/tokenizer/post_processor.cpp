// Post-processors of tokenizer.json, for single sequences.
#include "tokenizer/post_processor.h"

#include "util/check.h"

namespace sentlens::hf {

namespace {

constexpr const char* kSupported =
    "TemplateProcessing, ByteLevel, BertProcessing, RobertaProcessing, Sequence";

std::int32_t require_token_id(const std::string& token, const std::string& where,
                              const std::function<std::int32_t(const std::string&)>& token_id) {
  const std::int32_t id = token_id(token);
  SENTLENS_CHECK(id >= 0, FormatError, "{}: special token '{}' is not in the vocabulary", where,
                 token);
  return id;
}

SpecialTemplate read_template(const Json& config, const std::string& where,
                              const std::function<std::int32_t(const std::string&)>& token_id) {
  SpecialTemplate result;
  const Json& single = require_array(config, "single", where);
  const Json* special_tokens =
      config.contains("special_tokens") && config["special_tokens"].is_object()
          ? &config["special_tokens"]
          : nullptr;
  bool seen_sequence = false;
  for (std::size_t i = 0; i < single.size(); ++i) {
    const std::string item_where = child_path(child_path(where, "single"), i);
    const Json& item = single[i];
    SENTLENS_CHECK(item.is_object(), FormatError, "{}: expected an object", item_where);
    if (item.contains("Sequence")) {
      const std::string id = require_string(item["Sequence"], "id", item_where + ".Sequence");
      if (id == "A") seen_sequence = true;
      continue;
    }
    SENTLENS_CHECK(item.contains("SpecialToken"), FormatError,
                   "{}: expected {{\"SpecialToken\": ...}} or {{\"Sequence\": ...}}", item_where);
    const std::string name =
        require_string(item["SpecialToken"], "id", item_where + ".SpecialToken");
    std::vector<std::int32_t> ids;
    if (special_tokens != nullptr && special_tokens->contains(name) &&
        (*special_tokens)[name].contains("ids") && (*special_tokens)[name]["ids"].is_array()) {
      for (const Json& value : (*special_tokens)[name]["ids"]) {
        SENTLENS_CHECK(value.is_number_integer(), FormatError,
                       "{}.special_tokens.{}.ids: expected integers", where, name);
        ids.push_back(value.get<std::int32_t>());
      }
    } else {
      ids.push_back(require_token_id(name, item_where, token_id));
    }
    auto& target = seen_sequence ? result.after : result.before;
    target.insert(target.end(), ids.begin(), ids.end());
  }
  return result;
}

std::int32_t first_token_of(const Json& config, const std::string& key, const std::string& where) {
  // "cls": ["[CLS]", 101]
  const Json& pair = require_field(config, key, where);
  SENTLENS_CHECK(
      pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_number_integer(),
      FormatError, "{}.{}: expected [token, id]", where, key);
  return pair[1].get<std::int32_t>();
}

}  // namespace

SpecialTemplate make_post_processor(
    const Json& config, const std::string& where,
    const std::function<std::int32_t(const std::string&)>& token_id) {
  if (config.is_null()) return {};
  const std::string type = component_type(config, where);
  if (type == "TemplateProcessing") return read_template(config, where, token_id);
  if (type == "ByteLevel") return {};  // changes offsets only (trim_offsets); spans stay exact here
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    return SpecialTemplate{{first_token_of(config, "cls", where)},
                           {first_token_of(config, "sep", where)}};
  }
  if (type == "Sequence") {
    SpecialTemplate result;
    const Json& items = require_array(config, "processors", where);
    for (std::size_t i = 0; i < items.size(); ++i) {
      // Each processor wraps the output of the previous one.
      const SpecialTemplate inner =
          make_post_processor(items[i], child_path(child_path(where, "processors"), i), token_id);
      result.before.insert(result.before.begin(), inner.before.begin(), inner.before.end());
      result.after.insert(result.after.end(), inner.after.begin(), inner.after.end());
    }
    return result;
  }
  throw_unsupported_type(where, "post_processor", type, kSupported);
}

}  // namespace sentlens::hf
