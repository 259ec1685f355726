// The `sentlens resample` job: rollouts per sentence in the layout of the original
// generate_rollouts.py, with one prompt forward per sentence shared by all its rollouts.
#include "sentlens/workflow/resample.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <fmt/format.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "io/json_file.h"
#include "sentlens/io/atomic_file.h"
#include "sentlens/text/answer_pattern.h"
#include "sentlens/text/boxed_answers.h"
#include "sentlens/text/splitter.h"
#include "sentlens/tokenizer/tokenizer.h"
#include "sentlens/workflow/generate.h"
#include "text/python_text.h"
#include "util/check.h"
#include "util/seconds.h"

namespace sentlens {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

constexpr std::string_view kThink = "<think>";
constexpr std::string_view kForcedSuffix = "\n</think>\n\nTherefore, the final answers is \\boxed{";

std::string python_strip(const std::string& text) {
  return text_detail::encode_utf8(text_detail::strip(text_detail::decode_utf8(text)));
}

void make_folder(const fs::path& folder) {
  std::error_code error;
  fs::create_directories(folder, error);
  SENTLENS_CHECK(!error, IoError, "{}: cannot create the folder: {}", folder.string(),
                 error.message());
}

void write_json(const fs::path& path, const Json& json) {
  write_text_atomically(path,
                        json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

// The prompt head (through "<think>" and the whitespace after it) and the reasoning.
struct TraceParts {
  std::string head, solution;
};

TraceParts split_trace(const ResampleJob& job) {
  TraceParts parts;
  const std::size_t think = job.text.find(kThink);
  if (think != std::string::npos) {
    std::size_t end = think + kThink.size();
    while (end < job.text.size() && (job.text[end] == ' ' || job.text[end] == '\n' ||
                                     job.text[end] == '\t' || job.text[end] == '\r')) {
      ++end;
    }
    parts.head = job.text.substr(0, end);
    std::string reasoning = job.text.substr(end);
    const std::size_t close = reasoning.find("</think>");
    if (close != std::string::npos) reasoning.resize(close);
    parts.solution = python_strip(reasoning);
  } else {
    SENTLENS_CHECK(!job.problem.empty(), InputError,
                   "the trace has no <think> tag that ends its prompt; give the problem (--problem "
                   "or a `problem` field) to use the original prompt template");
    parts.head = math_prompt_head(job.problem);
    parts.solution = python_strip(job.text);
  }
  return parts;
}

// Each sentence's rollouts (and its forced ones) draw from their own streams; rollout k of a
// folder is draw k whether it was made in one run or resumed, adaptively or not.
std::uint64_t chunk_seed(std::uint64_t seed, std::int64_t chunk, bool forced) {
  return seed ^ (static_cast<std::uint64_t>(chunk + 1) * 0x9E3779B97F4A7C15ull) ^
         (forced ? 0xC2B2AE3D27D4EB4Full : 0);
}

// Records of an existing solutions.json (resuming), else none.
Json existing_records(const fs::path& file) {
  if (!fs::exists(file)) return Json::array();
  const nlohmann::json json = read_json_file(file);
  SENTLENS_CHECK(json.is_array(), FormatError, "{}: expected a list of rollouts to resume",
                 file.string());
  return Json::parse(json.dump());
}

std::int64_t valid_count(const Json& records) {
  std::int64_t count = 0;
  for (const auto& record : records) {
    if (record.is_object() && record.contains("answer") && !record.contains("error")) ++count;
  }
  return count;
}

// 95% Agresti-Coull half-width of the accuracy the analysis computes from these records.
double accuracy_half_width(const Json& records) {
  double correct = 0, total = 0;
  for (const auto& record : records) {
    if (!record.is_object() || !record.contains("answer") || !record["answer"].is_string() ||
        record["answer"].get<std::string>().empty() || !record.contains("is_correct") ||
        record["is_correct"].is_null()) {
      continue;
    }
    total += 1;
    if (record["is_correct"].is_boolean() && record["is_correct"].get<bool>()) correct += 1;
  }
  constexpr double z = 1.959963984540054;
  const double n = total + z * z;
  const double p = (correct + z * z / 2) / n;
  return z * std::sqrt(p * (1 - p) / n);
}

}  // namespace

std::string math_prompt_head(const std::string& problem) {
  return "Solve this math problem step by step. You MUST put your final answer in \\boxed{}. "
         "Problem: " +
         problem + " Solution: \n<think>\n";
}

RolloutPrompt rollout_prompt(const std::string& head, const std::vector<std::string>& chunks,
                             std::size_t chunk_index, bool forced_answer) {
  SENTLENS_CHECK(chunk_index < chunks.size(), InputError, "sentence {} of a trace with {}",
                 chunk_index, chunks.size());
  std::string cumulative;
  for (std::size_t i = 0; i <= chunk_index; ++i) cumulative += chunks[i] + " ";
  cumulative = python_strip(cumulative);
  RolloutPrompt result;
  result.prefix_without_chunk =
      python_strip(text_detail::replace_all(cumulative, chunks[chunk_index], ""));
  result.prompt = head + result.prefix_without_chunk;
  if (forced_answer) result.prompt += kForcedSuffix;
  return result;
}

namespace {

// Every check that needs no model, so that bad input fails before a load.
void check_resample_job(const ResampleJob& job) {
  SENTLENS_CHECK(!job.text.empty(), InputError, "empty input: the trace has no text");
  SENTLENS_CHECK(job.rollouts >= 1, InputError, "rollouts per sentence must be >= 1, got {}",
                 job.rollouts);
  SENTLENS_CHECK(!job.out_dir.empty(), InputError, "no output folder given");
  SENTLENS_CHECK(!job.adaptive.enabled || (job.adaptive.tolerance > 0 && job.adaptive.round >= 1 &&
                                           job.adaptive.min_rollouts >= 1),
                 InputError, "adaptive sampling needs a positive tolerance, round and minimum");
  split_trace(job);
  if (!job.answer_pattern.empty()) AnswerPattern check(job.answer_pattern);
}

}  // namespace

ResampleSummary resample_trace(const Model& model, const Tokenizer& tokenizer,
                               const ResampleJob& job) {
  check_resample_job(job);
  const TraceParts parts = split_trace(job);
  std::vector<std::string> chunks = job.chunks;
  if (chunks.empty()) {
    SplitOptions split;
    split.profile = Profile::kReference;
    split.think_region = false;
    split.reference_keep_tail = true;
    chunks = split_sentences(parts.solution, split).chunks;
  }
  SENTLENS_CHECK(!chunks.empty(), InputError, "the trace's reasoning has no sentence to resample");
  std::vector<std::int64_t> selected = job.only_chunks;
  if (selected.empty()) {
    for (std::size_t i = 0; i < chunks.size(); ++i)
      selected.push_back(static_cast<std::int64_t>(i));
  }
  for (std::int64_t index : selected) {
    SENTLENS_CHECK(index >= 0 && index < static_cast<std::int64_t>(chunks.size()), InputError,
                   "sentence {} does not exist (the trace has {} sentences)", index, chunks.size());
  }

  ResampleSummary summary;
  summary.sentences = static_cast<std::int64_t>(selected.size());
  summary.problem_dir = job.out_dir / job.name;
  make_folder(summary.problem_dir);
  if (job.forced_answer) {
    summary.forced_dir = job.out_dir / "forced_answer" / job.name;
    make_folder(*summary.forced_dir);
  }

  const AnswerPattern answers =
      job.answer_pattern.empty() ? AnswerPattern() : AnswerPattern(job.answer_pattern);
  const std::string base_answer = answers.extract(parts.solution);
  write_json(summary.problem_dir / "problem.json",
             Json{{"problem", job.problem}, {"gt_answer", job.ground_truth}});
  write_json(summary.problem_dir / "base_solution.json",
             Json{{"prompt", parts.head},
                  {"solution", job.text.substr(parts.head.size())},
                  {"full_cot", job.text},
                  {"answer", base_answer},
                  {"is_correct", !job.ground_truth.empty() && !base_answer.empty() &&
                                     answers_match(base_answer, job.ground_truth)}});
  write_json(
      summary.problem_dir / "chunks.json",
      Json{{"source_text", job.text}, {"solution_text", parts.solution}, {"chunks", chunks}});

  SamplingOptions sampling = job.sampling;
  if (const auto eos = tokenizer.eos_id()) sampling.stop_ids.push_back(*eos);
  const auto start = std::chrono::steady_clock::now();
  std::int64_t sentence_number = 0;
  for (std::int64_t index : selected) {
    ++sentence_number;
    for (const bool forced : {false, true}) {
      if (forced && !job.forced_answer) continue;
      const fs::path folder =
          (forced ? *summary.forced_dir : summary.problem_dir) / fmt::format("chunk_{}", index);
      make_folder(folder);
      const fs::path file = folder / "solutions.json";
      Json records = existing_records(file);
      summary.rollouts_reused += std::min(valid_count(records), job.rollouts);
      summary.rollouts_fixed_budget += job.rollouts;
      const RolloutPrompt prompt =
          rollout_prompt(parts.head, chunks, static_cast<std::size_t>(index), forced);
      const std::vector<std::int64_t> prompt_ids =
          tokenizer.encode(prompt.prompt, EncodeOptions{job.add_bos}).ids();
      while (true) {
        const std::int64_t have = valid_count(records);
        if (have >= job.rollouts) break;
        // Adaptive: stop once the folder's accuracy is known well enough (forced folders too).
        if (job.adaptive.enabled && have >= job.adaptive.min_rollouts &&
            accuracy_half_width(records) <= job.adaptive.tolerance) {
          break;
        }
        std::int64_t count = job.rollouts - have;
        if (job.adaptive.enabled) {
          count =
              std::min(count, have < job.adaptive.min_rollouts ? job.adaptive.min_rollouts - have
                                                               : job.adaptive.round);
        }
        SamplingOptions round = sampling;
        round.seed = chunk_seed(job.sampling.seed, index, forced);
        round.first_sample = static_cast<std::int64_t>(records.size());
        if (forced) round.max_new_tokens = job.forced_max_new_tokens;
        const std::vector<GeneratedText> texts =
            generate_texts(model, tokenizer, prompt_ids, count, round);
        SplitOptions split;
        split.profile = Profile::kReference;
        for (const GeneratedText& generated : texts) {
          const std::string& rollout = generated.text;
          const std::vector<std::string> rollout_chunks =
              rollout.empty() ? std::vector<std::string>{} : split_sentences(rollout, split).chunks;
          const std::string answer = answers.extract(forced ? prompt.prompt + rollout : rollout);
          records.push_back(Json{
              {"chunk_removed", chunks[static_cast<std::size_t>(index)]},
              {"prefix_without_chunk", prompt.prefix_without_chunk},
              {"chunk_resampled", rollout_chunks.empty() ? std::string() : rollout_chunks.front()},
              {"rollout", rollout},
              {"full_cot", prompt.prompt + rollout},
              {"answer", answer},
              {"is_correct", !job.ground_truth.empty() && !answer.empty() &&
                                 answers_match(answer, job.ground_truth)}});
          summary.generated_tokens += static_cast<std::int64_t>(generated.ids.size());
          ++summary.rollouts_written;
        }
        write_json(file, records);  // after every round: a killed run resumes from here
        if (job.on_progress) {
          job.on_progress(fmt::format("sentence {}/{} (chunk {}{}): {} rollouts", sentence_number,
                                      selected.size(), index, forced ? ", forced" : "",
                                      valid_count(records)));
        }
      }
    }
  }
  summary.generate_seconds = seconds_since(start);
  return summary;
}

ResampleSummary run_resample_job(const ResampleJob& job) {
  check_resample_job(job);
  const auto start = std::chrono::steady_clock::now();
  if (job.on_progress) job.on_progress("loading " + job.model.dir.string());
  const Model model = job.model.load_model();
  const std::unique_ptr<Tokenizer> tokenizer = job.model.load_tokenizer();
  const double load_seconds = seconds_since(start);
  ResampleSummary summary = resample_trace(model, *tokenizer, job);
  summary.load_seconds = load_seconds;
  return summary;
}

}  // namespace sentlens
