// Which heads to calibrate with ACT (metrics.md §3.1): the search ACT's authors ran offline
// (GATECH-EIC/ACT scripts/calibration.sh: calibrate one head at a time over a grid of layers and
// heads, score each on a calibration set, keep the heads that help), with perplexity on
// calibration texts as the score, then an optional greedy pass over the heads kept.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sentlens/analysis/token_rhythm.h"
#include "sentlens/capture/act_calibration.h"
#include "sentlens/model/model.h"

namespace sentlens {

struct ActSearchProgress {
  std::int64_t done = 0;   // forwards run
  std::int64_t total = 0;  // forwards planned (the greedy pass adds one per head kept)
  double elapsed_seconds = 0;
};

struct ActSearchOptions {
  ActOptions act;                    // τ, β, profile (act.heads is not used)
  std::vector<std::int64_t> layers;  // candidate layers; empty = every layer
  std::vector<std::int64_t> heads;   // candidate heads of each layer; empty = every head
  /// A head is kept when calibrating it alone lowers the mean NLL by more than this (nats per
  /// token; ACT keeps heads whose calibration-set accuracy rises).
  double min_gain = 0;
  /// Then add the kept heads best first, each only if the set's NLL drops (sentlens's step: heads
  /// that help alone can hurt together). False: the selection is every head kept (ACT).
  bool greedy = true;
  bool allow_longer = false;  // run past max_position_embeddings
  std::function<void(const ActSearchProgress&)> on_progress;
};

struct ActHeadGain {
  HeadRef head;
  double nll = 0;   // mean NLL with this head alone calibrated
  double gain = 0;  // nll_plain − nll (> 0: calibrating it helps)
};

struct ActSearchResult {
  std::int64_t predicted_tokens = 0;    // over all calibration texts
  double nll_plain = 0;                 // mean NLL per predicted token, nothing calibrated
  std::vector<ActHeadGain> candidates;  // every head tried, in (layer, head) order
  std::vector<ActHeadGain> improving;   // gain > min_gain, best first
  std::vector<HeadRef> selected;        // the heads to calibrate
  double nll_selected = 0;              // mean NLL with `selected` calibrated together
};

/// Runs 1 + (candidate heads) forwards per text, plus one per improving head when greedy. The
/// NLL is the token-weighted mean over the texts. Throws InputError for no text, a text of fewer
/// than 2 tokens, or a layer or head outside the model.
ActSearchResult search_act_heads(const Model& model,
                                 const std::vector<std::vector<std::int64_t>>& texts,
                                 const ActSearchOptions& options);

/// `sentlens calibrate --search`: one load, the search over `calibration_texts` (none: over the
/// job's text itself, in-sample), then the calibration of the job's text with the heads selected
/// (calibration.act.heads is not used).
struct ActSearchJob {
  CalibrationJob calibration;
  ActSearchOptions search;  // search.act and search.allow_longer come from `calibration`
  std::vector<std::string> calibration_texts;
};

struct ActSearchReport {
  ActSearchResult search;
  CalibrationReport calibration;  // with search.selected calibrated
};

ActSearchReport run_act_search_job(const ActSearchJob& job);

}  // namespace sentlens
