// The decoder layers' tensor functions; activations as defined in transformers/activations.py.
#include "model/layer_math.h"

#include <cmath>

#include <torch/torch.h>

namespace sentlens {

torch::Tensor project(const torch::Tensor& x, const torch::Tensor& weight,
                      const torch::Tensor& bias) {
  return bias.defined() ? torch::nn::functional::linear(x, weight, bias)
                        : torch::nn::functional::linear(x, weight);
}

torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  auto variance = x.pow(2).mean(-1, /*keepdim=*/true);
  return weight * (x * torch::rsqrt(variance + eps));
}

torch::Tensor norm(const ModelConfig& config, const torch::Tensor& x, const torch::Tensor& weight,
                   const torch::Tensor& bias) {
  if (config.norm == NormKind::kLayerNorm) {
    return torch::layer_norm(x, {x.size(-1)}, weight, bias, config.norm_eps);
  }
  return rms_norm(x, weight, config.norm_eps);
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
                        bool grad) {
  auto halves = project(x, gate_up_weight, gate_up_bias).chunk(2, -1);  // gate, up
  auto activated = activate(activation, halves[0], /*in_place=*/!grad);
  activated = grad ? activated * halves[1] : activated.mul_(halves[1]);
  return project(activated, down_weight, down_bias);
}

}  // namespace sentlens
