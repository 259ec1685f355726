// The JSON of a split: what `sentlens split --json` prints.
#include <nlohmann/json.hpp>

#include "sentlens/text/splitter.h"

namespace sentlens {

std::string split_result_json(std::string_view text, const SplitResult& result, Profile profile,
                              int indent) {
  nlohmann::ordered_json json;
  json["profile"] = profile_name(profile);
  json["sentences"] = nlohmann::ordered_json::array();
  for (const Sentence& s : result.sentences) {
    json["sentences"].push_back({{"char_start", s.char_start},
                                 {"char_end", s.char_end},
                                 {"byte_start", s.byte_start},
                                 {"byte_end", s.byte_end},
                                 {"text", std::string(sentence_text(text, s))}});
  }
  json["chunks"] = result.chunks;
  return json.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sentlens
