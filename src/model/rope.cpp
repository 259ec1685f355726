// Rotary position embeddings (RoFormer; HF rotate_half layout) and their scaling variants, as
// transformers' modeling_rope_utils computes them.
#include "model/rope.h"

#include <algorithm>
#include <cmath>

#include <torch/torch.h>

namespace sentlens {

namespace {

// theta^(2i / dim) for i < dim / 2, in float32 as transformers computes it.
torch::Tensor base_powers(double theta, std::int64_t dim) {
  auto exponents =
      torch::arange(0, dim, 2, torch::kInt64).to(torch::kFloat32) / static_cast<double>(dim);
  return torch::pow(theta, exponents);
}

torch::Tensor float_tensor(const std::vector<double>& values) {
  return torch::tensor(values, torch::kFloat64).to(torch::kFloat32);
}

// Llama 3.1: long wavelengths are divided by the factor, short ones kept, and the band in between
// interpolated smoothly (transformers `_compute_llama3_parameters`).
torch::Tensor llama3_frequencies(const ModelConfig& config, const torch::Tensor& inv_freq) {
  const double factor = config.rope_factor;
  const double low = config.rope_low_freq_factor;
  const double high = config.rope_high_freq_factor;
  const double old_context = static_cast<double>(config.rope_original_max_position_embeddings);
  const double low_freq_wavelen = old_context / low;
  const double high_freq_wavelen = old_context / high;
  auto wavelen = 2 * M_PI / inv_freq;
  auto scaled = torch::where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq);
  auto smooth = (old_context / wavelen - low) / (high - low);
  auto smoothed = (1 - smooth) * scaled / factor + smooth * scaled;
  auto is_medium = (wavelen >= high_freq_wavelen).logical_and(wavelen <= low_freq_wavelen);
  return torch::where(is_medium, smoothed, scaled);
}

// YaRN (Peng et al. 2023, transformers `_compute_yarn_parameters`): frequencies above the
// beta_fast rotation count keep their value, those below beta_slow are divided by the factor, and
// a linear ramp blends the dims in between.
torch::Tensor yarn_frequencies(const ModelConfig& config, const torch::Tensor& powers) {
  const double dim = static_cast<double>(config.rotary_dim);
  const double base = config.rope_theta;
  const double context = static_cast<double>(config.rope_original_max_position_embeddings);
  auto correction_dim = [&](double rotations) {
    return dim * std::log(context / (rotations * 2 * M_PI)) / (2 * std::log(base));
  };
  double low = std::max(std::floor(correction_dim(config.rope_beta_fast)), 0.0);
  double high = std::min(std::ceil(correction_dim(config.rope_beta_slow)), dim - 1);
  if (low == high) high += 0.001;  // as transformers, to avoid a division by zero
  auto ramp =
      ((torch::arange(config.rotary_dim / 2, torch::kFloat32) - low) / (high - low)).clamp(0, 1);
  auto extrapolation_factor = 1 - ramp;
  auto extrapolation = 1.0 / powers;
  auto interpolation = 1.0 / (config.rope_factor * powers);
  return interpolation * (1 - extrapolation_factor) + extrapolation * extrapolation_factor;
}

}  // namespace

RotaryFrequencies RotaryFrequencies::to(torch::Device device) const {
  RotaryFrequencies moved = *this;
  for (auto* tensor : {&moved.inv_freq, &moved.inv_freq_long, &moved.inv_freq_local}) {
    if (tensor->defined()) *tensor = tensor->to(device);
  }
  return moved;
}

RotaryFrequencies rotary_frequencies(const ModelConfig& config) {
  const auto powers = base_powers(config.rope_theta, config.rotary_dim);
  RotaryFrequencies result;
  result.attention_factor = config.rope_attention_factor;
  switch (config.rope_scaling) {
    case RopeScalingKind::kNone:
      result.inv_freq = 1.0 / powers;
      break;
    case RopeScalingKind::kLinear:
      result.inv_freq = 1.0 / powers / config.rope_factor;
      break;
    case RopeScalingKind::kLlama3:
      result.inv_freq = llama3_frequencies(config, 1.0 / powers);
      break;
    case RopeScalingKind::kLongRope:
      // transformers `_compute_longrope_parameters`: 1 / (ext · theta^(2i/d)).
      result.inv_freq = 1.0 / (float_tensor(config.rope_short_factor) * powers);
      result.inv_freq_long = (1.0 / (float_tensor(config.rope_long_factor) * powers)).contiguous();
      result.original_context = config.rope_original_max_position_embeddings;
      break;
    case RopeScalingKind::kYarn:
      result.inv_freq = yarn_frequencies(config, powers);
      break;
  }
  result.inv_freq = result.inv_freq.contiguous();
  if (config.rope_local_theta) {
    result.inv_freq_local =
        (1.0 / base_powers(*config.rope_local_theta, config.rotary_dim)).contiguous();
  }
  return result;
}

namespace {

std::pair<torch::Tensor, torch::Tensor> cos_sin(const torch::Tensor& inv_freq,
                                                std::int64_t first_position, std::int64_t count,
                                                double factor) {
  auto positions =
      torch::arange(first_position, first_position + count,
                    torch::TensorOptions().dtype(torch::kInt64).device(inv_freq.device()))
          .to(torch::kFloat32);
  auto freqs = torch::outer(positions, inv_freq);  // [T, rotary_dim / 2]
  auto angles = torch::cat({freqs, freqs}, -1);    // [T, rotary_dim]
  if (factor == 1.0) return {angles.cos(), angles.sin()};
  return {angles.cos() * factor, angles.sin() * factor};
}

}  // namespace

RotaryTables rotary_tables(const RotaryFrequencies& frequencies, std::int64_t first_position,
                           std::int64_t count) {
  RotaryTables tables;
  const bool long_context =
      frequencies.inv_freq_long.defined() && first_position + count > frequencies.original_context;
  std::tie(tables.cos, tables.sin) =
      cos_sin(long_context ? frequencies.inv_freq_long : frequencies.inv_freq, first_position,
              count, frequencies.attention_factor);
  if (frequencies.inv_freq_local.defined()) {
    std::tie(tables.local_cos, tables.local_sin) =
        cos_sin(frequencies.inv_freq_local, first_position, count, 1.0);
  }
  return tables;
}

torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                         const torch::Tensor& out, const torch::Tensor& scratch) {
  const auto half = x.size(-1) / 2;
  auto first = x.narrow(-1, 0, half);
  auto second = x.narrow(-1, half, half);
  if (!out.defined()) {
    auto rotated = torch::cat({-second, first}, -1);
    return x * cos + rotated * sin;
  }
  auto rotated = scratch, result = out;  // handles to the caller's memory
  auto rotated_first = rotated.narrow(-1, 0, half);
  at::neg_out(rotated_first, second);
  rotated.narrow(-1, half, half).copy_(first);
  rotated.mul_(sin);
  at::mul_out(result, x, cos);
  return result.add_(rotated);
}

}  // namespace sentlens
