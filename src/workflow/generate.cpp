// The `sentlens generate` job and the text-level sampling it shares with `resample`.
#include "sentlens/workflow/generate.h"

#include <algorithm>
#include <chrono>

#include <torch/torch.h>

#include "sentlens/model/model.h"
#include "tokenizer/js_text.h"
#include "util/check.h"
#include "util/seconds.h"

namespace sentlens {
namespace {

// The continuation's text: decoded with the prompt so that a leading space that belongs to the
// first token survives (sentencepiece drops it at the start of a decode), then cut after the
// prompt's text. Falls back to decoding the continuation alone when the prompt's decode is not a
// prefix (a multi-byte character split across the boundary).
std::string decode_continuation(const Tokenizer& tokenizer, const std::vector<std::int64_t>& prompt,
                                const std::string& prompt_text,
                                const std::vector<std::int64_t>& continuation) {
  std::vector<std::int64_t> all = prompt;
  all.insert(all.end(), continuation.begin(), continuation.end());
  // A continuation cut by the token limit may end inside a character: keep the text valid UTF-8
  // (each invalid sequence becomes U+FFFD), as the text layer requires.
  const std::string text = tokenizer.decode(all);
  if (text.compare(0, prompt_text.size(), prompt_text) == 0) {
    return hf::decode_utf8_lossy(text.substr(prompt_text.size()));
  }
  return hf::decode_utf8_lossy(tokenizer.decode(continuation));
}

}  // namespace

std::vector<GeneratedText> generate_texts(const Model& model, const Tokenizer& tokenizer,
                                          const std::vector<std::int64_t>& prompt_ids,
                                          std::int64_t samples, const SamplingOptions& options,
                                          const std::vector<std::string>& stop_strings) {
  const std::string prompt_text = tokenizer.decode(prompt_ids);
  std::size_t longest_stop = 0;
  for (const std::string& stop : stop_strings) {
    SENTLENS_CHECK(!stop.empty(), InputError, "a stop string must not be empty");
    longest_stop = std::max(longest_stop, stop.size());
  }
  SamplingOptions sampling = options;
  if (!stop_strings.empty()) {
    // A stop string of n bytes lies within the last n + 1 tokens (every token is at least one
    // byte, and the first may only end in it), so only that window is decoded after each token.
    const auto window = static_cast<std::ptrdiff_t>(longest_stop + 1);
    const auto user_stop = options.should_stop;
    sampling.should_stop = [&, window, user_stop](std::int64_t sample,
                                                  const std::vector<std::int64_t>& tokens) {
      if (user_stop && user_stop(sample, tokens)) return true;
      const auto from = tokens.end() - std::min<std::ptrdiff_t>(window, tokens.size());
      const std::string tail = tokenizer.decode(std::vector<std::int64_t>(from, tokens.end()));
      return std::any_of(stop_strings.begin(), stop_strings.end(), [&](const std::string& stop) {
        return tail.find(stop) != std::string::npos;
      });
    };
  }
  const auto continuations = sample_continuations(model, prompt_ids, samples, sampling);
  std::vector<GeneratedText> texts;
  texts.reserve(continuations.size());
  for (const auto& ids : continuations) {
    GeneratedText generated;
    generated.ids = ids;
    generated.text = decode_continuation(tokenizer, prompt_ids, prompt_text, ids);
    generated.finish_reason = "length";
    std::size_t cut = std::string::npos;
    for (const std::string& stop : stop_strings) cut = std::min(cut, generated.text.find(stop));
    if (cut != std::string::npos) {
      generated.text.resize(cut);
      generated.finish_reason = "stop";
    } else if (!ids.empty() && std::find(options.stop_ids.begin(), options.stop_ids.end(),
                                         ids.back()) != options.stop_ids.end()) {
      generated.finish_reason = "eos";
    }
    texts.push_back(std::move(generated));
  }
  return texts;
}

GenerateResult run_generate_job(const GenerateJob& job) {
  SENTLENS_CHECK(!job.text.empty(), InputError, "empty input: the prompt has no characters");
  SENTLENS_CHECK(job.samples >= 1, InputError, "sample count must be >= 1, got {}", job.samples);
  GenerateResult result;
  auto start = std::chrono::steady_clock::now();
  if (job.on_progress) job.on_progress("loading " + job.model.dir.string());
  const Model model = job.model.load_model();
  result.threads = compute_threads();
  const std::unique_ptr<Tokenizer> tokenizer = job.model.load_tokenizer();
  result.load_seconds = seconds_since(start);

  result.prompt_ids = tokenizer->encode(job.text, EncodeOptions{job.add_bos}).ids();
  SENTLENS_CHECK(!result.prompt_ids.empty(), InputError, "empty input: the prompt gave no tokens");
  SamplingOptions sampling = job.sampling;
  if (!job.ignore_eos) {
    if (const auto eos = tokenizer->eos_id()) sampling.stop_ids.push_back(*eos);
  }
  if (job.on_progress) {
    sampling.on_progress = [&](std::int64_t done, std::int64_t total) {
      job.on_progress("sampled " + std::to_string(done) + "/" + std::to_string(total));
    };
  }
  start = std::chrono::steady_clock::now();
  result.samples =
      generate_texts(model, *tokenizer, result.prompt_ids, job.samples, sampling, job.stop_strings);
  result.generate_seconds = seconds_since(start);
  for (const GeneratedText& sample : result.samples) {
    result.generated_tokens += static_cast<std::int64_t>(sample.ids.size());
  }
  return result;
}

}  // namespace sentlens
