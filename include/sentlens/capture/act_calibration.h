// ACT, the Attention Calibration Technique (metrics.md §3.1): an AttentionEditor that finds each
// chosen head's sinks from its own map and moves (1 − β) of their mass, except the first sink's,
// onto the other keys in proportion; and a job measuring its effect on perplexity.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "sentlens/analysis/token_rhythm.h"
#include "sentlens/model/hooks.h"
#include "sentlens/model/model.h"
#include "sentlens/model/model_source.h"

namespace sentlens {

struct ActOptions {
  double threshold = 0.1;       // τ on c_j (§3.1 step 1, ACT THRES = 0.1)
  double beta = 0.4;            // share of a sink's mass kept (§3.1 step 3, ACT BETA = 0.4)
  bool keep_first_sink = true;  // leave the first token's sink alone (§3.1 step 2)
  std::vector<HeadRef> heads;   // (layer, head) pairs to calibrate; empty = none
  /// The original code (GATECH-EIC/ACT) where it differs from the paper (metrics.md §3.1):
  /// - the sink kept is the earliest sink, whatever its position (clean: the first token's, so
  ///   with no sink at position 0 every sink is calibrated);
  /// - any block is accepted, with the prefill-only arithmetic: c_j = the block's column sum /
  ///   (key_count − j), the block's first row left as is and then [0, 0] set to 1 (with a KV
  ///   cache or blocks of rows this is wrong: rows then sum to more than 1). Clean: only the whole
  ///   prefill in one block is accepted (InputError otherwise);
  /// - a row whose whole mass lies on the calibrated sinks becomes NaN (0/0; clean: left as is).
  bool reference_quirks = false;
  /// Emulates the reference's float16 arithmetic: the head's map is rounded to float16 and every
  /// step (column sums, c_j, row masses, the redistribution) is rounded to float16, in the order
  /// of the formulas of metrics.md §3.1. Clean: float32 throughout.
  bool fp16_arithmetic = false;
};

/// The reference profile: reference_quirks and fp16_arithmetic on (`--profile reference`).
ActOptions act_reference_profile(ActOptions options);

/// The sinks one head had in the last forward: all keys with c_j > τ, and those calibrated.
struct ActHeadSinks {
  std::int64_t layer = 0;
  std::int64_t head = 0;
  std::vector<std::int64_t> sinks;       // ascending
  std::vector<double> scores;            // c_j of each sink
  std::vector<std::int64_t> calibrated;  // sinks minus the one kept when keep_first_sink
  std::vector<double> key_scores;        // c_j of every key 0 .. key_count − 1
};

/// Calibrates the chosen heads' probabilities in place (after softmax, before ·V). c_j is the
/// column sum over all T rows / (T − j), so a layer's block must hold the whole prefill
/// (query_start 0, query_count = key_count = T): the editor asks the forward for whole layers
/// (needs_whole_layer), so any block size works; a forward continuing a KV cache is refused (with
/// reference_quirks any block is taken, as the reference would). Rows whose
/// whole mass lies on the calibrated sinks are left as they are (the reference divides 0/0; our
/// choice). Row 0 is left as is (reference).
class ActCalibrator final : public AttentionEditor {
 public:
  explicit ActCalibrator(ActOptions options);

  bool edits_layer(std::int64_t layer) const override;
  bool needs_whole_layer(std::int64_t layer) const override;
  void edit_probs(const AttentionBlock& block, torch::Tensor& probs) override;

  /// Sinks of every calibrated head, in the order the heads were edited; cleared by clear().
  const std::vector<ActHeadSinks>& sinks() const { return sinks_; }
  void clear() { sinks_.clear(); }

 private:
  ActOptions options_;
  std::vector<ActHeadSinks> sinks_;
};

/// Negative log-likelihood (nats) of each of ids[1..T) under `logits` [T, V] rows [0, T−1).
std::vector<double> token_negative_log_likelihood(const torch::Tensor& logits,
                                                  const std::vector<std::int64_t>& ids);

/// Mean negative log-likelihood (nats per token) of ids[1..T) under `logits` [T, V] rows [0, T−1).
double mean_negative_log_likelihood(const torch::Tensor& logits,
                                    const std::vector<std::int64_t>& ids);

struct CalibrationReport {
  std::int64_t tokens = 0;
  std::vector<std::int64_t> ids;  // the tokens scored
  double nll_plain = 0;           // nats per predicted token
  double nll_calibrated = 0;
  double perplexity_plain = 0;
  double perplexity_calibrated = 0;
  std::vector<double> token_nll_plain;  // per predicted token (T − 1 values)
  std::vector<double> token_nll_calibrated;
  std::vector<ActHeadSinks> sinks;
};

/// Writes a report as safetensors (atomically): `ids` I64 [T]; `heads` I64 [N, 2] (layer, head
/// of each calibrated head, in the order of `sinks`); `key_scores` F64 [N, T] (c_j); `sink_class`
/// I64 [N, T] (0 not a sink, 1 the sink kept, 2 a calibrated sink); `token_nll_plain`,
/// `token_nll_calibrated` F64 [T − 1]. Metadata `sentlens.act.*`: beta, threshold, profile,
/// keep_first_sink, the mean NLLs and perplexities (as text). docs/cli.md shows the layout.
void write_calibration(const CalibrationReport& report, const ActOptions& options,
                       const std::filesystem::path& path);

/// Runs the plain and the calibrated forward over `ids` and compares them. `allow_longer`: run
/// past max_position_embeddings (ForwardOptions::allow_longer). Throws InputError for a head
/// outside the model or fewer than 2 tokens.
/// `on_progress` gets a line per layer of each forward.
CalibrationReport calibrate_text(const Model& model, const std::vector<std::int64_t>& ids,
                                 const ActOptions& options, bool allow_longer = false,
                                 const std::function<void(const std::string&)>& on_progress = {});

/// The `sentlens calibrate` job.
struct CalibrationJob {
  ModelSource model;  // checkpoint folder, tokenizer, device, threads, weights mode
  std::string text;   // text to score
  ActOptions act;
  bool add_bos = true;                                  // BOS added by the tokenizer
  bool allow_longer = false;                            // run past max_position_embeddings
  std::function<void(const std::string&)> on_progress;  // progress lines (loading, each layer)
};

CalibrationReport run_calibration_job(const CalibrationJob& job);

}  // namespace sentlens
