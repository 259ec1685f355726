// The activation table's names (torch-free: part of sentlens_core, used by config parsing).
#include "sentlens/model/activation.h"

#include <array>
#include <utility>

namespace sentlens {

namespace {

// Every name transformers' ACT2FN maps to a parameter-free function, aliases included.
constexpr std::array<std::pair<const char*, Activation>, 19> kActivationNames = {{
    {"silu", Activation::kSilu},
    {"swish", Activation::kSilu},
    {"gelu", Activation::kGelu},
    {"gelu_python", Activation::kGelu},
    {"gelu_new", Activation::kGeluNew},
    {"gelu_accurate", Activation::kGeluNew},
    {"gelu_pytorch_tanh", Activation::kGeluPytorchTanh},
    {"gelu_fast", Activation::kGeluFast},
    {"gelu_10", Activation::kGelu10},
    {"quick_gelu", Activation::kQuickGelu},
    {"relu", Activation::kRelu},
    {"relu2", Activation::kRelu2},
    {"relu6", Activation::kRelu6},
    {"leaky_relu", Activation::kLeakyRelu},
    {"mish", Activation::kMish},
    {"sigmoid", Activation::kSigmoid},
    {"tanh", Activation::kTanh},
    {"linear", Activation::kLinear},
    {"laplace", Activation::kLaplace},
}};

}  // namespace

std::optional<Activation> activation_from_name(const std::string& name) {
  for (const auto& [known, activation] : kActivationNames) {
    if (name == known) return activation;
  }
  return std::nullopt;
}

const char* activation_name(Activation activation) {
  for (const auto& [known, candidate] : kActivationNames) {
    if (candidate == activation) return known;  // the first name of each is the canonical one
  }
  return "?";
}

std::string supported_activation_names() {
  std::string names;
  for (const auto& [known, activation] : kActivationNames) {
    if (!names.empty()) names += ", ";
    names += known;
  }
  return names;
}

}  // namespace sentlens
