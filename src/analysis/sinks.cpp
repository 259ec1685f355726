// Attention-sink detection and classification (metrics.md §3.1 step 1, §3.2).
#include "sentlens/analysis/sinks.h"

#include <cctype>

#include "util/check.h"

namespace sentlens {

const char* sink_kind_name(SinkKind kind) {
  switch (kind) {
    case SinkKind::kFirstToken:
      return "first-token";
    case SinkKind::kPunctuation:
      return "punctuation";
    case SinkKind::kHidden:
      return "hidden";
  }
  return "hidden";
}

SinkKind classify_sink(std::int64_t position, const std::string& token_text) {
  if (position == 0) return SinkKind::kFirstToken;
  if (token_text.empty()) return SinkKind::kHidden;
  for (const char c : token_text) {
    const auto u = static_cast<unsigned char>(c);
    const bool punct_or_space = u < 0x80 && (std::ispunct(u) != 0 || std::isspace(u) != 0);
    if (!punct_or_space) return SinkKind::kHidden;
  }
  return SinkKind::kPunctuation;
}

SinkReport find_sinks(const std::vector<float>& key_attention, std::int64_t num_layers,
                      std::int64_t num_heads, const std::vector<std::string>& token_texts,
                      const SinkOptions& options) {
  const auto t_count = static_cast<std::int64_t>(token_texts.size());
  SENTLENS_CHECK(t_count > 0, InputError, "no tokens to find sinks in");
  SENTLENS_CHECK(
      static_cast<std::int64_t>(key_attention.size()) == num_layers * num_heads * t_count,
      InputError, "key attention holds {} values, expected [{}, {}, {}]", key_attention.size(),
      num_layers, num_heads, t_count);
  SENTLENS_CHECK(options.threshold >= 0, InputError, "sink threshold must be >= 0, got {}",
                 options.threshold);
  SENTLENS_CHECK(options.min_rows >= 1, InputError,
                 "minimum query rows per sink key must be >= 1 (1 = every key), got {}",
                 options.min_rows);
  SinkReport report;
  report.options = options;
  report.hidden_per_layer.assign(static_cast<std::size_t>(num_layers), 0);
  for (std::int64_t l = 0; l < num_layers; ++l) {
    for (std::int64_t h = 0; h < num_heads; ++h) {
      const float* sums = key_attention.data() + (l * num_heads + h) * t_count;
      const std::vector<double> scores = sink_scores(sums, t_count);
      HeadSinkSummary summary{l, h};
      double total = 0, on_sinks = 0;
      for (std::int64_t j = 0; j < t_count; ++j) {
        total += sums[j];
        if (t_count - j < options.min_rows) continue;
        // c_j > τ, strictly (ACT: `> THRES`).
        if (!(scores[static_cast<std::size_t>(j)] > options.threshold)) continue;
        const SinkKind kind = classify_sink(j, token_texts[static_cast<std::size_t>(j)]);
        report.sinks.push_back(Sink{l, h, j, scores[static_cast<std::size_t>(j)], kind});
        on_sinks += sums[j];
        if (kind == SinkKind::kFirstToken) ++summary.first_token;
        if (kind == SinkKind::kPunctuation) ++summary.punctuation;
        if (kind == SinkKind::kHidden) {
          ++summary.hidden;
          ++report.hidden_per_layer[static_cast<std::size_t>(l)];
        }
      }
      summary.mass_share = total > 0 ? on_sinks / total : 0.0;
      report.heads.push_back(summary);
    }
  }
  return report;
}

}  // namespace sentlens
