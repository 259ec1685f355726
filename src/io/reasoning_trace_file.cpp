// Reading reasoning traces stored as JSON (Thought Anchors layout).
#include "sentlens/io/reasoning_trace_file.h"

#include "io/json_file.h"
#include "util/check.h"

namespace sentlens {

ReasoningTraceFile read_reasoning_trace_file(const std::filesystem::path& path) {
  const nlohmann::json json = read_json_file(path);
  SENTLENS_CHECK(json.is_object(), FormatError, "{}: expected a JSON object with a `text` field",
                 path.string());
  ReasoningTraceFile file;
  for (const char* field : {"text", "full_cot", "source_text"}) {
    const auto found = json.find(field);
    if (found == json.end()) continue;
    SENTLENS_CHECK(found->is_string(), FormatError, "{}: field `{}` must be a string, got {}",
                   path.string(), field, found->type_name());
    file.text = found->get<std::string>();
    file.text_field = field;
    break;
  }
  SENTLENS_CHECK(!file.text_field.empty(), FormatError,
                 "{}: no `text`, `full_cot` or `source_text` string field", path.string());
  const auto chunks = json.find("chunks");
  if (chunks != json.end() && !chunks->is_null()) {
    SENTLENS_CHECK(chunks->is_array(), FormatError, "{}: `chunks` must be a list of strings",
                   path.string());
    for (std::size_t i = 0; i < chunks->size(); ++i) {
      SENTLENS_CHECK((*chunks)[i].is_string(), FormatError,
                     "{}: chunks[{}] must be a string, got {}", path.string(), i,
                     (*chunks)[i].type_name());
      file.chunks.push_back((*chunks)[i].get<std::string>());
    }
  }
  return file;
}

}  // namespace sentlens
