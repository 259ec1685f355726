// ACT's head search: calibrate each candidate head alone, keep those that lower the perplexity of
// the calibration texts, then (greedy) keep those that still help together.
#include "sentlens/capture/act_head_search.h"

#include <algorithm>
#include <chrono>

#include <torch/torch.h>

#include "sentlens/tokenizer/tokenizer.h"
#include "util/check.h"
#include "util/seconds.h"

namespace sentlens {

namespace {

// Mean NLL per predicted token over every text, with `heads` calibrated (none: plain).
double mean_nll(const Model& model, const std::vector<torch::Tensor>& inputs,
                const std::vector<std::vector<std::int64_t>>& texts, const ActOptions& act,
                const std::vector<HeadRef>& heads, bool allow_longer) {
  ActOptions options = act;
  options.heads = heads;
  ActCalibrator calibrator(options);
  ForwardOptions forward;
  forward.allow_longer = allow_longer;
  if (!heads.empty()) forward.editors = {&calibrator};
  double total = 0;
  std::int64_t count = 0;
  for (std::size_t t = 0; t < texts.size(); ++t) {
    for (double nll :
         token_negative_log_likelihood(model.forward(inputs[t], forward).logits, texts[t])) {
      total += nll;
      ++count;
    }
    calibrator.clear();
  }
  return total / static_cast<double>(count);
}

std::vector<std::int64_t> all_or(const std::vector<std::int64_t>& given, std::int64_t count,
                                 const char* what) {
  if (given.empty()) {
    std::vector<std::int64_t> all(static_cast<std::size_t>(count));
    for (std::int64_t i = 0; i < count; ++i) all[static_cast<std::size_t>(i)] = i;
    return all;
  }
  for (std::int64_t value : given) {
    SENTLENS_CHECK(value >= 0 && value < count, InputError,
                   "search {} {} is outside the model (0 .. {})", what, value, count - 1);
  }
  return given;
}

}  // namespace

ActSearchResult search_act_heads(const Model& model,
                                 const std::vector<std::vector<std::int64_t>>& texts,
                                 const ActSearchOptions& options) {
  SENTLENS_CHECK(!texts.empty(), InputError, "the ACT head search needs a calibration text");
  for (std::size_t t = 0; t < texts.size(); ++t) {
    SENTLENS_CHECK(texts[t].size() >= 2, InputError,
                   "calibration text {} has {} tokens; the search needs at least 2", t + 1,
                   texts[t].size());
  }
  const std::vector<std::int64_t> layers =
      all_or(options.layers, model.config().num_layers, "layer");
  const std::vector<std::int64_t> heads = all_or(options.heads, model.config().num_heads, "head");
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> inputs;
  ActSearchResult result;
  for (const auto& ids : texts) {
    inputs.push_back(torch::tensor(ids, torch::kInt64).to(model.device()));
    result.predicted_tokens += static_cast<std::int64_t>(ids.size()) - 1;
  }
  const auto start = std::chrono::steady_clock::now();
  ActSearchProgress progress{0, 1 + static_cast<std::int64_t>(layers.size() * heads.size()), 0};
  const auto step = [&] {
    ++progress.done;
    progress.elapsed_seconds = seconds_since(start);
    if (options.on_progress) options.on_progress(progress);
  };
  const auto nll = [&](const std::vector<HeadRef>& calibrated) {
    const double value =
        mean_nll(model, inputs, texts, options.act, calibrated, options.allow_longer);
    step();
    return value;
  };

  result.nll_plain = nll({});
  for (std::int64_t layer : layers) {
    for (std::int64_t head : heads) {
      const double alone = nll({{layer, head}});
      result.candidates.push_back({{layer, head}, alone, result.nll_plain - alone});
    }
  }
  for (const ActHeadGain& candidate : result.candidates)
    if (candidate.gain > options.min_gain) result.improving.push_back(candidate);
  std::stable_sort(result.improving.begin(), result.improving.end(),
                   [](const ActHeadGain& a, const ActHeadGain& b) { return a.gain > b.gain; });

  result.nll_selected = result.nll_plain;
  if (!options.greedy) {
    for (const ActHeadGain& head : result.improving) result.selected.push_back(head.head);
    if (!result.selected.empty()) {
      ++progress.total;
      result.nll_selected = nll(result.selected);
    }
    return result;
  }
  // The best head's NLL alone is known; each later head is tried on top of the set kept so far.
  if (!result.improving.empty())
    progress.total += static_cast<std::int64_t>(result.improving.size()) - 1;
  for (const ActHeadGain& head : result.improving) {
    std::vector<HeadRef> trial = result.selected;
    trial.push_back(head.head);
    const double value = result.selected.empty() ? head.nll : nll(trial);
    if (value < result.nll_selected) {
      result.selected = std::move(trial);
      result.nll_selected = value;
    }
  }
  return result;
}

ActSearchReport run_act_search_job(const ActSearchJob& job) {
  const CalibrationJob& calibration = job.calibration;
  SENTLENS_CHECK(!calibration.text.empty(), InputError, "empty input: the text has no characters");
  const Model model = calibration.model.load_model();
  const std::unique_ptr<Tokenizer> tokenizer = calibration.model.load_tokenizer();
  const std::vector<std::int64_t> scored =
      tokenizer->encode(calibration.text, EncodeOptions{calibration.add_bos}).ids();
  std::vector<std::vector<std::int64_t>> texts;
  for (const std::string& text : job.calibration_texts)
    texts.push_back(tokenizer->encode(text, EncodeOptions{calibration.add_bos}).ids());
  if (texts.empty()) texts.push_back(scored);
  ActSearchOptions search = job.search;
  search.act = calibration.act;
  search.allow_longer = calibration.allow_longer;
  ActSearchReport report;
  report.search = search_act_heads(model, texts, search);
  ActOptions act = calibration.act;
  act.heads = report.search.selected;
  report.calibration = calibrate_text(model, scored, act, calibration.allow_longer);
  return report;
}

}  // namespace sentlens
