// ACT calibration editor and its perplexity job (metrics.md §3.1).
#include "sentlens/capture/act_calibration.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>

#include <torch/torch.h>

#include "sentlens/io/safetensors.h"
#include "sentlens/model/layer_progress.h"
#include "sentlens/tokenizer/tokenizer.h"
#include "util/check.h"

namespace sentlens {

ActOptions act_reference_profile(ActOptions options) {
  options.reference_quirks = true;
  options.fp16_arithmetic = true;
  return options;
}

ActCalibrator::ActCalibrator(ActOptions options) : options_(std::move(options)) {
  SENTLENS_CHECK(options_.beta >= 0 && options_.beta <= 1, InputError,
                 "ACT beta must be in [0, 1], got {}", options_.beta);
  SENTLENS_CHECK(options_.threshold >= 0, InputError, "ACT threshold must be >= 0, got {}",
                 options_.threshold);
}

bool ActCalibrator::edits_layer(std::int64_t layer) const {
  return std::any_of(options_.heads.begin(), options_.heads.end(),
                     [layer](const HeadRef& head) { return head.first == layer; });
}

bool ActCalibrator::needs_whole_layer(std::int64_t layer) const {
  return edits_layer(layer);
}

void ActCalibrator::edit_probs(const AttentionBlock& block, torch::Tensor& probs) {
  const std::int64_t t_count = block.key_count;
  const bool quirks = options_.reference_quirks;
  SENTLENS_CHECK(quirks || (block.query_start == 0 && block.query_count == t_count), InputError,
                 "ACT needs the whole sequence in one block without a KV cache (block of rows "
                 "[{}, {}) over {} keys): use a block size of at least T",
                 block.query_start, block.query_start + block.query_count, t_count);
  // fp16_arithmetic: every intermediate rounded to float16, as the reference's fp16 model does.
  const auto round = [this](const torch::Tensor& x) {
    return options_.fp16_arithmetic ? x.to(torch::kHalf).to(torch::kFloat32) : x;
  };
  const auto index_options = torch::TensorOptions().dtype(torch::kFloat32).device(probs.device());
  // §3.1 step 1 divisor: T − j causal queries see key j. With reference_quirks and a partial
  // block this is still key_count − j although the block holds fewer rows (the reference's bug).
  const torch::Tensor divisor =
      static_cast<double>(t_count) - torch::arange(t_count, index_options);
  for (const auto& [layer, head] : options_.heads) {
    if (layer != block.layer) continue;
    SENTLENS_CHECK(head >= 0 && head < block.num_heads, InputError,
                   "ACT head {}:{} is out of range (the layer has {} heads)", layer, head,
                   block.num_heads);
    torch::Tensor p = probs[head];  // [rows, T], a view into probs
    const torch::Tensor p_in = round(p);
    const torch::Tensor scores =
        round(round(p_in.sum(0)) / divisor).to(torch::kFloat64).cpu().contiguous();
    ActHeadSinks found{layer, head};
    found.key_scores.assign(scores.data_ptr<double>(), scores.data_ptr<double>() + t_count);
    for (std::int64_t j = 0; j < t_count; ++j) {
      const double c = found.key_scores[static_cast<std::size_t>(j)];
      if (c > options_.threshold) {
        found.sinks.push_back(j);
        found.scores.push_back(c);
      }
    }
    found.calibrated = found.sinks;
    if (options_.keep_first_sink && !found.calibrated.empty()) {
      // Clean: the first token's sink is kept. [QUIRK] The reference keeps the earliest sink,
      // BOS or not.
      if (quirks || found.calibrated.front() == 0) found.calibrated.erase(found.calibrated.begin());
    }
    if (!found.calibrated.empty()) {
      torch::Tensor is_sink = torch::zeros({t_count}, index_options.dtype(torch::kBool));
      is_sink.index_fill_(0, torch::tensor(found.calibrated, torch::kInt64).to(probs.device()),
                          true);
      const torch::Tensor sink_p = p_in * is_sink;
      const torch::Tensor other_p = p_in - sink_p;
      const torch::Tensor moved = round((1.0 - options_.beta) * round(sink_p.sum(1, true)));
      const torch::Tensor other_mass = round(other_p.sum(1, true));  // [rows, 1]
      // Step 3: sinks keep β; the removed mass goes to the other keys in proportion.
      torch::Tensor calibrated =
          torch::where(is_sink.unsqueeze(0), round(p_in * options_.beta),
                       round(p_in + round(round(moved * p_in) / other_mass)));
      if (quirks) {
        // Row 0 of the block as it was, then [0, 0] = 1; all-sink rows stay 0/0 = NaN.
        calibrated[0].copy_(p_in[0]);
        calibrated[0][0] = 1.0;
        p.copy_(calibrated);
      } else {
        torch::Tensor keep_row = other_mass.squeeze(1) <= 0;  // all mass on sinks: leave as is
        keep_row[0] = true;                                   // row 0 untouched (reference)
        p.copy_(torch::where(keep_row.unsqueeze(1), p, calibrated));
      }
    }
    sinks_.push_back(std::move(found));
  }
}

std::vector<double> token_negative_log_likelihood(const torch::Tensor& logits,
                                                  const std::vector<std::int64_t>& ids) {
  const auto t_count = static_cast<std::int64_t>(ids.size());
  SENTLENS_CHECK(t_count >= 2, InputError, "perplexity needs at least 2 tokens, got {}", t_count);
  SENTLENS_CHECK(logits.dim() == 2 && logits.size(0) == t_count, InputError,
                 "logits must be [{}, V]", t_count);
  const torch::Tensor log_p =
      torch::log_softmax(logits.narrow(0, 0, t_count - 1).to(torch::kFloat64), -1);
  const torch::Tensor next =
      torch::tensor(std::vector<std::int64_t>(ids.begin() + 1, ids.end()), torch::kInt64)
          .to(logits.device());
  const torch::Tensor nll = (-log_p.gather(1, next.unsqueeze(1))).squeeze(1).cpu().contiguous();
  return {nll.data_ptr<double>(), nll.data_ptr<double>() + (t_count - 1)};
}

double mean_negative_log_likelihood(const torch::Tensor& logits,
                                    const std::vector<std::int64_t>& ids) {
  const std::vector<double> nll = token_negative_log_likelihood(logits, ids);
  return std::accumulate(nll.begin(), nll.end(), 0.0) / static_cast<double>(nll.size());
}

CalibrationReport calibrate_text(const Model& model, const std::vector<std::int64_t>& ids,
                                 const ActOptions& options, bool allow_longer,
                                 const std::function<void(const std::string&)>& on_progress) {
  const auto t_count = static_cast<std::int64_t>(ids.size());
  SENTLENS_CHECK(t_count >= 2, InputError, "calibration needs at least 2 tokens, got {}", t_count);
  for (const auto& [layer, head] : options.heads) {
    SENTLENS_CHECK(layer >= 0 && layer < model.config().num_layers && head >= 0 &&
                       head < model.config().num_heads,
                   InputError, "head {}:{} is outside the model ({} layers x {} heads)", layer,
                   head, model.config().num_layers, model.config().num_heads);
  }
  torch::NoGradGuard no_grad;
  const torch::Tensor input = torch::tensor(ids, torch::kInt64).to(model.device());
  ForwardOptions plain;
  plain.allow_longer = allow_longer;  // ACT's editor asks for each edited layer's rows at once
  CalibrationReport report;
  report.tokens = t_count;
  report.ids = ids;
  const auto mean = [](const std::vector<double>& values) {
    return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  };
  std::optional<LayerProgress> plain_progress, calibrated_progress;
  if (on_progress) {
    plain_progress.emplace(on_progress, "plain forward");
    calibrated_progress.emplace(on_progress, "calibrated forward");
    plain.observers = {&*plain_progress};
  }
  report.token_nll_plain = token_negative_log_likelihood(model.forward(input, plain).logits, ids);
  ActCalibrator calibrator(options);
  ForwardOptions calibrated = plain;
  calibrated.editors = {&calibrator};
  if (on_progress) calibrated.observers = {&*calibrated_progress};
  report.token_nll_calibrated =
      token_negative_log_likelihood(model.forward(input, calibrated).logits, ids);
  report.nll_plain = mean(report.token_nll_plain);
  report.nll_calibrated = mean(report.token_nll_calibrated);
  report.perplexity_plain = std::exp(report.nll_plain);
  report.perplexity_calibrated = std::exp(report.nll_calibrated);
  report.sinks = calibrator.sinks();
  return report;
}

void write_calibration(const CalibrationReport& report, const ActOptions& options,
                       const std::filesystem::path& path) {
  const auto t_count = static_cast<std::int64_t>(report.ids.size());
  const auto n_count = static_cast<std::int64_t>(report.sinks.size());
  std::vector<std::int64_t> heads;
  std::vector<double> key_scores;
  std::vector<std::int64_t> sink_class(static_cast<std::size_t>(n_count * t_count), 0);
  for (std::int64_t n = 0; n < n_count; ++n) {
    const ActHeadSinks& head = report.sinks[static_cast<std::size_t>(n)];
    SENTLENS_CHECK(static_cast<std::int64_t>(head.key_scores.size()) == t_count, InputError,
                   "{}: head {}:{} has {} key scores for {} tokens", path.string(), head.layer,
                   head.head, head.key_scores.size(), t_count);
    heads.push_back(head.layer);
    heads.push_back(head.head);
    key_scores.insert(key_scores.end(), head.key_scores.begin(), head.key_scores.end());
    std::int64_t* row = sink_class.data() + n * t_count;
    for (std::int64_t j : head.sinks) row[j] = 1;
    for (std::int64_t j : head.calibrated) row[j] = 2;
  }
  SafetensorsWriter writer;
  writer.add_i64("ids", {t_count}, report.ids);
  writer.add_i64("heads", {n_count, 2}, heads);
  writer.add_f64("key_scores", {n_count, t_count}, key_scores);
  writer.add_i64("sink_class", {n_count, t_count}, sink_class);
  const auto predicted = static_cast<std::int64_t>(report.token_nll_plain.size());
  writer.add_f64("token_nll_plain", {predicted}, report.token_nll_plain);
  writer.add_f64("token_nll_calibrated", {predicted}, report.token_nll_calibrated);
  const auto number = [](double x) { return fmt::format("{:.17g}", x); };
  writer.set_metadata("sentlens.act.beta", number(options.beta));
  writer.set_metadata("sentlens.act.threshold", number(options.threshold));
  writer.set_metadata("sentlens.act.keep_first_sink", options.keep_first_sink ? "true" : "false");
  writer.set_metadata("sentlens.act.profile",
                      options.reference_quirks && options.fp16_arithmetic   ? "reference"
                      : options.reference_quirks || options.fp16_arithmetic ? "custom"
                                                                            : "clean");
  writer.set_metadata("sentlens.act.reference_quirks", options.reference_quirks ? "true" : "false");
  writer.set_metadata("sentlens.act.fp16_arithmetic", options.fp16_arithmetic ? "true" : "false");
  writer.set_metadata("sentlens.act.nll_plain", number(report.nll_plain));
  writer.set_metadata("sentlens.act.nll_calibrated", number(report.nll_calibrated));
  writer.set_metadata("sentlens.act.perplexity_plain", number(report.perplexity_plain));
  writer.set_metadata("sentlens.act.perplexity_calibrated", number(report.perplexity_calibrated));
  writer.write(path);
}

CalibrationReport run_calibration_job(const CalibrationJob& job) {
  const LoadOptions load_options = job.model.load_options();  // a bad device before the text
  SENTLENS_CHECK(!job.text.empty(), InputError, "empty input: the text has no characters");
  if (job.on_progress) job.on_progress("loading " + job.model.dir.string());
  const Model model = Model::load(job.model.dir, load_options);
  const std::unique_ptr<Tokenizer> tokenizer = job.model.load_tokenizer();
  const Encoding encoding = tokenizer->encode(job.text, EncodeOptions{job.add_bos});
  return calibrate_text(model, encoding.ids(), job.act, job.allow_longer, job.on_progress);
}

}  // namespace sentlens
