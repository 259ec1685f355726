// Attention suppression (Thought Anchors §1.8 of docs/metrics.md): mask all attention to one
// sentence and measure how every later next-token distribution changes, giving the sentence ×
// sentence matrix E[target, suppressed] = mean over the target's positions of ln(KL_t + 1e-9).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "sentlens/model/hooks.h"
#include "sentlens/model/model.h"
#include "sentlens/report/thought_anchors.h"
#include "sentlens/text/alignment.h"
#include "sentlens/util/profile.h"

namespace sentlens {

/// Which heads are suppressed: every head of every layer, or the listed ones.
struct HeadSelection {
  std::vector<std::int64_t> layers;  // empty = all layers
  std::vector<std::int64_t> heads;   // empty = all heads (of the selected layers)

  bool includes_layer(std::int64_t layer) const;
};

/// Masks the key columns of token ranges before softmax, per sequence of a batch. Implements the
/// AttentionEditor contract; see SuppressionOptions::profile for the two rules.
class SuppressionEditor final : public AttentionEditor {
 public:
  /// `ranges_per_sequence[n]` are the ranges masked for sequence n of the batch.
  SuppressionEditor(std::vector<std::vector<TokenRange>> ranges_per_sequence, Profile profile,
                    HeadSelection heads = {});

  bool edits_layer(std::int64_t layer) const override { return heads_.includes_layer(layer); }
  /// The reference profile reproduces the original's finite masks, which future keys can win.
  bool needs_all_keys(std::int64_t /*layer*/) const override {
    return profile_ == Profile::kReference;
  }
  void edit_scores(const AttentionBlock& block, torch::Tensor& scores) override;

 private:
  std::vector<std::vector<TokenRange>> ranges_;
  Profile profile_;
  HeadSelection heads_;
};

/// Progress of a suppression run, reported after each suppressed sentence.
struct SuppressionProgress {
  std::int64_t done = 0;   // sentences finished
  std::int64_t total = 0;  // sentences to suppress
  double elapsed_seconds = 0;
};

struct SuppressionOptions {
  /// Clean (our default): suppressed key columns get -inf (causality kept); a row left with no
  /// visible key stays unmasked; KL over the full vocabulary at the temperature, accumulated in
  /// float64. Reference (the original code, to reproduce published numbers): columns set to
  /// float32's lowest value (a row with every visible key suppressed then attends uniformly to
  /// them); logits compressed to the top-p nucleus (p 0.9999, at most 100, stored as float16) and
  /// KL over the union of both nuclei with -1e9 for missing entries.
  Profile profile = Profile::kClean;
  double temperature = 0.6;     // softmax temperature of both distributions (paper; original code)
  double top_p = 0.9999;        // reference profile: nucleus kept per position (original code)
  std::int64_t max_kept = 100;  // reference profile: at most this many logits (original code)
  HeadSelection heads;          // where to suppress (default: every layer and head, as the paper)
  bool reuse_prefix = true;     // continue from the baseline's KV cache at the sentence's start
                                // instead of re-running the unchanged prefix (exact either way)
  std::int64_t batch_size = 4;  // suppressions run together in one batched forward
  ForwardSettings forward;      // block size and position limit of every forward
  std::function<void(const SuppressionProgress&)> on_progress;  // called after each sentence
};

struct SuppressionResult {
  std::int64_t num_sentences = 0;
  /// E[target, suppressed], row-major [S, S], float64; NaN where a target has no positions.
  std::vector<double> kl_matrix;
  /// KL_t per suppressed sentence and position: [S, T], float64 (before the log).
  std::vector<double> token_kl;
  double seconds = 0;

  double at(std::int64_t target, std::int64_t suppressed) const {
    return kl_matrix[static_cast<std::size_t>(target * num_sentences + suppressed)];
  }
};

/// Runs the baseline and one suppression per sentence. `sentences` are token ranges of `ids` ([T]);
/// they must be sorted, non-overlapping and inside [0, T), else InputError. A sentence without
/// tokens is kept: its row and column are NaN.
SuppressionResult suppression_matrix(const Model& model, const torch::Tensor& ids,
                                     const std::vector<TokenRange>& sentences,
                                     const SuppressionOptions& options = {});

/// Per-position KL(P_base ‖ Q_supp) at `temperature` for logits [T, V]: exact over the vocabulary
/// (clean) or over the union of the top-p nuclei (reference). Float64 [T].
std::vector<double> token_kl(const torch::Tensor& base_logits,
                             const torch::Tensor& suppressed_logits,
                             const SuppressionOptions& options);

/// The original code's compressed next-token distribution at one position.
struct TopPLogits {
  torch::Tensor ids;     // int64 [k], most probable first
  torch::Tensor logits;  // float32 [k]: the raw logits rounded to float16
};

/// The reference compression of one position's logits [V]: the smallest most-probable prefix of
/// softmax(logits / temperature) whose mass reaches top_p, at most max_kept entries.
TopPLogits compress_top_p(const torch::Tensor& logits, const SuppressionOptions& options);

/// E[target, suppressed] from per-position KL ([S, T] row-major, one row per suppressed sentence):
/// the mean over the target's positions of ln(KL_t + 1e-9), NaN KL values skipped, NaN for a
/// target without finite values.
std::vector<double> sentence_kl_matrix(const std::vector<double>& token_kl,
                                       const std::vector<TokenRange>& sentences,
                                       std::int64_t num_tokens);

/// The paper's normalisation (Thought Anchors plot code): keep cells with suppressed < target and
/// subtract each target row's nanmean; every other cell becomes NaN.
std::vector<double> row_centred(const std::vector<double>& kl_matrix, std::int64_t num_sentences);

/// The earlier sentence whose suppression changes `target` most: the largest finite E[target,
/// source] over source < target (causal cells only), or nullopt when there is none.
struct Dependency {
  std::int64_t source = 0;
  double value = 0;
};
std::optional<Dependency> strongest_dependency(const std::vector<double>& kl_matrix,
                                               std::int64_t num_sentences, std::int64_t target);

// thought_anchors_suppression_json (step_importance_supp.json) is declared in
// sentlens/report/thought_anchors.h, included above: it is torch-free and lives in sentlens_core.

}  // namespace sentlens
