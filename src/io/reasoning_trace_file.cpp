// Reading reasoning traces stored as JSON (Thought Anchors layout).
#include "sentlens/io/reasoning_trace_file.h"

#include <fmt/format.h>

#include "io/json_file.h"
#include "sentlens/io/text_file.h"
#include "util/check.h"

namespace sentlens {

namespace {

// `where` names the file (and line) in messages.
ReasoningTraceFile from_json(const nlohmann::json& json, const std::string& where) {
  SENTLENS_CHECK(json.is_object(), FormatError, "{}: expected a JSON object with a `text` field",
                 where);
  ReasoningTraceFile file;
  for (const char* field : {"text", "full_cot", "source_text"}) {
    const auto found = json.find(field);
    if (found == json.end()) continue;
    SENTLENS_CHECK(found->is_string(), FormatError, "{}: field `{}` must be a string, got {}",
                   where, field, found->type_name());
    file.text = found->get<std::string>();
    file.text_field = field;
    break;
  }
  SENTLENS_CHECK(!file.text_field.empty(), FormatError,
                 "{}: no `text`, `full_cot` or `source_text` string field", where);
  // Thought Anchors' problem statement and ground-truth answer, read by `resample`; other commands
  // ignore them, so a value of another type is ignored rather than refused (a number as answer is
  // taken as its JSON text, e.g. 12).
  if (const auto problem = json.find("problem"); problem != json.end() && problem->is_string()) {
    file.problem = problem->get<std::string>();
  }
  if (const auto answer = json.find("gt_answer"); answer != json.end()) {
    if (answer->is_string()) {
      file.ground_truth = answer->get<std::string>();
    } else if (answer->is_number()) {
      file.ground_truth = answer->dump();
    }
  }
  const auto chunks = json.find("chunks");
  if (chunks != json.end() && !chunks->is_null()) {
    SENTLENS_CHECK(chunks->is_array(), FormatError, "{}: `chunks` must be a list of strings",
                   where);
    for (std::size_t i = 0; i < chunks->size(); ++i) {
      SENTLENS_CHECK((*chunks)[i].is_string(), FormatError,
                     "{}: chunks[{}] must be a string, got {}", where, i, (*chunks)[i].type_name());
      file.chunks.push_back((*chunks)[i].get<std::string>());
    }
  }
  return file;
}

}  // namespace

ReasoningTraceFile read_reasoning_trace_file(const std::filesystem::path& path) {
  // Read as text so that `-` (standard input) and pipes work as for --text-file.
  const std::string source = path == "-" ? std::string("standard input") : path.string();
  return from_json(parse_json(read_text_file(path, kMaxJsonFileBytes), source), source);
}

std::vector<NamedReasoningTrace> read_reasoning_trace_lines(const std::filesystem::path& path) {
  const std::string content = read_text_file(path);
  std::vector<NamedReasoningTrace> traces;
  std::size_t begin = 0;
  for (std::int64_t line_number = 1; begin < content.size(); ++line_number) {
    auto end = content.find('\n', begin);
    if (end == std::string::npos) end = content.size();
    const std::string line = content.substr(begin, end - begin);
    begin = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = fmt::format("{}: line {}", path.string(), line_number);
    const nlohmann::json json = parse_json(line, where);
    NamedReasoningTrace named;
    named.trace = from_json(json, where);
    named.name = fmt::format("line-{}", line_number);
    for (const char* field : {"id", "problem_id", "name"}) {
      const auto found = json.find(field);
      if (found == json.end()) continue;
      if (found->is_string() && !found->get<std::string>().empty()) {
        named.name = found->get<std::string>();
        break;
      }
      if (found->is_number_integer()) {
        named.name = std::to_string(found->get<std::int64_t>());
        break;
      }
    }
    traces.push_back(std::move(named));
  }
  SENTLENS_CHECK(!traces.empty(), FormatError, "{}: no JSON object on any line", path.string());
  return traces;
}

}  // namespace sentlens
