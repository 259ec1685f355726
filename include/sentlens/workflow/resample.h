// The `sentlens resample` job: Thought Anchors' rollouts made locally. For each sentence i of a
// reasoning trace, the model continues the prompt followed by sentences 0..i-1 (sentence i removed
// as the original removes it); the continuations are written in the original layout
// (generate_rollouts.py) so that `sentlens importance` and the original analysis read them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sentlens/model/model.h"
#include "sentlens/model/model_source.h"
#include "sentlens/model/sample.h"
#include "sentlens/tokenizer/tokenizer.h"

namespace sentlens {

/// The prompt of a rollout from sentence `chunk_index` (metrics.md §1.9): `head` followed by
/// `prefix_without_chunk`, which is sentences 0..i joined by single spaces with every occurrence
/// of sentence i's text then removed and the result stripped (the original's string `replace`).
struct RolloutPrompt {
  std::string prefix_without_chunk;
  std::string prompt;
};
RolloutPrompt rollout_prompt(const std::string& head, const std::vector<std::string>& chunks,
                             std::size_t chunk_index, bool forced_answer);

/// The original's prompt template, for a problem given as text:
/// "Solve this math problem step by step. You MUST put your final answer in \boxed{}. Problem:
/// {problem} Solution: \n<think>\n".
std::string math_prompt_head(const std::string& problem);

/// When a sentence's rollouts may stop early (`--adaptive`): after each round, once the 95%
/// interval of the folder's accuracy (Agresti-Coull) is narrower than `tolerance` on each side.
struct AdaptiveSampling {
  bool enabled = false;
  double tolerance = 0.1;          // half-width of the 95% interval
  std::int64_t min_rollouts = 10;  // before the first check
  std::int64_t round = 10;         // rollouts between checks
};

struct ResampleJob {
  ModelSource model;  // checkpoint folder, tokenizer, device, threads, weights mode
  /// The trace: its text (full_cot: prompt, `<think>`, reasoning) and optionally its sentences.
  std::string text;
  std::vector<std::string> chunks;  // empty = split the reasoning with the reference splitter
  std::string problem;              // problem statement (problem.json); "" = none
  std::string ground_truth;         // gt_answer; "" = correctness not judged (false)
  /// How answers are read: "" = the first \boxed{} (the original); else a PCRE2 pattern whose
  /// first group is the answer (AnswerPattern), e.g. "(\d+) is the answer" for the demo model.
  std::string answer_pattern;
  std::string name = "problem_0";         // the problem folder's name
  std::vector<std::int64_t> only_chunks;  // empty = every sentence
  std::int64_t rollouts = 100;
  bool forced_answer = false;  // also write forced-answer rollouts (forced_answer/<name>/...)
  std::int64_t forced_max_new_tokens = 16;
  SamplingOptions sampling;  // temperature 0.6, top-p 0.95 as the original unless changed
  AdaptiveSampling adaptive;
  bool add_bos = true;
  std::filesystem::path out_dir;
  std::function<void(const std::string&)> on_progress;
};

struct ResampleSummary {
  std::filesystem::path problem_dir;
  std::optional<std::filesystem::path> forced_dir;
  std::int64_t sentences = 0;
  std::int64_t rollouts_written = 0;       // new rollouts this run
  std::int64_t rollouts_reused = 0;        // already in solutions.json (resumed)
  std::int64_t rollouts_fixed_budget = 0;  // what --rollouts per sentence would have cost
  std::int64_t generated_tokens = 0;
  double load_seconds = 0;
  double generate_seconds = 0;
};

/// Runs the job; throws sentlens::Error subclasses naming the input and the problem. Folders
/// whose solutions.json already holds enough rollouts are kept (resumable after a kill).
ResampleSummary run_resample_job(const ResampleJob& job);

/// The job with a model and tokenizer already loaded (job.model_dir, tokenizer, threads,
/// weights and device are not read): for many traces on one load.
ResampleSummary resample_trace(const Model& model, const Tokenizer& tokenizer,
                               const ResampleJob& job);

}  // namespace sentlens
