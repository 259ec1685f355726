// The `sentlens tokens` and `sentlens sinks` jobs.
#include "sentlens/workflow/token_jobs.h"

#include <numeric>

#include "sentlens/trace/trace.h"
#include "util/check.h"

namespace sentlens {

namespace {
Trace read_rhythm_trace(const std::filesystem::path& path) {
  Trace trace = read_trace(path);
  SENTLENS_CHECK(!trace.rhythm.empty(), InputError,
                 "{}: the trace has no token rhythm (written by an older sentlens or with "
                 "--no-token-rhythm); run `sentlens trace` again",
                 path.string());
  return trace;
}
}  // namespace

TokensReport tokens_report(std::string source, std::vector<std::string> texts,
                           const TokenRhythm& rhythm, const TokensJob& job) {
  TokensReport report;
  report.source = std::move(source);
  report.token_texts = std::move(texts);
  report.rhythm_options = rhythm.options;
  TokenRoleOptions options = job.options;
  if (job.middle_third) options.classes.layers = middle_third_layers(rhythm.num_layers);
  report.layers = options.classes.layers;
  report.options = options;
  if (report.layers.empty()) {
    report.layers.resize(static_cast<std::size_t>(rhythm.num_layers));
    std::iota(report.layers.begin(), report.layers.end(), 0);
  }
  for (const auto& [layer, head] : options.receivers) {
    SENTLENS_CHECK(layer < rhythm.num_layers && head < rhythm.num_heads, InputError,
                   "receiver head {}:{} is outside the trace ({} layers x {} heads)", layer, head,
                   rhythm.num_layers, rhythm.num_heads);
  }
  report.roles = token_roles(rhythm, options);
  return report;
}

SinksReport sinks_report(std::string source, std::vector<std::string> texts,
                         const TokenRhythm& rhythm, const SinkOptions& options) {
  SinksReport report;
  report.source = std::move(source);
  report.token_texts = std::move(texts);
  report.num_layers = rhythm.num_layers;
  report.num_heads = rhythm.num_heads;
  report.sinks = find_sinks(rhythm.key_attention, rhythm.num_layers, rhythm.num_heads,
                            report.token_texts, options);
  return report;
}

TokensReport run_tokens_job(const TokensJob& job) {
  const Trace trace = read_rhythm_trace(job.trace);
  return tokens_report(job.trace.string(), token_texts(trace), trace.rhythm, job);
}

SinksReport run_sinks_job(const SinksJob& job) {
  const Trace trace = read_rhythm_trace(job.trace);
  return sinks_report(job.trace.string(), token_texts(trace), trace.rhythm, job.options);
}

}  // namespace sentlens
