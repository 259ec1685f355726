// Reading Thought Anchors rollout folders (generate_rollouts.py layout).
#include "sentlens/io/rollout_folder.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "io/json_file.h"
#include "sentlens/error.h"
#include "util/check.h"

namespace sentlens {
namespace {

namespace fs = std::filesystem;

// A string field that may be absent or null.
std::optional<std::string> optional_string(const nlohmann::json& record, const char* field,
                                           const std::string& where) {
  const auto found = record.find(field);
  if (found == record.end() || found->is_null()) return std::nullopt;
  SENTLENS_CHECK(found->is_string(), FormatError, "{}: `{}` must be a string or null, got {}",
                 where, field, json_excerpt(*found));
  return found->get<std::string>();
}

RolloutRecord read_record(const nlohmann::json& record, const std::string& where) {
  SENTLENS_CHECK(record.is_object(), FormatError, "{}: expected a rollout object, got {}", where,
                 json_excerpt(record));
  RolloutRecord out;
  out.chunk_removed = optional_string(record, "chunk_removed", where);
  out.chunk_resampled = optional_string(record, "chunk_resampled", where);
  out.rollout = optional_string(record, "rollout", where).value_or("");
  // The original reads `answer` with .get("answer", "") and normalises it, which fails on null.
  const auto answer = record.find("answer");
  if (answer != record.end()) {
    SENTLENS_CHECK(answer->is_string(), FormatError, "{}: `answer` must be a string, got {}", where,
                   json_excerpt(*answer));
    out.answer = answer->get<std::string>();
  }
  const auto is_correct = record.find("is_correct");
  if (is_correct != record.end() && !is_correct->is_null()) {
    SENTLENS_CHECK(is_correct->is_boolean(), FormatError,
                   "{}: `is_correct` must be true, false or null, got {}", where,
                   json_excerpt(*is_correct));
    out.is_correct = is_correct->get<bool>();
  }
  return out;
}

RolloutChunkFolder read_solutions(const fs::path& file) {
  const nlohmann::json json = read_json_file(file);
  SENTLENS_CHECK(json.is_array(), FormatError, "{}: expected a list of rollouts, got {}",
                 file.string(), json_excerpt(json));
  RolloutChunkFolder folder;
  folder.solutions_file = file;
  folder.records.reserve(json.size());
  for (std::size_t i = 0; i < json.size(); ++i) {
    folder.records.push_back(read_record(json[i], fmt::format("{}: entry {}", file.string(), i)));
  }
  return folder;
}

// The index of a `chunk_<i>` folder name, or -1.
std::int64_t chunk_folder_index(const std::string& name) {
  static constexpr std::string_view kPrefix = "chunk_";
  if (name.size() <= kPrefix.size() || name.compare(0, kPrefix.size(), kPrefix) != 0) return -1;
  std::int64_t index = -1;
  const char* begin = name.data() + kPrefix.size();
  const char* end = name.data() + name.size();
  const auto [stop, error] = std::from_chars(begin, end, index);
  if (error != std::errc() || stop != end || index < 0) return -1;
  return index;
}

nlohmann::json required_json(const fs::path& directory, const char* name) {
  const fs::path file = directory / name;
  std::error_code error;
  SENTLENS_CHECK(fs::is_regular_file(file, error), IoError,
                 "{}: missing {} (a rollout folder holds problem.json, base_solution.json, "
                 "chunks.json and chunk_<i>/solutions.json)",
                 directory.string(), name);
  return read_json_file(file);
}

}  // namespace

std::map<std::int64_t, RolloutChunkFolder> read_rollout_chunk_folders(
    const fs::path& directory, std::vector<std::int64_t>* without_solutions) {
  std::error_code error;
  SENTLENS_CHECK(fs::is_directory(directory, error), IoError, "{}: not a directory",
                 directory.string());
  std::map<std::int64_t, RolloutChunkFolder> folders;
  fs::directory_iterator entries(directory, error);
  SENTLENS_CHECK(!error, IoError, "{}: cannot list the folder: {}", directory.string(),
                 error.message());
  for (const auto& entry : entries) {
    if (!entry.is_directory()) continue;
    const std::int64_t index = chunk_folder_index(entry.path().filename().string());
    if (index < 0) continue;
    const fs::path solutions = entry.path() / "solutions.json";
    if (!fs::exists(solutions)) {
      if (without_solutions != nullptr) without_solutions->push_back(index);
      continue;
    }
    folders.emplace(index, read_solutions(solutions));
  }
  if (without_solutions != nullptr) std::sort(without_solutions->begin(), without_solutions->end());
  return folders;
}

RolloutProblem read_rollout_problem(const fs::path& directory) {
  RolloutProblem problem;
  problem.directory = directory;
  problem.name = directory.filename().string();
  if (problem.name.empty()) problem.name = directory.parent_path().filename().string();

  const nlohmann::json problem_json = required_json(directory, "problem.json");
  const std::string problem_file = (directory / "problem.json").string();
  SENTLENS_CHECK(problem_json.is_object(), FormatError, "{}: expected a JSON object", problem_file);
  problem.ground_truth = optional_string(problem_json, "gt_answer", problem_file).value_or("");
  required_json(directory, "base_solution.json");

  const nlohmann::json chunks_json = required_json(directory, "chunks.json");
  const std::string chunks_file = (directory / "chunks.json").string();
  const auto chunks = chunks_json.is_object() ? chunks_json.find("chunks") : chunks_json.end();
  SENTLENS_CHECK(chunks != chunks_json.end() && chunks->is_array(), FormatError,
                 "{}: expected an object with a `chunks` list", chunks_file);
  for (std::size_t i = 0; i < chunks->size(); ++i) {
    SENTLENS_CHECK((*chunks)[i].is_string(), FormatError, "{}: chunks[{}] must be a string, got {}",
                   chunks_file, i, json_excerpt((*chunks)[i]));
    problem.chunks.push_back((*chunks)[i].get<std::string>());
  }

  const fs::path labeled_file = directory / "chunks_labeled.json";
  if (fs::exists(labeled_file)) {
    problem.has_labeled_file = true;
    const nlohmann::json labeled = read_json_file(labeled_file);
    SENTLENS_CHECK(labeled.is_array(), FormatError, "{}: expected a list of labeled chunks",
                   labeled_file.string());
    for (std::size_t i = 0; i < labeled.size(); ++i) {
      const std::string where = fmt::format("{}: entry {}", labeled_file.string(), i);
      const nlohmann::json& entry = labeled[i];
      SENTLENS_CHECK(entry.is_object(), FormatError, "{}: expected an object, got {}", where,
                     json_excerpt(entry));
      const auto index = entry.find("chunk_idx");
      SENTLENS_CHECK(index != entry.end() && index->is_number_integer(), FormatError,
                     "{}: `chunk_idx` must be an integer", where);
      LabeledChunk chunk;
      chunk.chunk_index = index->get<std::int64_t>();
      chunk.text = optional_string(entry, "chunk", where).value_or("");
      problem.labeled.push_back(std::move(chunk));
    }
  }
  problem.folders = read_rollout_chunk_folders(directory, &problem.folders_without_solutions);
  return problem;
}

fs::path find_rollout_problem(const fs::path& directory) {
  std::error_code error;
  SENTLENS_CHECK(fs::is_directory(directory, error), IoError, "{}: not a directory",
                 directory.string());
  if (fs::exists(directory / "chunks.json")) return directory;
  std::vector<fs::path> candidates;
  fs::directory_iterator entries(directory, error);
  SENTLENS_CHECK(!error, IoError, "{}: cannot list the folder: {}", directory.string(),
                 error.message());
  for (const auto& entry : entries) {
    if (entry.is_directory() && entry.path().filename().string().rfind("problem_", 0) == 0 &&
        fs::exists(entry.path() / "chunks.json")) {
      candidates.push_back(entry.path());
    }
  }
  std::sort(candidates.begin(), candidates.end());
  SENTLENS_CHECK(!candidates.empty(), InputError,
                 "{}: not a rollout folder (no chunks.json here and no problem_*/chunks.json "
                 "below)",
                 directory.string());
  if (candidates.size() > 1) {
    std::string names;
    for (const auto& candidate : candidates) {
      names += (names.empty() ? "" : ", ") + candidate.filename().string();
    }
    throw InputError(fmt::format("{}: holds {} problems ({}); name one of them", directory.string(),
                                 candidates.size(), names));
  }
  return candidates.front();
}

}  // namespace sentlens
