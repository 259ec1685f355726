// The activation table: every MLP activation of Hugging Face's ACT2FN that has no parameters, by
// its transformers name (torch-free; the tensor functions live with the forward pass).
#pragma once

#include <optional>
#include <string>

namespace sentlens {

/// Activations by their definitions in transformers/activations.py.
enum class Activation {
  kSilu,     // "silu", "swish": x·σ(x)
  kGelu,     // "gelu", "gelu_python": exact, 0.5·x·(1 + erf(x/√2))
  kGeluNew,  // "gelu_new", "gelu_accurate": 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
  kGeluPytorchTanh,  // "gelu_pytorch_tanh": torch's gelu(approximate="tanh"), the same formula
  kGeluFast,         // "gelu_fast": 0.5·x·(1 + tanh(0.7978845608·x·(1 + 0.044715·x²)))
  kGelu10,           // "gelu_10": exact gelu clipped to [-10, 10]
  kQuickGelu,        // "quick_gelu": x·σ(1.702·x)
  kRelu,             // "relu"
  kRelu2,            // "relu2": relu(x)²
  kRelu6,            // "relu6": min(max(x, 0), 6)
  kLeakyRelu,        // "leaky_relu": torch's default slope 0.01
  kMish,             // "mish": x·tanh(softplus(x))
  kSigmoid,          // "sigmoid"
  kTanh,             // "tanh"
  kLinear,           // "linear": the identity
  kLaplace,          // "laplace": 0.5·(1 + erf((x − 0.707107) / (0.282095·√2)))
};

/// The activation of a transformers name, or nullopt for a name not in the table.
std::optional<Activation> activation_from_name(const std::string& name);
/// The canonical transformers name ("silu", "gelu_pytorch_tanh", ...).
const char* activation_name(Activation activation);
/// Every accepted name, comma-separated, for messages.
std::string supported_activation_names();

}  // namespace sentlens
