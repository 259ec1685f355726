// Receiver-head maths of Thought Anchors (metrics.md §1.4–1.7): vertical attention scores,
// their kurtosis per head, the receiver heads across traces, the receiver-head score per sentence
// and the broadcasting sentences. Works on pooled sentence x sentence matrices only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sentlens {

/// How a vertical score aggregates a column (metrics.md §1.4).
enum class ScoreType { kMean, kMedian };

const char* score_type_name(ScoreType type);
/// Parses "mean" / "median"; throws InputError naming `option` otherwise.
ScoreType parse_score_type(std::string_view text, std::string_view option = "--score-type");

/// Parameters of the receiver-head analysis.
struct ReceiverOptions {
  // Cells with i - j < proximity_ignore are ignored (sentences). Original code: 4 in every
  // receiver-head path (`get_vert_score_wrapped`); the bare `get_vertical_scores` default is 20.
  std::int64_t proximity_ignore = 4;
  // Replace each row by its ranks / valid count before averaging (§1.4 step 3). Original code:
  // false in every receiver-head path.
  bool control_depth = false;
  // Column aggregate of the vertical score (§1.4 step 4). Original code: "mean".
  ScoreType score_type = ScoreType::kMean;
  // Number of receiver heads, clamped to the heads with a finite mean kurtosis (§1.6). 0 =
  // automatic, default_receiver_top_k(L, H). Original code: 20 (its models have 336 to 1,920
  // heads; on a small model 20 is most of them).
  std::int64_t top_k = 0;
  // Layers whose heads may not be receiver heads (§1.6). Original HEAD: none; {0} reproduces the
  // authors' reliability script and the legacy figures.
  std::vector<std::int64_t> exclude_layers = {};
};

/// Sentence-averaged attention of one trace: M[l, h, i, j] = mean attention from sentence i's
/// tokens to sentence j's tokens (metrics.md §1.3).
struct SentenceMatrices {
  std::int64_t num_layers = 0;
  std::int64_t num_heads = 0;
  std::int64_t num_sentences = 0;
  std::vector<float> values;      // [L, H, S, S]
  std::string model_fingerprint;  // config fingerprint of the model ("" when unknown)
  std::string source;             // file or name, for messages

  const float* matrix(std::int64_t layer, std::int64_t head) const {
    return values.data() + (layer * num_heads + head) * num_sentences * num_sentences;
  }
};

/// §1.4: the vertical score of every sentence j of one S x S matrix (row-major): the mean (or
/// median) over rows i >= j + proximity_ignore of M[i, j] (or of its rank in row i with
/// control_depth), NaN for the last proximity_ignore sentences. NaN cells are omitted. Without
/// control_depth the result is rounded to float32, as the original's float32 arithmetic is.
std::vector<double> vertical_scores(const float* matrix, std::int64_t num_sentences,
                                    const ReceiverOptions& options);

/// §1.5: Fisher kurtosis with bias=True (population moments, m4 / m2² - 3) over the non-NaN
/// values; NaN for fewer than two values or when m2 <= (resolution · mean)², as scipy 1.10 does
/// (resolution 1e-6 for float32 data, 1e-15 for float64).
double fisher_kurtosis(const std::vector<double>& values, double resolution);

/// The automatic number of receiver heads: ⌈L·H / 16⌉, at least 1 and at most 20. Our choice: the
/// paper's 20 is ~1-6% of the heads of the models it studied, and a model with 40 heads gets 3
/// rather than half of its heads.
std::int64_t default_receiver_top_k(std::int64_t num_layers, std::int64_t num_heads);

/// The scores of one trace.
struct TraceReceiverScores {
  std::vector<double> vert_scores;           // [L, H, S]
  std::vector<double> kurtosis;              // [L, H]
  std::vector<double> receiver_head_scores;  // [S]: mean over receiver heads (NaN-propagating)
};

/// The receiver-head analysis of one or more traces of the same model.
struct ReceiverAnalysis {
  std::int64_t num_layers = 0;
  std::int64_t num_heads = 0;
  ReceiverOptions options;
  std::vector<TraceReceiverScores> traces;
  std::vector<double> kurtosis_mean;                                  // [L, H], NaN-propagating
  std::vector<std::int64_t> top_k_flat_indices;                       // layer * H + head
  std::vector<std::pair<std::int64_t, std::int64_t>> receiver_heads;  // (layer, head)
  std::int64_t top_k = 0;             // receiver heads asked for (top_k, or the automatic count)
  std::int64_t candidate_heads = 0;   // heads top-k chose from: finite kurtosis, layer not excluded
  std::vector<std::string> warnings;  // e.g. heads with NaN kurtosis outside layer 0, a top_k
                                      // covering most heads, receiver heads not heavy-tailed
};

/// §1.4–1.7 over traces: vertical scores and kurtosis per trace, the mean kurtosis over traces,
/// the top_k heads by it (NaN heads and excluded layers dropped; highest first, ties ordered as
/// NumPy's argpartition + argsort order them, so the original's output is reproduced exactly),
/// and each trace's receiver-head scores. Throws InputError for no traces, zero or one sentence,
/// S <= proximity_ignore (every vertical score NaN), traces of different shapes or models, bad
/// options, or when no head has a finite kurtosis.
ReceiverAnalysis analyze_receivers(const std::vector<SentenceMatrices>& traces,
                                   const ReceiverOptions& options = {});

/// §1.7: the receiver-head score of every sentence: the mean over `flat_heads` (layer·H + head)
/// of their vertical scores (`vert_scores` [L·H, S] of one trace), NaN-propagating, rounded to
/// float32 without control_depth as the original's arithmetic is.
std::vector<double> receiver_head_scores(const std::vector<double>& vert_scores,
                                         std::int64_t num_sentences,
                                         const std::vector<std::int64_t>& flat_heads,
                                         bool control_depth);

/// Replaces the receiver heads of `analysis` (e.g. by heads found over many traces) and recomputes
/// every trace's receiver-head scores. Throws InputError for an empty list or a head outside L×H.
void use_receiver_heads(ReceiverAnalysis& analysis,
                        const std::vector<std::pair<std::int64_t, std::int64_t>>& heads);

/// The broadcasting sentences (§1.7): sentence indices by receiver-head score, highest first
/// (ties by index), NaN scores left out, at most `count` of them. The original has no threshold.
std::vector<std::int64_t> broadcasting_sentences(const std::vector<double>& receiver_head_scores,
                                                 std::int64_t count);

}  // namespace sentlens
