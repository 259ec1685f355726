// The `sentlens generate` job: sample continuations of a text with the checkpoint's tokenizer,
// ending at EOS, a stop string or the token limit.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "sentlens/model/model_source.h"
#include "sentlens/model/sample.h"
#include "sentlens/tokenizer/tokenizer.h"

namespace sentlens {

/// One sampled continuation.
struct GeneratedText {
  std::string text;               // decoded continuation, cut before a stop string
  std::vector<std::int64_t> ids;  // generated ids (EOS or the stop string's tokens included)
  std::string finish_reason;      // "eos", "stop" (a stop string) or "length"
};

/// Samples `samples` continuations of `prompt_ids` and decodes them. `stop_strings` end a
/// continuation (cut from its text); EOS ends one when `options.stop_ids` holds it.
std::vector<GeneratedText> generate_texts(const Model& model, const Tokenizer& tokenizer,
                                          const std::vector<std::int64_t>& prompt_ids,
                                          std::int64_t samples, const SamplingOptions& options,
                                          const std::vector<std::string>& stop_strings = {});

struct GenerateJob {
  ModelSource model;  // checkpoint folder, tokenizer, device, threads, weights mode
  std::string text;   // the prompt
  bool add_bos = true;
  std::int64_t samples = 1;
  SamplingOptions sampling;  // stop_ids: the tokenizer's EOS is added unless ignore_eos
  bool ignore_eos = false;
  std::vector<std::string> stop_strings;
  std::function<void(const std::string&)> on_progress;
};

struct GenerateResult {
  std::vector<std::int64_t> prompt_ids;
  std::vector<GeneratedText> samples;
  double load_seconds = 0;
  double generate_seconds = 0;
  std::int64_t generated_tokens = 0;
  int threads = 0;
};

/// Runs the job; throws sentlens::Error subclasses naming the input and the problem.
GenerateResult run_generate_job(const GenerateJob& job);

}  // namespace sentlens
