// The report's data: every number the HTML report shows, computed from the trace.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "sentlens/report/report.h"
#include "sentlens/trace/rollout_columns.h"
#include "sentlens/trace/trace.h"
#include "sentlens/trace/trace_analysis.h"
#include "util/check.h"

namespace sentlens {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Decades kept below a matrix's largest value by the 8-bit log encoding; smaller values saturate.
constexpr double kLog8Decades = 6.0;
constexpr std::size_t kTokenPointTextBytes = 60;

std::size_t idx(std::int64_t value) {
  return static_cast<std::size_t>(value);
}

// Cuts `text` to at most `bytes` bytes without splitting a UTF-8 sequence.
std::string truncate_utf8(const std::string& text, std::size_t bytes) {
  if (text.size() <= bytes) return text;
  std::size_t end = bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end) + "…";
}

// The S×S sentence matrix of one head, read in place from the trace.
const float* head_matrix(const Trace& trace, std::int64_t layer, std::int64_t head) {
  const std::int64_t S = trace.num_sentences();
  return trace.sentence_attention.data() + (layer * trace.num_heads + head) * S * S;
}

// Mean over `heads` of their S×S matrices, skipping NaN cells (NaN where every head is NaN).
std::vector<float> mean_matrix(const Trace& trace,
                               const std::vector<std::pair<std::int64_t, std::int64_t>>& heads) {
  const std::int64_t cells = trace.num_sentences() * trace.num_sentences();
  std::vector<double> sum(idx(cells), 0.0);
  std::vector<std::int32_t> count(idx(cells), 0);
  for (const auto& [layer, head] : heads) {
    const float* m = head_matrix(trace, layer, head);
    for (std::int64_t c = 0; c < cells; ++c) {
      if (std::isnan(m[c])) continue;
      sum[idx(c)] += m[c];
      ++count[idx(c)];
    }
  }
  std::vector<float> mean(idx(cells));
  for (std::int64_t c = 0; c < cells; ++c) {
    mean[idx(c)] = count[idx(c)] == 0 ? std::numeric_limits<float>::quiet_NaN()
                                      : static_cast<float>(sum[idx(c)] / count[idx(c)]);
  }
  return mean;
}

ReportMatrix encode_head(const float* m, std::int64_t cells, std::int64_t layer, std::int64_t head,
                         bool exact) {
  ReportMatrix matrix;
  matrix.layer = layer;
  matrix.head = head;
  if (exact) {
    matrix.encoding = MatrixEncoding::kFloat32;
    matrix.values.assign(m, m + cells);
    return matrix;
  }
  matrix.encoding = MatrixEncoding::kLog8;
  float largest = 0;
  float smallest = std::numeric_limits<float>::infinity();
  for (std::int64_t c = 0; c < cells; ++c) {
    if (std::isfinite(m[c]) && m[c] > 0) {
      largest = std::max(largest, m[c]);
      smallest = std::min(smallest, m[c]);
    }
  }
  if (largest > 0) {
    matrix.log_hi = std::log10(static_cast<double>(largest));
    matrix.log_lo =
        std::max(std::log10(static_cast<double>(smallest)), matrix.log_hi - kLog8Decades);
  }
  matrix.codes.resize(idx(cells));
  for (std::int64_t c = 0; c < cells; ++c) {
    matrix.codes[idx(c)] = encode_log8(m[c], matrix.log_lo, matrix.log_hi);
  }
  return matrix;
}

// The strongest finite, positive cells among `candidates` (sentence, value), strongest first.
std::vector<ReportLink> strongest(std::vector<ReportLink> candidates, std::int64_t count) {
  candidates.erase(
      std::remove_if(candidates.begin(), candidates.end(),
                     [](const ReportLink& l) { return !std::isfinite(l.value) || l.value <= 0; }),
      candidates.end());
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const ReportLink& a, const ReportLink& b) { return a.value > b.value; });
  if (static_cast<std::int64_t>(candidates.size()) > count) candidates.resize(idx(count));
  return candidates;
}

void add_receivers(const Trace& trace, const TraceAnalysis& analysis, const ReportOptions& options,
                   ReportData& data) {
  const std::int64_t L = trace.num_layers, H = trace.num_heads, S = trace.num_sentences();
  data.kurtosis.assign(idx(L * H), kNaN);
  for (auto& sentence : data.sentences) sentence.receiver_score = kNaN;
  if (analysis.receivers) {
    data.kurtosis = analysis.receivers->traces[0].kurtosis;
    data.receivers = analysis.receivers->receiver_heads;
    data.receiver_options.top_k = analysis.receivers->top_k;
    const auto& scores = analysis.receivers->traces[0].receiver_head_scores;
    for (std::int64_t s = 0; s < S; ++s) data.sentences[idx(s)].receiver_score = scores[idx(s)];
    data.broadcasting = analysis.broadcasting;
  } else {
    data.notes.push_back("receiver heads not computed: the matrices show the mean over all heads");
  }

  // The receiver-head mean, and the links of every sentence in it.
  std::vector<std::pair<std::int64_t, std::int64_t>> heads = data.receivers;
  if (heads.empty()) {
    for (std::int64_t l = 0; l < L; ++l)
      for (std::int64_t h = 0; h < H; ++h) heads.emplace_back(l, h);
  }
  data.receiver_mean.values = mean_matrix(trace, heads);
  const auto& mean = data.receiver_mean.values;
  for (std::int64_t i = 0; i < S; ++i) {
    std::vector<ReportLink> reads, read_by;
    for (std::int64_t j = 0; j < i; ++j) reads.push_back({j, mean[idx(i * S + j)]});
    for (std::int64_t k = i + 1; k < S; ++k) read_by.push_back({k, mean[idx(k * S + i)]});
    data.sentences[idx(i)].reads = strongest(std::move(reads), options.links_per_sentence);
    data.sentences[idx(i)].read_by = strongest(std::move(read_by), options.links_per_sentence);
  }

  // Per-head matrices within the budget.
  const std::int64_t cells = S * S;
  const std::int64_t all_heads = L * H;
  const auto exact_bytes = static_cast<double>(all_heads) * static_cast<double>(cells) * 4.0;
  if (exact_bytes <= static_cast<double>(options.head_matrix_budget_bytes)) {
    for (std::int64_t l = 0; l < L; ++l)
      for (std::int64_t h = 0; h < H; ++h)
        data.head_matrices.push_back(encode_head(head_matrix(trace, l, h), cells, l, h, true));
    data.notes.push_back(
        fmt::format("per-head matrices: all {} heads embedded exactly (float32)", all_heads));
    return;
  }
  // Receiver heads first, then the other heads by kurtosis (NaN last).
  std::vector<std::int64_t> order;
  std::vector<bool> taken(idx(all_heads), false);
  for (const auto& [l, h] : data.receivers) {
    order.push_back(l * H + h);
    taken[idx(l * H + h)] = true;
  }
  std::vector<std::int64_t> rest;
  for (std::int64_t f = 0; f < all_heads; ++f)
    if (!taken[idx(f)]) rest.push_back(f);
  std::stable_sort(rest.begin(), rest.end(), [&](std::int64_t a, std::int64_t b) {
    const double ka = data.kurtosis[idx(a)], kb = data.kurtosis[idx(b)];
    if (std::isnan(kb)) return !std::isnan(ka);
    if (std::isnan(ka)) return false;
    return ka > kb;
  });
  order.insert(order.end(), rest.begin(), rest.end());
  const std::int64_t fit = std::max<std::int64_t>(
      0,
      cells == 0 ? all_heads : options.head_matrix_budget_bytes / std::max<std::int64_t>(cells, 1));
  const std::int64_t embedded = std::min(fit, all_heads);
  for (std::int64_t n = 0; n < embedded; ++n) {
    const std::int64_t f = order[idx(n)];
    data.head_matrices.push_back(
        encode_head(head_matrix(trace, f / H, f % H), cells, f / H, f % H, false));
  }
  data.heads_omitted = all_heads - embedded;
  const double step = kLog8Decades / 253.0;
  data.notes.push_back(fmt::format(
      "per-head matrices: {} of {} heads embedded (receiver heads first, then by kurtosis), "
      "quantised to 8 bits on a log scale (relative error ≤ {:.1f}%, values more than {:g} decades "
      "below a head's maximum shown at that floor); {} heads omitted to keep the file small "
      "(a budget of {:.1f} MB; a larger one embeds more)",
      embedded, all_heads, (std::pow(10.0, step / 2) - 1) * 100, kLog8Decades, data.heads_omitted,
      static_cast<double>(options.head_matrix_budget_bytes) / (1 << 20)));
}

void add_token_rhythm(const Trace& trace, const TraceAnalysis& analysis,
                      const ReportOptions& options, ReportData& data) {
  const std::vector<std::string>& texts = analysis.token_texts;
  if (analysis.roles) {
    const TokenRoles& roles = *analysis.roles;
    data.response_start = roles.response_start;
    data.local_heads = roles.classes.local;
    data.global_heads = roles.classes.global;
    const auto R = static_cast<std::int64_t>(roles.waad.size());
    const std::int64_t bucket =
        std::max<std::int64_t>(1, (R + options.max_token_points - 1) / options.max_token_points);
    data.token_bucket = bucket;
    for (std::int64_t b = 0; b < R; b += bucket) {
      TokenPoint point;
      point.start = roles.response_start + b;
      point.count = std::min(bucket, R - b);
      point.waad = kNaN;
      point.fai = kNaN;
      std::string text;
      for (std::int64_t r = b; r < b + point.count; ++r) {
        const double w = roles.waad[idx(r)], f = roles.fai[idx(r)];
        if (std::isfinite(w) && !(w <= point.waad)) point.waad = w;
        if (std::isfinite(f) && !(f <= point.fai)) point.fai = f;
        point.preplan += roles.preplan[idx(r)] ? 1 : 0;
        point.anchor += roles.anchor[idx(r)] ? 1 : 0;
        if (text.size() <= kTokenPointTextBytes) text += texts[idx(roles.response_start + r)];
      }
      point.sentence = trace.token_sentence[idx(point.start)];
      point.text = truncate_utf8(text, kTokenPointTextBytes);
      data.preplan_total += point.preplan;
      data.anchor_total += point.anchor;
      data.token_points.push_back(std::move(point));
    }
    if (bucket > 1) {
      data.notes.push_back(fmt::format(
          "token strips: {} response tokens shown as {} points (max over each {} tokens)", R,
          data.token_points.size(), bucket));
    }
  }
  if (!analysis.sinks) return;
  const SinkReport& sinks = *analysis.sinks;
  data.sink_min_rows = sinks.options.min_rows;
  data.sink_heads = sinks.heads;
  data.sinks_total = static_cast<std::int64_t>(sinks.sinks.size());
  std::vector<Sink> sorted = sinks.sinks;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Sink& a, const Sink& b) { return a.score > b.score; });
  if (static_cast<std::int64_t>(sorted.size()) > options.max_sinks) {
    sorted.resize(idx(options.max_sinks));
    data.notes.push_back(
        fmt::format("sinks: the {} strongest of {} listed", options.max_sinks, data.sinks_total));
  }
  for (const Sink& sink : sorted) {
    data.sinks.push_back({sink.layer, sink.head, sink.position, sink.score, sink.kind,
                          truncate_utf8(texts[idx(sink.position)], 40)});
  }
}

}  // namespace

std::uint8_t encode_log8(float value, double log_lo, double log_hi) {
  if (std::isnan(value)) return 255;
  if (!(value > 0)) return 0;
  if (!(log_hi > log_lo)) return 254;
  const double t = (std::log10(static_cast<double>(value)) - log_lo) / (log_hi - log_lo);
  const double code = 1 + std::round(std::clamp(t, 0.0, 1.0) * 253.0);
  return static_cast<std::uint8_t>(code);
}

float decode_log8(std::uint8_t code, double log_lo, double log_hi) {
  if (code == 255) return std::numeric_limits<float>::quiet_NaN();
  if (code == 0) return 0.0f;
  return static_cast<float>(std::pow(10.0, log_lo + (code - 1) / 253.0 * (log_hi - log_lo)));
}

ReportData build_report_data(const Trace& trace, const ReportOptions& options,
                             const std::string& source) {
  return build_report_data(trace, analyze_trace(trace, options.analysis), options, source);
}

ReportData build_report_data(const Trace& trace, const TraceAnalysis& analysis,
                             const ReportOptions& options, const std::string& source) {
  SENTLENS_CHECK(options.max_token_points >= 10, InputError,
                 "max_token_points must be at least 10, got {}", options.max_token_points);
  SENTLENS_CHECK(options.head_matrix_budget_bytes >= 0, InputError,
                 "the per-head matrix budget must be >= 0, got {}",
                 options.head_matrix_budget_bytes);
  SENTLENS_CHECK(options.links_per_sentence >= 0 && options.max_sinks >= 0, InputError,
                 "links per sentence and sinks listed must be >= 0");

  ReportData data;
  data.source = source;
  data.title =
      options.title.empty() ? std::filesystem::path(source).filename().string() : options.title;
  data.model = trace.model;
  data.library_version = trace.library_version;
  data.profile = profile_name(trace.parameters.split.profile);
  data.num_layers = trace.num_layers;
  data.num_heads = trace.num_heads;
  data.num_sentences = trace.num_sentences();
  data.num_tokens = trace.num_tokens();
  data.receiver_options = analysis.options.receivers;
  if (data.receiver_options.top_k == 0) {  // automatic: say which count was used
    data.receiver_options.top_k = default_receiver_top_k(trace.num_layers, trace.num_heads);
  }
  data.receiver_heads_source = analysis.options.receiver_heads_source;
  data.notes = analysis.warnings;
  const auto bytes = static_cast<std::int64_t>(trace.text.size());
  for (std::int64_t s = 0; s < trace.num_sentences(); ++s) {
    const Sentence& sentence = trace.sentences[idx(s)];
    ReportSentence row;
    const std::int64_t start = std::clamp<std::int64_t>(sentence.byte_start, 0, bytes);
    const std::int64_t end = std::clamp<std::int64_t>(sentence.byte_end, start, bytes);
    row.text = trace.text.substr(idx(start), idx(end - start));
    // Shown without surrounding whitespace (the span keeps the spacing that follows a sentence).
    const auto first = row.text.find_first_not_of(" \t\n\r\f\v");
    const auto last = row.text.find_last_not_of(" \t\n\r\f\v");
    row.text = first == std::string::npos ? "" : row.text.substr(first, last - first + 1);
    row.token_start = trace.sentence_tokens[idx(s)].start;
    row.token_end = trace.sentence_tokens[idx(s)].end;
    for (const std::string& name : trace.rollout_metrics) {
      row.rollout.push_back(rollout_value(trace, s, name));
    }
    data.sentences.push_back(std::move(row));
  }

  add_receivers(trace, analysis, options, data);
  data.rollout_metrics = trace.rollout_metrics;
  data.rollout_embeddings = trace.rollout_embeddings;

  if (!trace.suppression_kl.empty()) {
    data.suppression.values.assign(trace.suppression_kl.begin(), trace.suppression_kl.end());
    data.suppression_profile = profile_name(trace.suppression_profile.value());
  } else {
    data.notes.push_back(
        "suppression matrix: not in the trace (add it with `sentlens suppress --trace`)");
  }

  add_token_rhythm(trace, analysis, options, data);
  return data;
}

}  // namespace sentlens
