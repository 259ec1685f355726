// Private: the sparse MLP of mixture-of-experts layers (Qwen2-MoE, Qwen3-MoE, Mixtral,
// DeepSeek-V3): routing, the chosen experts, the shared expert.
#pragma once

#include <torch/types.h>

#include "model/weights.h"
#include "sentlens/model/model.h"

namespace sentlens {

/// The MoE output for x [N, T, D] (float32) through layer `layer`'s experts; reports the routing
/// to options.router_observers. `past`: position of the first token.
torch::Tensor mixture_of_experts(const ModelConfig& config, const LayerWeights& weights,
                                 std::int64_t layer, std::int64_t past, const torch::Tensor& x,
                                 const ForwardOptions& options);

}  // namespace sentlens
