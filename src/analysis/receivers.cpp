// Receiver-head maths (metrics.md §1.4–1.7).
#include "sentlens/analysis/receivers.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>

#include "analysis/numpy_order.h"
#include "util/check.h"
#include "util/log.h"

namespace sentlens {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// scipy.stats.rankdata(method="average") of the values, 1-based.
std::vector<double> average_ranks(const std::vector<double>& values) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  std::size_t i = 0;
  while (i < order.size()) {
    std::size_t j = i;
    while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]]) ++j;
    const double rank = 0.5 * static_cast<double>(i + j) + 1.0;  // mean of ranks i+1 .. j+1
    for (std::size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

// np.nanmedian of a column slice (non-empty, NaN already removed).
double median(std::vector<double> values, bool float32) {
  const std::size_t n = values.size();
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(n / 2),
                   values.end());
  const double upper = values[n / 2];
  if (n % 2 == 1) return upper;
  const double lower =
      *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(n / 2));
  // np.median averages the two middle values in the array's dtype.
  if (float32)
    return static_cast<float>((static_cast<float>(lower) + static_cast<float>(upper)) / 2.0f);
  return (lower + upper) / 2.0;
}

// Receiver heads mean something when they are few and heavy-tailed (§1.6): say so when they are
// most of the heads, or when some have a kurtosis of 0 or less.
// What a reader of the receiver heads should know: top-k heads that are most of the model's heads
// single nothing out; heads whose scores are not heavy-tailed point at no sentence. Heads given
// by the user (`top_k_selected` false) were not chosen here: only the second applies.
std::vector<std::string> receiver_head_warnings(const ReceiverAnalysis& analysis,
                                                bool top_k_selected) {
  const std::int64_t valid_count = analysis.candidate_heads;
  std::vector<std::string> warnings;
  const auto chosen = static_cast<std::int64_t>(analysis.receiver_heads.size());
  if (top_k_selected && 2 * chosen > valid_count) {
    warnings.push_back(fmt::format(
        "the {} receiver heads (top-k {}) are {} of the {} heads with a finite kurtosis: on a "
        "model this small they do not single out heads; use a smaller top_k",
        chosen, analysis.top_k, chosen, valid_count));
  }
  std::int64_t flat_tailed = 0;
  for (std::int64_t flat : analysis.top_k_flat_indices) {
    if (analysis.kurtosis_mean[static_cast<std::size_t>(flat)] <= 0) ++flat_tailed;
  }
  if (flat_tailed > 0) {
    warnings.push_back(fmt::format(
        "{} of the {} receiver heads have a kurtosis of 0 or less: their vertical scores are "
        "not heavy-tailed, so they do not point at a few sentences",
        flat_tailed, chosen));
  }
  return warnings;
}

void check_options(const ReceiverOptions& options) {
  SENTLENS_CHECK(options.proximity_ignore >= 0, InputError,
                 "proximity_ignore must be >= 0 sentences, got {}", options.proximity_ignore);
  SENTLENS_CHECK(options.top_k >= 0, InputError, "top_k must be >= 0 (0 = automatic), got {}",
                 options.top_k);
}

}  // namespace

const char* score_type_name(ScoreType type) {
  return type == ScoreType::kMedian ? "median" : "mean";
}

ScoreType parse_score_type(std::string_view text, std::string_view option) {
  if (text == "mean") return ScoreType::kMean;
  if (text == "median") return ScoreType::kMedian;
  throw InputError(
      fmt::format("{}: unknown score type '{}', expected 'mean' or 'median'", option, text));
}

std::vector<double> vertical_scores(const float* matrix, std::int64_t num_sentences,
                                    const ReceiverOptions& options) {
  check_options(options);
  const std::int64_t s_count = num_sentences;
  const std::int64_t p = options.proximity_ignore;
  // §1.4 steps 1–2: only cells with i - j >= p are kept; NaN cells (empty sentences in the clean
  // profile) are omitted like the original's nan-aware reductions omit them.
  std::vector<double> cells(static_cast<std::size_t>(s_count * s_count), kNaN);
  for (std::int64_t i = p; i < s_count; ++i) {
    for (std::int64_t j = 0; j <= i - p; ++j) {
      cells[static_cast<std::size_t>(i * s_count + j)] = matrix[i * s_count + j];
    }
  }
  if (options.control_depth) {
    // §1.4 step 3: rankdata(axis=1, nan_policy="omit") / valid count per row.
    for (std::int64_t i = 0; i < s_count; ++i) {
      std::vector<double> row;
      std::vector<std::int64_t> columns;
      for (std::int64_t j = 0; j < s_count; ++j) {
        const double value = cells[static_cast<std::size_t>(i * s_count + j)];
        if (!std::isnan(value)) {
          row.push_back(value);
          columns.push_back(j);
        }
      }
      const std::vector<double> ranks = average_ranks(row);
      for (std::size_t k = 0; k < columns.size(); ++k) {
        cells[static_cast<std::size_t>(i * s_count + columns[k])] =
            ranks[k] / static_cast<double>(row.size());
      }
    }
  }
  // Without control_depth the original works in float32 (np.nanmean / np.nanmedian of float32).
  const bool float32 = !options.control_depth;
  std::vector<double> scores(static_cast<std::size_t>(s_count), kNaN);
  for (std::int64_t j = 0; j + p < s_count; ++j) {
    std::vector<double> column;
    for (std::int64_t i = j + p; i < s_count; ++i) {
      const double value = cells[static_cast<std::size_t>(i * s_count + j)];
      if (!std::isnan(value)) column.push_back(value);
    }
    if (column.empty()) continue;  // np.nanmean of an all-NaN slice: NaN
    double score = 0;
    if (options.score_type == ScoreType::kMedian) {
      score = median(std::move(column), float32);
    } else {
      score =
          std::accumulate(column.begin(), column.end(), 0.0) / static_cast<double>(column.size());
    }
    scores[static_cast<std::size_t>(j)] = float32 ? static_cast<float>(score) : score;
  }
  return scores;
}

double fisher_kurtosis(const std::vector<double>& values, double resolution) {
  double sum = 0;
  std::size_t n = 0;
  for (double value : values) {
    if (std::isnan(value)) continue;
    sum += value;
    ++n;
  }
  if (n == 0) return kNaN;
  const double mean = sum / static_cast<double>(n);
  double m2 = 0;
  double m4 = 0;
  for (double value : values) {
    if (std::isnan(value)) continue;
    const double d = value - mean;
    m2 += d * d;
    m4 += d * d * d * d;
  }
  m2 /= static_cast<double>(n);
  m4 /= static_cast<double>(n);
  // scipy.stats.kurtosis: a (near-)constant slice is NaN, not -3.
  if (m2 <= (resolution * mean) * (resolution * mean)) return kNaN;
  return m4 / (m2 * m2) - 3.0;
}

std::int64_t default_receiver_top_k(std::int64_t num_layers, std::int64_t num_heads) {
  return std::clamp<std::int64_t>((num_layers * num_heads + 15) / 16, 1, 20);
}

ReceiverAnalysis analyze_receivers(const std::vector<SentenceMatrices>& traces,
                                   const ReceiverOptions& options) {
  check_options(options);
  SENTLENS_CHECK(!traces.empty(), InputError, "receiver heads need at least one trace");
  const SentenceMatrices& first = traces.front();
  ReceiverAnalysis analysis;
  analysis.options = options;
  analysis.num_layers = first.num_layers;
  analysis.num_heads = first.num_heads;
  const std::int64_t layers = first.num_layers;
  const std::int64_t heads = first.num_heads;
  const std::int64_t p = options.proximity_ignore;
  for (std::int64_t layer : options.exclude_layers) {
    SENTLENS_CHECK(layer >= 0 && layer < layers, InputError,
                   "exclude_layers: layer {} does not exist (the model has {} layers)", layer,
                   layers);
  }

  for (const SentenceMatrices& trace : traces) {
    const std::int64_t s_count = trace.num_sentences;
    SENTLENS_CHECK(trace.num_layers == layers && trace.num_heads == heads, InputError,
                   "traces from different models: {} has {} layers x {} heads, {} has {} x {}",
                   first.source, layers, heads, trace.source, trace.num_layers, trace.num_heads);
    SENTLENS_CHECK(trace.model_fingerprint == first.model_fingerprint, InputError,
                   "traces from different models: {} has config fingerprint '{}', {} has '{}'",
                   first.source, first.model_fingerprint, trace.source, trace.model_fingerprint);
    SENTLENS_CHECK(layers > 0 && heads > 0, InputError, "{}: no layers or heads", trace.source);
    SENTLENS_CHECK(
        static_cast<std::int64_t>(trace.values.size()) == layers * heads * s_count * s_count,
        InputError, "{}: sentence matrices hold {} values, expected L·H·S·S = {}", trace.source,
        trace.values.size(), layers * heads * s_count * s_count);
    SENTLENS_CHECK(s_count > 0, InputError, "{}: zero sentences", trace.source);
    SENTLENS_CHECK(s_count > 1, InputError,
                   "{}: one sentence: vertical scores need at least proximity_ignore + 2 = {} "
                   "sentences",
                   trace.source, p + 2);
    SENTLENS_CHECK(s_count > p, InputError,
                   "{}: all {} sentences lie within proximity_ignore {} of each other, so every "
                   "vertical score is NaN; use a smaller proximity_ignore or a longer trace",
                   trace.source, s_count, p);

    TraceReceiverScores scores;
    scores.vert_scores.reserve(static_cast<std::size_t>(layers * heads * s_count));
    scores.kurtosis.reserve(static_cast<std::size_t>(layers * heads));
    // §1.5: scipy's near-constant test uses the resolution of the input dtype: float32 vertical
    // scores without control_depth, float64 ranks with it.
    const double resolution = options.control_depth ? 1e-15 : 1e-6;
    for (std::int64_t layer = 0; layer < layers; ++layer) {
      for (std::int64_t head = 0; head < heads; ++head) {
        std::vector<double> vert = vertical_scores(trace.matrix(layer, head), s_count, options);
        scores.kurtosis.push_back(fisher_kurtosis(vert, resolution));
        scores.vert_scores.insert(scores.vert_scores.end(), vert.begin(), vert.end());
      }
    }
    analysis.traces.push_back(std::move(scores));
  }

  // §1.6: mean over traces (np.mean: NaN propagates), NaN heads dropped, top_k by value.
  const std::int64_t flat_count = layers * heads;
  analysis.kurtosis_mean.assign(static_cast<std::size_t>(flat_count), 0.0);
  for (const TraceReceiverScores& scores : analysis.traces) {
    for (std::int64_t k = 0; k < flat_count; ++k) {
      analysis.kurtosis_mean[static_cast<std::size_t>(k)] +=
          scores.kurtosis[static_cast<std::size_t>(k)];
    }
  }
  std::int64_t nan_after_layer0 = 0;
  for (std::int64_t k = 0; k < flat_count; ++k) {
    double& value = analysis.kurtosis_mean[static_cast<std::size_t>(k)];
    value /= static_cast<double>(analysis.traces.size());
    if (std::isnan(value) && k >= heads) ++nan_after_layer0;
  }
  if (nan_after_layer0 > 0) {
    // The original asserts this never happens outside layer 0; we drop those heads and say so.
    analysis.warnings.push_back(fmt::format(
        "{} heads outside layer 0 have a NaN kurtosis (constant vertical scores) and cannot be "
        "receiver heads",
        nan_after_layer0));
    logger().warn("{}", analysis.warnings.back());
  }
  const std::set<std::int64_t> excluded(options.exclude_layers.begin(),
                                        options.exclude_layers.end());
  std::vector<std::int64_t> valid_indices;
  std::vector<double> valid_values;
  for (std::int64_t k = 0; k < flat_count; ++k) {
    const double value = analysis.kurtosis_mean[static_cast<std::size_t>(k)];
    if (std::isnan(value) || excluded.count(k / heads) != 0) continue;
    valid_indices.push_back(k);
    valid_values.push_back(value);
  }
  SENTLENS_CHECK(!valid_values.empty(), InputError,
                 "no head has a finite kurtosis: every head's vertical scores are constant or have "
                 "fewer than two finite values (S = {}, proximity_ignore = {})",
                 first.num_sentences, p);
  const auto valid_count = static_cast<std::int64_t>(valid_values.size());
  analysis.candidate_heads = valid_count;
  analysis.top_k =
      options.top_k > 0 ? options.top_k : default_receiver_top_k(analysis.num_layers, heads);
  const std::int64_t k = std::min(analysis.top_k, valid_count);
  // np.argpartition(values, -k)[-k:], then np.argsort(-values[top]): reproduced step for step
  // because equal kurtoses (identical rank vectors with control_depth) occur in practice.
  const std::vector<std::int64_t> partition =
      numpy_order::argpartition(valid_values, valid_count - k);
  std::vector<std::int64_t> top(partition.end() - k, partition.end());
  std::vector<double> negated;
  for (std::int64_t index : top) negated.push_back(-valid_values[static_cast<std::size_t>(index)]);
  for (std::int64_t position : numpy_order::argsort(negated)) {
    const std::int64_t flat =
        valid_indices[static_cast<std::size_t>(top[static_cast<std::size_t>(position)])];
    analysis.top_k_flat_indices.push_back(flat);
    analysis.receiver_heads.emplace_back(flat / heads, flat % heads);
  }

  for (std::string& warning : receiver_head_warnings(analysis, true)) {
    logger().warn("{}", warning);
    analysis.warnings.push_back(std::move(warning));
  }

  for (std::size_t t = 0; t < traces.size(); ++t) {
    TraceReceiverScores& scores = analysis.traces[t];
    scores.receiver_head_scores =
        receiver_head_scores(scores.vert_scores, traces[t].num_sentences,
                             analysis.top_k_flat_indices, options.control_depth);
  }
  return analysis;
}

std::vector<double> receiver_head_scores(const std::vector<double>& vert_scores,
                                         std::int64_t num_sentences,
                                         const std::vector<std::int64_t>& flat_heads,
                                         bool control_depth) {
  SENTLENS_CHECK(!flat_heads.empty(), InputError, "no receiver heads to average");
  const auto s_count = static_cast<std::size_t>(num_sentences);
  std::vector<double> scores(s_count, 0.0);
  // §1.7: np.mean over the receiver heads (NaN-propagating: the last p sentences are NaN).
  for (std::int64_t flat : flat_heads) {
    SENTLENS_CHECK(flat >= 0 && static_cast<std::size_t>(flat + 1) * s_count <= vert_scores.size(),
                   InputError, "receiver head {} is outside the {} heads of the vertical scores",
                   flat, s_count == 0 ? 0 : vert_scores.size() / s_count);
    for (std::size_t s = 0; s < s_count; ++s) {
      scores[s] += vert_scores[static_cast<std::size_t>(flat) * s_count + s];
    }
  }
  for (double& value : scores) {
    value /= static_cast<double>(flat_heads.size());
    if (!control_depth) value = static_cast<float>(value);
  }
  return scores;
}

void use_receiver_heads(ReceiverAnalysis& analysis,
                        const std::vector<std::pair<std::int64_t, std::int64_t>>& heads) {
  SENTLENS_CHECK(!heads.empty(), InputError, "the receiver-head list is empty");
  std::vector<std::int64_t> flat;
  for (const auto& [layer, head] : heads) {
    SENTLENS_CHECK(
        layer >= 0 && layer < analysis.num_layers && head >= 0 && head < analysis.num_heads,
        InputError, "receiver head {}:{} is outside the model ({} layers x {} heads)", layer, head,
        analysis.num_layers, analysis.num_heads);
    flat.push_back(layer * analysis.num_heads + head);
  }
  // The warnings about the top-k heads no longer apply: replace them by those about these heads.
  for (const std::string& stale : receiver_head_warnings(analysis, true)) {
    analysis.warnings.erase(std::remove(analysis.warnings.begin(), analysis.warnings.end(), stale),
                            analysis.warnings.end());
  }
  analysis.receiver_heads = heads;
  analysis.top_k_flat_indices = flat;
  for (std::string& warning : receiver_head_warnings(analysis, false))
    analysis.warnings.push_back(std::move(warning));
  for (TraceReceiverScores& scores : analysis.traces) {
    const auto s_count = static_cast<std::int64_t>(
        scores.vert_scores.size() /
        static_cast<std::size_t>(analysis.num_layers * analysis.num_heads));
    scores.receiver_head_scores =
        receiver_head_scores(scores.vert_scores, s_count, flat, analysis.options.control_depth);
  }
}

std::vector<std::int64_t> broadcasting_sentences(const std::vector<double>& receiver_head_scores,
                                                 std::int64_t count) {
  SENTLENS_CHECK(count >= 0, InputError,
                 "the number of broadcasting sentences must be >= 0, got {}", count);
  std::vector<std::int64_t> order;
  for (std::size_t s = 0; s < receiver_head_scores.size(); ++s) {
    if (!std::isnan(receiver_head_scores[s])) order.push_back(static_cast<std::int64_t>(s));
  }
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
    return receiver_head_scores[static_cast<std::size_t>(a)] >
           receiver_head_scores[static_cast<std::size_t>(b)];
  });
  if (static_cast<std::int64_t>(order.size()) > count)
    order.resize(static_cast<std::size_t>(count));
  return order;
}

}  // namespace sentlens
