// `sentlens analyze`: text -> sentences + tokens -> one capture pass -> every sentence- and
// token-level analysis -> optional suppression -> trace file.
#include "sentlens/workflow/analyze.h"

#include <chrono>

#include <fmt/format.h>
#include <torch/torch.h>

#include "sentlens/capture/trace_capture.h"
#include "sentlens/io/atomic_file.h"
#include "sentlens/model/layer_progress.h"
#include "sentlens/report/report.h"
#include "sentlens/text/sentence_spans.h"
#include "sentlens/tokenizer/unknown_tokens.h"
#include "util/check.h"
#include "util/log.h"
#include "util/seconds.h"

namespace sentlens {

namespace {

// The sentences of the job's text: given chunks, the response part, or the whole text.
SplitResult job_sentences(const AnalyzeJob& job, std::int64_t response_char) {
  if (!job.chunks.empty()) return locate_chunks(job.text, job.chunks, response_char);
  return split_response(job.text, response_char, job.parameters.split);
}

// An output that cannot be written (or is one of the inputs) fails before any work.
void check_outputs(const AnalyzeJob& job) {
  if (!job.out.empty()) check_output_path(job.out);
  if (!job.report.empty()) check_output_path(job.report);
}

}  // namespace

AnalyzeResult run_analyze_job(const AnalyzeJob& job) {
  SENTLENS_CHECK(!job.text.empty(), InputError, "empty input: the text has no characters");
  check_outputs(job);
  if (job.on_progress) job.on_progress(fmt::format("loading {}", job.model.dir.string()));
  const auto start = std::chrono::steady_clock::now();
  const Model model = job.model.load_model();
  const std::unique_ptr<Tokenizer> tokenizer = job.model.load_tokenizer();
  const double load_seconds = seconds_since(start);
  AnalyzeResult result = analyze_text(model, *tokenizer, job);
  result.seconds.load = load_seconds;
  return result;
}

AnalyzeResult analyze_text(const Model& model, const Tokenizer& tokenizer, const AnalyzeJob& job) {
  SENTLENS_CHECK(!job.text.empty(), InputError, "empty input: the text has no characters");
  check_outputs(job);
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
  // With response_token unset the token rhythm's prompt is what precedes the first sentence: the
  // same prompt that --prompt-chars / --response-start keep out of the sentences.
  result.seconds.align = seconds_since(start);
  const std::optional<std::string> unknown = unknown_tokens_warning(aligned.encoding, job.text);
  if (unknown) logger().warn("{}", *unknown);
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

  if (job.analyses) {
    start = std::chrono::steady_clock::now();
    result.analysis = analyze_trace(result.trace, job.analysis);
    result.trace.analysis = job.analysis;
    result.seconds.analysis = seconds_since(start);
  }

  if (unknown) result.analysis.warnings.insert(result.analysis.warnings.begin(), *unknown);

  if (job.suppress) {
    start = std::chrono::steady_clock::now();
    SuppressionOptions options = job.suppression;
    options.forward = parameters.forward;  // one setting for both passes (AnalyzeJob::suppression)
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
    result.trace.suppression_profile = options.profile;
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
    report.analysis = job.analysis;
    const std::string source = job.out.empty() ? job.model.dir.string() : job.out.string();
    // The analysis already computed (the same analyze_trace the report would run).
    result.report_bytes = write_html_report(
        job.analyses ? build_report_data(result.trace, result.analysis, report, source)
                     : build_report_data(result.trace, report, source),
        job.report);
    result.seconds.report = seconds_since(start);
  }
  return result;
}

}  // namespace sentlens
