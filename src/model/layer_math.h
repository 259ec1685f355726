// Private: the tensor functions the decoder layers are made of (projections, norms, activations,
// MLPs), shared by the dense forward and the mixture of experts.
#pragma once

#include <torch/types.h>

#include "sentlens/model/config.h"

namespace sentlens {

/// x·Wᵀ (+ b when `bias` is defined). With `out` defined ([rows of x, out features], contiguous)
/// the product is written there instead of into fresh memory, by the GEMM linear() itself runs
/// (addmm with a bias, mm without), so the float32 results are the same.
torch::Tensor project(const torch::Tensor& x, const torch::Tensor& weight,
                      const torch::Tensor& bias = {}, const torch::Tensor& out = {});

/// RMSNorm as in transformers: weight · (x / sqrt(mean(x²) + eps)), in float32 (Gemma's (1 + w)
/// is folded into the weight at load). With `out` defined (x's shape, contiguous) the result is
/// written there, op for op the same.
torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps,
                       const torch::Tensor& out = {});

/// The config's norm (RMSNorm, or LayerNorm with `bias`); `out` as rms_norm's (LayerNorm, which has
/// no out= form here, ignores it).
torch::Tensor norm(const ModelConfig& config, const torch::Tensor& x, const torch::Tensor& weight,
                   const torch::Tensor& bias = {}, const torch::Tensor& out = {});

/// `activation` of x, as transformers' ACT2FN defines it. `in_place`: x may be overwritten (no
/// autograd records the forward).
torch::Tensor activate(Activation activation, const torch::Tensor& x, bool in_place);

/// A gated MLP: down(act(gate(x)) · up(x)), gate_up_weight holding the gate rows then the up rows.
/// `product` ([rows, 2·I]) and `out` ([rows, D]), where defined, receive the gate/up product and
/// the result instead of fresh memory.
torch::Tensor gated_mlp(Activation activation, const torch::Tensor& x,
                        const torch::Tensor& gate_up_weight, const torch::Tensor& down_weight,
                        const torch::Tensor& gate_up_bias = {}, const torch::Tensor& down_bias = {},
                        bool grad = false, const torch::Tensor& product = {},
                        const torch::Tensor& out = {});

}  // namespace sentlens
