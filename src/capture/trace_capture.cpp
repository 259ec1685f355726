// Trace capture: text -> sentences + tokens -> forward with streaming pooling -> Trace.
#include "sentlens/capture/trace_capture.h"

#include <optional>

#include <torch/torch.h>

#include "sentlens/capture/sentence_pooling.h"
#include "sentlens/capture/token_rhythm_observer.h"
#include "sentlens/text/sentence_spans.h"
#include "sentlens/util/version.h"
#include "util/check.h"

namespace sentlens {

AlignedText align_text(const Tokenizer& tokenizer, const std::string& text,
                       const TraceParameters& parameters) {
  SENTLENS_CHECK(!text.empty(), InputError, "empty input: the text has no characters");
  return align_sentences(tokenizer, text, split_sentences(text, parameters.split), parameters);
}

AlignedText align_sentences(const Tokenizer& tokenizer, const std::string& text, SplitResult split,
                            const TraceParameters& parameters) {
  SENTLENS_CHECK(!text.empty(), InputError, "empty input: the text has no characters");
  AlignedText aligned;
  aligned.split = std::move(split);
  SENTLENS_CHECK(!aligned.split.sentences.empty(), InputError,
                 "the text has no sentence ({} profile): the splitter found no sentence boundary "
                 "in the part it splits",
                 profile_name(parameters.split.profile));
  aligned.encoding = tokenizer.encode(text, EncodeOptions{parameters.add_bos});
  const auto t_count = static_cast<std::int64_t>(aligned.encoding.size());
  SENTLENS_CHECK(t_count > 0, InputError, "empty input: the text gave no tokens");
  if (parameters.split.profile == Profile::kReference) {
    aligned.sentence_tokens = prefix_token_ranges(tokenizer, text, aligned.split.sentences);
    // A prefix can tokenize into more pieces than the full text has up to there; the original
    // then clamps to T - 1 while pooling, so clamping to T here changes nothing it would see.
    for (TokenRange& range : aligned.sentence_tokens) {
      range.start = std::min(range.start, t_count);
      range.end = std::min(range.end, t_count);
    }
    aligned.token_sentence = token_map_from_ranges(aligned.sentence_tokens, t_count);
  } else {
    aligned.token_sentence = token_sentence_map(text, aligned.encoding, aligned.split.sentences);
    aligned.sentence_tokens = token_ranges_from_map(
        aligned.token_sentence, static_cast<std::int64_t>(aligned.split.sentences.size()));
  }
  return aligned;
}

Trace capture_trace(const Model& model, const Tokenizer& tokenizer, const std::string& text,
                    const TraceParameters& parameters) {
  return capture_aligned(model, tokenizer, text, align_text(tokenizer, text, parameters),
                         parameters);
}

Trace capture_aligned(const Model& model, const Tokenizer& tokenizer, const std::string& text,
                      const AlignedText& aligned, const TraceParameters& parameters,
                      const std::vector<AttentionObserver*>& extra_observers) {
  const std::vector<std::int64_t> ids = aligned.encoding.ids();
  SentencePoolingObserver pooling(aligned.sentence_tokens, parameters.split.profile);
  // One pass for everything: the token rhythm accumulators ride on the same forward.
  std::optional<TokenRhythmObserver> rhythm_observer;
  ForwardOptions options(parameters.forward);
  options.compute_logits = parameters.token_rhythm && parameters.token_entropy;
  options.observers = {&pooling};
  if (parameters.token_rhythm) {
    rhythm_observer.emplace(parameters.rhythm_options(aligned.sentence_tokens.front().start));
    options.observers.push_back(&*rhythm_observer);
  }
  options.observers.insert(options.observers.end(), extra_observers.begin(), extra_observers.end());
  torch::NoGradGuard no_grad;
  const ForwardResult result =
      model.forward(torch::tensor(ids, torch::kInt64).to(model.device()), options);
  const SentenceMatrices matrices = pooling.result();

  Trace trace;
  trace.model = model.directory().string();
  trace.config_fingerprint = model.config().fingerprint();
  trace.tokenizer_fingerprint = tokenizer.fingerprint();
  trace.library_version = version();  // reports made before the file is written say it too
  trace.text = text;
  trace.parameters = parameters;
  trace.sentences = aligned.split.sentences;
  trace.sentence_tokens = aligned.sentence_tokens;
  trace.token_sentence = aligned.token_sentence;
  for (const Token& token : aligned.encoding.tokens) {
    trace.tokens.push_back(
        TraceToken{token.id, token.byte_start, token.byte_end, token.char_start, token.char_end});
  }
  trace.num_layers = matrices.num_layers;
  trace.num_heads = matrices.num_heads;
  trace.sentence_attention = matrices.values;
  if (rhythm_observer) {
    trace.rhythm = rhythm_observer->result();
    trace.parameters.response_token = trace.rhythm.options.response_start;  // resolved
    if (parameters.token_entropy)
      trace.rhythm.token_entropy = token_entropy_from_logits(result.logits);
  }
  return trace;
}

}  // namespace sentlens
