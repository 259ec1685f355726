// `sentlens analyze`: text -> sentences + tokens -> one capture pass -> every sentence- and
// token-level analysis -> optional suppression -> trace file.
#include "sentlens/workflow/analyze.h"

#include <chrono>

#include <fmt/format.h>
#include <torch/torch.h>

#include "sentlens/analysis/receivers_job.h"
#include "sentlens/capture/trace_capture.h"
#include "sentlens/model/device.h"
#include "sentlens/report/report.h"
#include "sentlens/text/sentence_spans.h"
#include "util/check.h"
#include "util/seconds.h"

namespace sentlens {

namespace {

// Reports the start of every layer of the capture pass: cheap (one check per block).
class LayerProgress final : public AttentionObserver {
 public:
  explicit LayerProgress(std::function<void(const std::string&)> report)
      : report_(std::move(report)) {}
  void begin_forward(const ForwardShape& shape) override {
    layers_ = shape.num_layers;
    tokens_ = shape.new_tokens;
    start_ = std::chrono::steady_clock::now();
  }
  void observe(const AttentionBlock& block, const torch::Tensor& /*probs*/) override {
    if (block.sequence != 0 || block.layer == last_layer_) return;
    last_layer_ = block.layer;
    report_(fmt::format("forward: layer {}/{} ({} tokens, {:.1f} s)", block.layer + 1, layers_,
                        tokens_, seconds_since(start_)));
  }

 private:
  std::function<void(const std::string&)> report_;
  std::int64_t layers_ = 0, tokens_ = 0, last_layer_ = -1;
  std::chrono::steady_clock::time_point start_;
};

// The sentences of the job's text: given chunks, the response part, or the whole text.
SplitResult job_sentences(const AnalyzeJob& job, std::int64_t response_char) {
  if (!job.chunks.empty()) return locate_chunks(job.text, job.chunks, response_char);
  return split_response(job.text, response_char, split_options(job.parameters));
}

}  // namespace

void analyze_trace(const Trace& trace, const AnalyzeJob& options, AnalyzeResult& result) {
  result.token_texts = token_texts(trace);
  // Vertical scores need sentences farther apart than proximity_ignore and a head whose scores
  // vary; a short trace may have neither, and the other analyses still apply.
  // A receiver-heads file is read first: a bad one fails before any analysis.
  std::vector<std::pair<std::int64_t, std::int64_t>> heads_from_file;
  ReceiverOptions receiver_options = options.receivers;
  if (!options.receiver_heads_file.empty()) {
    heads_from_file = read_receiver_heads_file(options.receiver_heads_file);
    receiver_options.top_k = static_cast<std::int64_t>(heads_from_file.size());
  }
  try {
    ReceiverAnalysis analysis =
        analyze_receivers({sentence_matrices(trace, trace.model)}, receiver_options);
    if (!heads_from_file.empty()) {
      use_receiver_heads(analysis, heads_from_file);
      result.receiver_heads_from_file = true;
    }
    result.warnings.insert(result.warnings.end(), analysis.warnings.begin(),
                           analysis.warnings.end());
    result.broadcasting = broadcasting_sentences(analysis.traces.front().receiver_head_scores,
                                                 options.broadcasting_count);
    result.receivers = std::move(analysis);
  } catch (const InputError& error) {
    if (!options.receiver_heads_file.empty()) throw;
    result.warnings.push_back(fmt::format(
        "receiver heads skipped: {} (proximity_ignore = {}; try a smaller --proximity-ignore)",
        error.what(), options.receivers.proximity_ignore));
  }
  if (trace.rhythm.empty()) return;
  const std::int64_t response_tokens = trace.num_tokens() - trace.rhythm.options.response_start;
  if (response_tokens >= 2) {
    TokenRoleOptions roles = options.roles;
    if (result.receivers && roles.receivers.empty())
      roles.receivers = result.receivers->receiver_heads;
    result.roles = token_roles(trace.rhythm, roles);
  } else {
    result.warnings.push_back(
        fmt::format("token roles skipped: the response has {} tokens (from token {} of {})",
                    response_tokens, trace.rhythm.options.response_start, trace.num_tokens()));
  }
  result.sinks = find_sinks(trace.rhythm.key_attention, trace.num_layers, trace.num_heads,
                            result.token_texts, options.sinks);
}

AnalyzeResult run_analyze_job(const AnalyzeJob& job) {
  SENTLENS_CHECK(!job.text.empty(), InputError, "empty input: the text has no characters");
  if (job.on_progress) job.on_progress(fmt::format("loading {}", job.model_dir.string()));
  const auto start = std::chrono::steady_clock::now();
  const Model model =
      Model::load(job.model_dir, LoadOptions{parse_device(job.device), job.threads, job.weights});
  const std::unique_ptr<Tokenizer> tokenizer = load_tokenizer(job.model_dir);
  const double load_seconds = seconds_since(start);
  AnalyzeResult result = analyze_text(model, *tokenizer, job);
  result.seconds.load = load_seconds;
  return result;
}

AnalyzeResult analyze_text(const Model& model, const Tokenizer& tokenizer, const AnalyzeJob& job,
                           bool analyses) {
  SENTLENS_CHECK(!job.text.empty(), InputError, "empty input: the text has no characters");
  const auto progress = [&job](const std::string& line) {
    if (job.on_progress) job.on_progress(line);
  };
  AnalyzeResult result;
  auto start = std::chrono::steady_clock::now();
  TraceParameters parameters = job.parameters;
  parameters.response_char_start =  // no prompt: all is response
      response_char_start(job.text, job.prompt_chars, job.response_marker).value_or(0);
  AlignedText aligned = align_sentences(
      tokenizer, job.text, job_sentences(job, parameters.response_char_start), parameters);
  // With response_start -1 the token rhythm's prompt is what precedes the first sentence: the
  // same prompt that --prompt-chars / --response-start keep out of the sentences.
  result.seconds.align = seconds_since(start);
  progress(fmt::format("{} tokens, {} sentences", aligned.encoding.size(),
                       aligned.split.sentences.size()));

  start = std::chrono::steady_clock::now();
  std::optional<LayerProgress> layer_progress;
  std::vector<AttentionObserver*> observers;
  if (job.on_progress) {
    layer_progress.emplace(job.on_progress);
    observers.push_back(&*layer_progress);
  }
  result.trace = capture_aligned(model, tokenizer, job.text, aligned, parameters, observers);
  result.seconds.forward = seconds_since(start);

  if (analyses) {
    start = std::chrono::steady_clock::now();
    analyze_trace(result.trace, job, result);
    result.seconds.analysis = seconds_since(start);
  }

  if (job.suppress) {
    start = std::chrono::steady_clock::now();
    SuppressionOptions options = job.suppression;
    options.block_size = parameters.block_size;
    options.allow_longer = parameters.allow_longer;
    if (job.on_progress) {
      options.on_progress = [&progress](const SuppressionProgress& state) {
        progress(fmt::format("suppression: {}/{} sentences ({:.1f} s)", state.done, state.total,
                             state.elapsed_seconds));
      };
    }
    std::vector<std::int64_t> ids;
    for (const TraceToken& token : result.trace.tokens) ids.push_back(token.id);
    torch::NoGradGuard no_grad;
    const SuppressionResult matrix = suppression_matrix(model, torch::tensor(ids, torch::kInt64),
                                                        result.trace.sentence_tokens, options);
    result.trace.suppression_kl = matrix.kl_matrix;
    result.trace.suppression_profile =
        options.profile == SuppressionProfile::kReference ? "reference" : "clean";
    result.trace.suppression_temperature = options.temperature;
    result.seconds.suppression = seconds_since(start);
  }

  if (!job.out.empty()) {
    start = std::chrono::steady_clock::now();
    write_trace(result.trace, job.out);
    result.seconds.write = seconds_since(start);
  }
  if (!job.report.empty()) {
    start = std::chrono::steady_clock::now();
    ReportOptions report;
    report.receivers = job.receivers;
    if (result.receivers) report.receiver_heads = result.receivers->receiver_heads;
    report.roles = job.roles;
    report.sinks = job.sinks;
    const std::string source = job.out.empty() ? job.model_dir.string() : job.out.string();
    result.report_bytes =
        write_html_report(build_report_data(result.trace, report, source), job.report);
    result.seconds.report = seconds_since(start);
  }
  return result;
}

}  // namespace sentlens
