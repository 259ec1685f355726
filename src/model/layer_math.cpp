// The decoder layers' tensor functions; activations as defined in transformers/activations.py.
#include "model/layer_math.h"

#include <cmath>

#include <torch/torch.h>

namespace sentlens {

torch::Tensor project(const torch::Tensor& x, const torch::Tensor& weight,
                      const torch::Tensor& bias, const torch::Tensor& out) {
  if (!out.defined()) {
    return bias.defined() ? torch::nn::functional::linear(x, weight, bias)
                          : torch::nn::functional::linear(x, weight);
  }
  const std::int64_t in_features = x.size(-1), out_features = weight.size(0);
  const std::int64_t rows = x.numel() / in_features;
  auto out_rows = out.view({rows, out_features});
  const auto x_rows = x.dim() == 2 ? x : x.reshape({rows, in_features});
  if (bias.defined()) {
    at::addmm_out(out_rows, bias, x_rows, weight.t());
  } else {
    at::mm_out(out_rows, x_rows, weight.t());
  }
  auto sizes = x.sizes().vec();
  sizes.back() = out_features;
  return out_rows.view(sizes);
}

torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps,
                       const torch::Tensor& out) {
  if (!out.defined()) {
    auto variance = x.pow(2).mean(-1, /*keepdim=*/true);
    return weight * (x * torch::rsqrt(variance + eps));
  }
  // The same ops in place: x² goes through `out`, which then receives x·rsqrt(...)·weight
  // (float multiplication commutes, so weight·y and y·weight round alike).
  auto result = out;  // a handle to out's memory
  at::pow_out(result, x, 2);
  auto inverse_rms = result.mean(-1, /*keepdim=*/true).add_(eps).rsqrt_();
  at::mul_out(result, x, inverse_rms);
  return result.mul_(weight);
}

torch::Tensor norm(const ModelConfig& config, const torch::Tensor& x, const torch::Tensor& weight,
                   const torch::Tensor& bias, const torch::Tensor& out) {
  if (config.norm == NormKind::kLayerNorm) {
    return torch::layer_norm(x, {x.size(-1)}, weight, bias, config.norm_eps);
  }
  return rms_norm(x, weight, config.norm_eps, out);
}

torch::Tensor activate(Activation activation, const torch::Tensor& x, bool in_place) {
  // Each formula is written as transformers writes it, so float32 rounding matches too.
  static const double kSqrtTwoOverPi = std::sqrt(2.0 / M_PI);
  switch (activation) {
    case Activation::kSilu:
      return in_place ? torch::silu_(const_cast<torch::Tensor&>(x)) : torch::silu(x);
    case Activation::kGelu:
      return torch::gelu(x);
    case Activation::kGeluNew:
      return 0.5 * x * (1.0 + torch::tanh(kSqrtTwoOverPi * (x + 0.044715 * torch::pow(x, 3.0))));
    case Activation::kGeluPytorchTanh:
      return torch::gelu(x, "tanh");
    case Activation::kGeluFast:
      return 0.5 * x * (1.0 + torch::tanh(x * 0.7978845608 * (1.0 + 0.044715 * x * x)));
    case Activation::kGelu10:
      return torch::clamp(torch::gelu(x), -10.0, 10.0);
    case Activation::kQuickGelu:
      return x * torch::sigmoid(1.702 * x);
    case Activation::kRelu:
      return in_place ? torch::relu_(const_cast<torch::Tensor&>(x)) : torch::relu(x);
    case Activation::kRelu2:
      return torch::square(torch::relu(x));
    case Activation::kRelu6:
      return torch::clamp(x, 0.0, 6.0);
    case Activation::kLeakyRelu:
      return torch::leaky_relu(x, 0.01);
    case Activation::kMish:
      return torch::mish(x);
    case Activation::kSigmoid:
      return torch::sigmoid(x);
    case Activation::kTanh:
      return torch::tanh(x);
    case Activation::kLinear:
      return x;
    case Activation::kLaplace: {
      constexpr double kMu = 0.707107, kSigma = 0.282095;
      return 0.5 * (1.0 + torch::erf((x - kMu).div(kSigma * std::sqrt(2.0))));
    }
  }
  return x;
}

torch::Tensor gated_mlp(Activation activation, const torch::Tensor& x,
                        const torch::Tensor& gate_up_weight, const torch::Tensor& down_weight,
                        const torch::Tensor& gate_up_bias, const torch::Tensor& down_bias,
                        bool grad, const torch::Tensor& product, const torch::Tensor& out) {
  auto halves = project(x, gate_up_weight, gate_up_bias, product).chunk(2, -1);  // gate, up
  auto activated = activate(activation, halves[0], /*in_place=*/!grad);
  activated = grad ? activated * halves[1] : activated.mul_(halves[1]);
  return project(activated, down_weight, down_bias, out);
}

}  // namespace sentlens
