// Token rhythm (metrics.md §2, "Attention Illuminates LLM Reasoning"): per-head statistics saved in
// the trace, head classes local/global, WAAD/FAI aggregation, preplan/anchor tokens, credit
// weights γ and the paper's coupling statistics. Torch-free: works on what the trace holds.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sentlens {

/// Parameters of the streaming accumulators (TokenRhythmObserver), stored in the trace.
struct TokenRhythmOptions {
  std::int64_t response_start = 0;  // first response row R = [response_start, T) (prompt length;
                                    // metrics.md §2.1: metrics run over response rows)
  std::int64_t window = 10;         // W of WAAD (§2.3, paper App. A.1: W = 10)
  std::int64_t horizon_lo = 10;     // H_lo of FAI (§2.4, paper v2 RL default)
  std::int64_t horizon_hi = 100;    // H_hi of FAI (§2.4, v2 RL default); -1 = to the end (§4 use)
};

/// The per-head accumulators of one forward (what the trace stores). WAAD and FAI are linear in
/// the attention map, so the value of a head-averaged map is the mean of these per-head values.
struct TokenRhythm {
  TokenRhythmOptions options;
  std::int64_t num_layers = 0;
  std::int64_t num_heads = 0;
  std::int64_t num_tokens = 0;
  std::vector<double> head_distance;  // [L, H] d(l,h), Eq. 7; NaN when R is empty
  std::vector<float> waad;            // [L, H, T] WAAD_t (Eq. 9); NaN for prompt rows t ∉ R
  std::vector<float> fai;             // [L, H, T] FAI_s (Eq. 10); NaN where T(s) is empty
  std::vector<float> key_attention;   // [L, H, T] column sums Σ_i P[i,j] over all query rows
  std::vector<float> token_entropy;   // [T] entropy (nats) of the distribution that produced
                                      // token t (logits row t−1); NaN for t = 0; empty if absent

  bool empty() const { return head_distance.empty(); }
  /// Throws FormatError naming `source` when the sizes disagree with L, H, T.
  void validate(const std::string& source) const;
};

/// Number of response rows t ∈ R with s + H_lo ≤ t ≤ min(T−1, s + H_hi), i.e. |T(s)| of Eq. 10.
std::int64_t fai_count(std::int64_t s, std::int64_t num_tokens, const TokenRhythmOptions& options);

/// ACT's c_j = column sum / (T − j) (metrics.md §3.1 step 1) of one head's column sums [T].
std::vector<double> sink_scores(const float* column_sums, std::int64_t num_tokens);

using HeadRef = std::pair<std::int64_t, std::int64_t>;  // (layer, head)

/// The paper's RL layer subset (§2.2): round(linspace(⌊L/3⌋, ⌊2L/3⌋, 5)), duplicates removed.
std::vector<std::int64_t> middle_third_layers(std::int64_t num_layers);

struct HeadClassOptions {
  double quantile = 0.3;             // share of heads per side (§2.2 "bottom/top 30%")
  std::vector<std::int64_t> layers;  // layers whose heads are ranked; empty = all (§4 analysis)
};

/// H_loc (smallest d) and H_glob (largest d), each max(1, ⌊q·n⌋) heads of the n ranked ones ([3P]
/// count rule). Ties in d are broken by (layer, head) order, so all-tied heads still give
/// deterministic classes. Heads with NaN d (no response rows) make it an InputError.
struct HeadClasses {
  std::vector<HeadRef> local;   // ascending d
  std::vector<HeadRef> global;  // descending d
};
HeadClasses classify_heads(const TokenRhythm& rhythm, const HeadClassOptions& options);

/// Mean over `heads` of a [L, H, T] per-head tensor: the value of the head-averaged map (linear
/// metrics). Returns [T]; NaN where any head is NaN.
std::vector<double> mean_over_heads(const std::vector<float>& values, std::int64_t num_heads,
                                    std::int64_t num_tokens, const std::vector<HeadRef>& heads);

struct TokenRoleOptions {
  HeadClassOptions classes;        // head classes (§2.2)
  double top_q = 0.4;              // q of TopQ for preplan and anchor tokens (§2.5, Eq. 14/16)
  std::int64_t k = 3;              // look-back of locally dominated anchors (§2.5 Eq. 18; [3P] 3)
  double alpha = 0.5;              // coupled credit split (§2.6; unspecified, [3P] 0.5)
  double gamma_amp = 1.5;          // γ_amp (§2.6, paper 1.5)
  double peak_q = 0.4;             // peaks: local maxima in the top peak_q (§2.5 [ASSUMED])
  std::uint64_t seed = 20251015;   // shuffle baseline seed (our choice)
  std::int64_t shuffles = 1000;    // shuffles averaged for the baseline (our choice)
  std::vector<HeadRef> receivers;  // receiver heads for the receiver-FAI variant (may be empty)
};

/// Per response token (index r ↔ position response_start + r) roles and weights (§2.5–2.6).
struct TokenRoles {
  std::int64_t response_start = 0;
  HeadClasses classes;
  std::vector<double> waad;          // [R] aggregated over H_loc
  std::vector<double> delta;         // [R] |WAAD_t − WAAD_{t+1}|; NaN for the last token
  std::vector<double> fai;           // [R] aggregated over H_glob; NaN where T(s) is empty
  std::vector<double> fai_receiver;  // [R] over receiver heads; empty when none are given
  std::vector<double> entropy;       // [R] token entropy; empty when the trace has none
  std::vector<bool> preplan, anchor, dominated, intro;  // [R]
  std::vector<std::int64_t> intro_of;  // [R] intro(t) position for t ∈ D, else −1
  std::vector<double> gamma_local, gamma_global, gamma_coupled;  // [R]
  double tau_waad = 0;                                           // median WAAD ([3P] rule for D)
  double tau_delta = 0;                                          // median Δ
  // Coupling statistics (§2.5); NaN when undefined (no peaks, no entropy).
  double entropy_at_waad_peaks = 0;
  double entropy_mean = 0;
  double fai_peaks_near_waad_peaks = 0;       // share of FAI peaks at or 1 after a WAAD peak
  double shuffled_baseline = 0;               // the same share for shuffled FAI peak positions
  double receiver_peaks_on_global_peaks = 0;  // share of receiver-FAI peaks that are FAI peaks
};

/// Quantile with linear interpolation (numpy's default) over the finite values; NaN if none.
double quantile_linear(std::vector<double> values, double q);
/// TopQ(x, q) = {t : x_t ≥ quantile(x, 1 − q)}, ties included, NaN excluded (§2.5 [ASSUMED]).
std::vector<bool> top_q(const std::vector<double>& values, double q);
/// Peaks: finite x_t ≥ its finite neighbours and ≥ quantile(x, 1 − q) (§2.5 [ASSUMED]).
std::vector<bool> peaks(const std::vector<double>& values, double q);

/// Token roles of one trace. Throws InputError for an empty response or bad options.
TokenRoles token_roles(const TokenRhythm& rhythm, const TokenRoleOptions& options);

/// The `count` strongest marked tokens as response indices r (position response_start + r),
/// strongest first: preplan tokens by Δ (they are the TopQ of Δ, Eq. 14), anchor tokens by FAI
/// (Eq. 16). Every command that lists "top" tokens uses these.
std::vector<std::int64_t> top_preplan_tokens(const TokenRoles& roles, std::size_t count);
std::vector<std::int64_t> top_anchor_tokens(const TokenRoles& roles, std::size_t count);

}  // namespace sentlens
