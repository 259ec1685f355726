// ACT calibration editor and its perplexity job (metrics.md §3.1).
#include "sentlens/capture/act_calibration.h"

#include <algorithm>
#include <cmath>

#include <torch/torch.h>

#include "sentlens/tokenizer/tokenizer.h"
#include "util/check.h"

namespace sentlens {

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

void ActCalibrator::edit_probs(const AttentionBlock& block, torch::Tensor& probs) {
  const std::int64_t t_count = block.key_count;
  SENTLENS_CHECK(block.query_start == 0 && block.query_count == t_count, InputError,
                 "ACT needs the whole sequence in one block without a KV cache (block of rows "
                 "[{}, {}) over {} keys): use a block size of at least T",
                 block.query_start, block.query_start + block.query_count, t_count);
  const auto index_options = torch::TensorOptions().dtype(torch::kFloat32).device(probs.device());
  // §3.1 step 1 divisor: T − j causal queries see key j.
  const torch::Tensor divisor =
      static_cast<double>(t_count) - torch::arange(t_count, index_options);
  for (const auto& [layer, head] : options_.heads) {
    if (layer != block.layer) continue;
    SENTLENS_CHECK(head >= 0 && head < block.num_heads, InputError,
                   "ACT head {}:{} is out of range (the layer has {} heads)", layer, head,
                   block.num_heads);
    torch::Tensor p = probs[head];  // [T, T], a view into probs
    const torch::Tensor scores = (p.sum(0) / divisor).to(torch::kFloat64).cpu();
    ActHeadSinks found{layer, head};
    for (std::int64_t j = 0; j < t_count; ++j) {
      const double c = scores.data_ptr<double>()[j];
      if (c > options_.threshold) {
        found.sinks.push_back(j);
        found.scores.push_back(c);
      }
    }
    found.calibrated = found.sinks;
    if (options_.keep_first_sink && !found.calibrated.empty())
      found.calibrated.erase(found.calibrated.begin());  // [QUIRK] the earliest sink, BOS or not
    if (!found.calibrated.empty()) {
      torch::Tensor is_sink = torch::zeros({t_count}, index_options.dtype(torch::kBool));
      is_sink.index_fill_(0, torch::tensor(found.calibrated, torch::kInt64).to(probs.device()),
                          true);
      const torch::Tensor sink_p = p * is_sink;
      const torch::Tensor other_p = p - sink_p;
      const torch::Tensor moved = (1.0 - options_.beta) * sink_p.sum(1, true);  // [T, 1]
      const torch::Tensor other_mass = other_p.sum(1, true);
      // Step 3: sinks keep β; the removed mass goes to the other keys in proportion.
      torch::Tensor calibrated =
          torch::where(is_sink.unsqueeze(0), p * options_.beta, p + moved * p / other_mass);
      torch::Tensor keep_row = other_mass.squeeze(1) <= 0;  // all mass on sinks: leave as is
      keep_row[0] = true;                                   // row 0 untouched (reference)
      p.copy_(torch::where(keep_row.unsqueeze(1), p, calibrated));
    }
    sinks_.push_back(std::move(found));
  }
}

double mean_negative_log_likelihood(const torch::Tensor& logits,
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
  return -log_p.gather(1, next.unsqueeze(1)).mean().item<double>();
}

CalibrationReport calibrate_text(const Model& model, const std::vector<std::int64_t>& ids,
                                 const ActOptions& options) {
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
  plain.block_size = t_count;  // ACT's c_j needs every row of a layer at once
  CalibrationReport report;
  report.tokens = t_count;
  report.nll_plain = mean_negative_log_likelihood(model.forward(input, plain).logits, ids);
  ActCalibrator calibrator(options);
  ForwardOptions calibrated = plain;
  calibrated.editors = {&calibrator};
  report.nll_calibrated =
      mean_negative_log_likelihood(model.forward(input, calibrated).logits, ids);
  report.perplexity_plain = std::exp(report.nll_plain);
  report.perplexity_calibrated = std::exp(report.nll_calibrated);
  report.sinks = calibrator.sinks();
  return report;
}

CalibrationReport run_calibration_job(const CalibrationJob& job) {
  torch::Device device = torch::kCPU;
  try {
    device = torch::Device(job.device);
  } catch (const std::exception&) {
    throw InputError(
        fmt::format("--device: '{}' is not a torch device (e.g. cpu, cuda, cuda:1)", job.device));
  }
  SENTLENS_CHECK(!job.text.empty(), InputError, "empty input: the text has no characters");
  const Model model = Model::load(job.model_dir, LoadOptions{device, job.threads});
  const std::unique_ptr<Tokenizer> tokenizer = load_tokenizer(job.model_dir);
  const Encoding encoding = tokenizer->encode(job.text, EncodeOptions{job.add_bos});
  return calibrate_text(model, encoding.ids(), job.act);
}

}  // namespace sentlens
