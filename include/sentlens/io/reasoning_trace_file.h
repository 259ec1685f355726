// A reasoning trace given as JSON, as the Thought Anchors data sets store them: the text in `text`
// (or `full_cot`, or `source_text`), optionally pre-split into `chunks`.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace sentlens {

struct ReasoningTraceFile {
  std::string text;                 // the full text (prompt and response)
  std::vector<std::string> chunks;  // pre-split sentences; empty = split the text ourselves
  std::string text_field;           // which field held the text
  std::string problem;  // `problem` when it is a string (Thought Anchors problem.json), else ""
  std::string ground_truth;  // `gt_answer` when a string or a number (as its JSON text), else ""
};

/// Reads the JSON object in `path`. Throws IoError when the file cannot be read, FormatError when
/// it is not a JSON object, has no string `text` / `full_cot` / `source_text`, or `chunks` is not a
/// list of strings — each naming the file and the field.
ReasoningTraceFile read_reasoning_trace_file(const std::filesystem::path& path);

/// One trace of a JSON Lines file.
struct NamedReasoningTrace {
  std::string name;  // the line's `id` / `problem_id` / `name` (string or number), else "line-N"
  ReasoningTraceFile trace;
};

/// Reads a JSON Lines file: one object per non-empty line, each as read_reasoning_trace_file reads
/// a file. Errors name the file and the line (1-based).
std::vector<NamedReasoningTrace> read_reasoning_trace_lines(const std::filesystem::path& path);

}  // namespace sentlens
