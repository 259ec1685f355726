// Attention sinks from a trace (metrics.md §3): per head the keys whose ACT score c_j exceeds τ,
// classified as first-token, punctuation/newline or hidden, and the attention mass they take.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sentlens/analysis/token_rhythm.h"

namespace sentlens {

struct SinkOptions {
  double threshold = 0.1;  // τ on c_j (metrics.md §3.1, ACT THRES = 0.1)
  /// Keys seen by fewer query rows (T − j < min_rows) are never sinks: c_j averages the column
  /// over T − j rows, so the last keys' c_j is one or two rows' weight (a previous-token head puts
  /// ~1 there). 1 = every key, ACT's formula exactly (`--profile reference`); the default is a
  /// sentlens choice measured in docs/metrics.md §3.
  std::int64_t min_rows = 16;
};

enum class SinkKind { kFirstToken, kPunctuation, kHidden };
const char* sink_kind_name(SinkKind kind);

/// First-token for position 0; punctuation / newline when the token's text is non-empty and made
/// only of ASCII punctuation and whitespace (a newline included); hidden otherwise (a mid-sequence
/// word, or a special token with no text).
SinkKind classify_sink(std::int64_t position, const std::string& token_text);

struct Sink {
  std::int64_t layer = 0;
  std::int64_t head = 0;
  std::int64_t position = 0;  // key index j
  double score = 0;           // c_j
  SinkKind kind = SinkKind::kHidden;
};

struct HeadSinkSummary {
  std::int64_t layer = 0;
  std::int64_t head = 0;
  std::int64_t first_token = 0;  // sinks of each kind
  std::int64_t punctuation = 0;
  std::int64_t hidden = 0;
  double mass_share = 0;  // Σ_{j ∈ sinks} colsum_j / Σ_j colsum_j: share of the head's attention
};

struct SinkReport {
  SinkOptions options;
  std::vector<Sink> sinks;                     // by layer, head, position
  std::vector<HeadSinkSummary> heads;          // [L·H] in layer-major order
  std::vector<std::int64_t> hidden_per_layer;  // [L]
};

/// Finds the sinks of every head from the column sums `key_attention` [L, H, T]; `token_texts`
/// [T] gives each token's text for the classification.
SinkReport find_sinks(const std::vector<float>& key_attention, std::int64_t num_layers,
                      std::int64_t num_heads, const std::vector<std::string>& token_texts,
                      const SinkOptions& options);

}  // namespace sentlens
