// The `sentlens suppress` job.
#include "sentlens/suppression/suppression_job.h"

#include <fstream>

#include <torch/torch.h>

#include "sentlens/capture/trace_capture.h"
#include "sentlens/io/atomic_file.h"
#include "sentlens/io/safetensors.h"
#include "sentlens/text/sentence_spans.h"
#include "sentlens/tokenizer/tokenizer.h"
#include "util/check.h"

namespace sentlens {

SuppressionJobResult run_suppression_job(const SuppressionJob& job) {
  SENTLENS_CHECK(!job.trace.empty() || job.text.has_value() || !job.ids.empty(), InputError,
                 "empty input: no trace, no text and no token ids");
  const Model model = job.model.load_model();
  SuppressionJobResult outcome;
  std::vector<std::int64_t> input_ids = job.ids;
  std::vector<TokenRange> sentences = job.sentences;
  std::optional<Trace> trace;
  if (!job.trace.empty()) {
    trace = read_trace(job.trace);
    SENTLENS_CHECK(trace->config_fingerprint == model.config().fingerprint(), InputError,
                   "{}: the trace was made with a different model ({}, config fingerprint {}) than "
                   "{} (fingerprint {})",
                   job.trace.string(), trace->model, trace->config_fingerprint,
                   job.model.dir.string(), model.config().fingerprint());
    input_ids.clear();
    for (const TraceToken& token : trace->tokens) input_ids.push_back(token.id);
    sentences = trace->sentence_tokens;
    for (const auto& sentence : trace->sentences) {
      outcome.sentence_texts.emplace_back(sentence_text(trace->text, sentence));
    }
  } else if (job.text) {
    const auto tokenizer = job.model.load_tokenizer();
    const AlignedText aligned =
        job.chunks.empty()
            ? align_text(*tokenizer, *job.text, job.alignment)
            : align_sentences(*tokenizer, *job.text, locate_chunks(*job.text, job.chunks, 0),
                              job.alignment);
    input_ids = aligned.encoding.ids();
    sentences = aligned.sentence_tokens;
    for (const auto& sentence : aligned.split.sentences) {
      outcome.sentence_texts.emplace_back(sentence_text(*job.text, sentence));
    }
  }
  const auto ids = torch::tensor(input_ids, torch::kInt64);
  outcome.matrix = suppression_matrix(model, ids, sentences, job.options);
  const SuppressionResult& result = outcome.matrix;

  const auto S = result.num_sentences;
  const auto T = static_cast<std::int64_t>(input_ids.size());
  if (!job.out.empty()) {
    SafetensorsWriter writer;
    writer.set_metadata("producer", "sentlens suppress");
    writer.set_metadata("model", job.model.dir.string());
    writer.set_metadata("config_fingerprint", model.config().fingerprint());
    writer.set_metadata("profile", profile_name(job.options.profile));
    writer.set_metadata("temperature", fmt::format("{}", job.options.temperature));
    // Where the boundaries came from: a text split with this profile, a trace, or given ids.
    writer.set_metadata(
        "sentences", job.text && !job.chunks.empty() ? std::string("given chunks")
                     : job.text ? std::string("split ") + profile_name(job.alignment.split.profile)
                     : trace    ? std::string("trace")
                                : std::string("given"));
    writer.add_f64("kl_matrix", {S, S}, result.kl_matrix);
    writer.add_f64("token_kl", {S, T}, result.token_kl);
    std::vector<std::int64_t> boundaries;
    for (const auto& [first, last] : sentences) {
      boundaries.push_back(first);
      boundaries.push_back(last);
    }
    writer.add_i64("boundaries", {S, 2}, boundaries);
    writer.add_i64("ids", {T}, input_ids);
    writer.write(job.out);
  }
  if (trace) {
    trace->suppression_kl = result.kl_matrix;
    trace->suppression_profile = job.options.profile;
    trace->suppression_temperature = job.options.temperature;
    forget_input_file(job.trace);  // the matrix is added to the trace it came from, on purpose
    write_trace(*trace, job.trace);
  }
  if (!job.thought_anchors_json.empty()) {
    write_text_atomically(job.thought_anchors_json,
                          thought_anchors_suppression_json(result.kl_matrix, S) + "\n");
  }
  return outcome;
}

}  // namespace sentlens
