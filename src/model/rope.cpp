// Rotary position embeddings (RoFormer; HF rotate_half layout) and their scaling variants.
#include "model/rope.h"

#include <cmath>

#include <torch/torch.h>

namespace sentlens {

torch::Tensor rope_inverse_frequencies(const ModelConfig& config) {
  const auto dim = config.head_dim;
  // inv_freq_i = 1 / theta^(2i / dim), in float32 as transformers computes it.
  auto exponents =
      torch::arange(0, dim, 2, torch::kInt64).to(torch::kFloat32) / static_cast<double>(dim);
  auto inv_freq = 1.0 / torch::pow(config.rope_theta, exponents);
  switch (config.rope_scaling) {
    case RopeScalingKind::kNone:
      break;
    case RopeScalingKind::kLinear:
      inv_freq = inv_freq / config.rope_factor;
      break;
    case RopeScalingKind::kLlama3: {
      // Llama 3.1: long wavelengths are divided by the factor, short ones kept, and the band in
      // between interpolated smoothly (transformers `_compute_llama3_parameters`).
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
      inv_freq = torch::where(is_medium, smoothed, scaled);
      break;
    }
  }
  return inv_freq.contiguous();
}

std::pair<torch::Tensor, torch::Tensor> rope_tables(const torch::Tensor& inv_freq,
                                                    std::int64_t first_position,
                                                    std::int64_t count) {
  auto positions =
      torch::arange(first_position, first_position + count,
                    torch::TensorOptions().dtype(torch::kInt64).device(inv_freq.device()))
          .to(torch::kFloat32);
  auto freqs = torch::outer(positions, inv_freq);  // [T, Dh/2]
  auto angles = torch::cat({freqs, freqs}, -1);    // [T, Dh]
  return {angles.cos(), angles.sin()};
}

torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& cos,
                         const torch::Tensor& sin) {
  const auto half = x.size(-1) / 2;
  auto first = x.narrow(-1, 0, half);
  auto second = x.narrow(-1, half, half);
  auto rotated = torch::cat({-second, first}, -1);
  return x * cos + rotated * sin;
}

}  // namespace sentlens
