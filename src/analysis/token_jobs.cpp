// The `sentlens tokens` and `sentlens sinks` jobs.
#include "sentlens/analysis/token_jobs.h"

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

TokensReport run_tokens_job(const TokensJob& job) {
  const Trace trace = read_rhythm_trace(job.trace);
  TokensReport report;
  report.source = job.trace.string();
  report.token_texts = token_texts(trace);
  report.rhythm_options = trace.rhythm.options;
  TokenRoleOptions options = job.options;
  if (job.middle_third) options.classes.layers = middle_third_layers(trace.num_layers);
  report.layers = options.classes.layers;
  if (report.layers.empty()) {
    report.layers.resize(static_cast<std::size_t>(trace.num_layers));
    std::iota(report.layers.begin(), report.layers.end(), 0);
  }
  for (const auto& [layer, head] : options.receivers) {
    SENTLENS_CHECK(layer < trace.num_layers && head < trace.num_heads, InputError,
                   "receiver head {}:{} is outside the trace ({} layers x {} heads)", layer, head,
                   trace.num_layers, trace.num_heads);
  }
  report.roles = token_roles(trace.rhythm, options);
  return report;
}

SinksReport run_sinks_job(const SinksJob& job) {
  const Trace trace = read_rhythm_trace(job.trace);
  SinksReport report;
  report.source = job.trace.string();
  report.token_texts = token_texts(trace);
  report.num_layers = trace.num_layers;
  report.num_heads = trace.num_heads;
  report.sinks = find_sinks(trace.rhythm.key_attention, trace.num_layers, trace.num_heads,
                            report.token_texts, job.options);
  return report;
}

}  // namespace sentlens
