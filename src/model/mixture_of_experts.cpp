// Mixture-of-experts layers as transformers computes them: route each token to k experts, run each
// expert on its tokens, add the weighted outputs in expert order, then the shared expert.
#include "model/mixture_of_experts.h"

#include <torch/torch.h>

#include "model/layer_math.h"

namespace sentlens {

namespace {

struct Routing {
  torch::Tensor experts;  // int64 [rows, k]
  torch::Tensor weights;  // float32 [rows, k]
};

// Qwen-MoE and Mixtral: softmax over all experts, the k largest, optionally renormalised.
Routing softmax_routing(const ModelConfig& config, const torch::Tensor& logits) {
  auto probabilities = torch::softmax(logits, -1);
  auto [weights, experts] = probabilities.topk(config.experts_per_token, -1);
  if (config.norm_topk_prob) weights = weights / weights.sum(-1, /*keepdim=*/true);
  return {experts, weights};
}

// DeepSeek-V3 (transformers DeepseekV3TopkRouter): sigmoid scores; the choice adds the
// score-correction bias, keeps the topk_group groups whose two best experts score highest (the
// other groups' choices set to 0), and takes the k best; the weights are the scores without the
// bias, renormalised (+1e-20) and scaled by routed_scaling_factor.
Routing grouped_sigmoid_routing(const ModelConfig& config, const LayerWeights& weights,
                                const torch::Tensor& logits) {
  const std::int64_t rows = logits.size(0), E = config.num_experts;
  const std::int64_t groups = config.router_groups, per_group = E / groups;
  auto scores = logits.sigmoid();
  auto choice = scores + weights.router_bias.unsqueeze(0);
  auto group_scores = std::get<0>(choice.view({rows, groups, per_group}).topk(2, -1)).sum(-1);
  auto kept_groups = std::get<1>(group_scores.topk(config.router_kept_groups, -1, true, false));
  auto group_mask = torch::zeros_like(group_scores).scatter_(1, kept_groups, 1.0);
  auto expert_mask = group_mask.unsqueeze(-1)
                         .expand({rows, groups, per_group})
                         .reshape({rows, E})
                         .to(torch::kBool);
  choice = choice.masked_fill(expert_mask.logical_not(), 0.0);
  auto experts = std::get<1>(choice.topk(config.experts_per_token, -1, true, false));
  auto chosen = scores.gather(1, experts);
  if (config.norm_topk_prob) chosen = chosen / (chosen.sum(-1, /*keepdim=*/true) + 1e-20);
  return {experts, chosen * config.routed_scaling_factor};
}

}  // namespace

torch::Tensor mixture_of_experts(const ModelConfig& config, const LayerWeights& weights,
                                 std::int64_t layer, std::int64_t past, const torch::Tensor& x,
                                 const ForwardOptions& options) {
  const bool grad = options.enable_grad;
  const std::int64_t D = x.size(-1), rows = x.numel() / D, k = config.experts_per_token;
  const auto flat = x.reshape({rows, D});
  const auto logits = project(flat, weights.router_weight);  // [rows, E], float32
  const Routing routing = config.router == RouterKind::kSigmoidGrouped
                              ? grouped_sigmoid_routing(config, weights, logits)
                              : softmax_routing(config, logits);
  if (!options.router_observers.empty()) {
    auto shape = x.sizes().vec();
    shape.back() = k;
    RoutingChoice choice{layer, past, routing.experts.view(shape), routing.weights.view(shape)};
    for (auto* observer : options.router_observers) observer->observe_routing(choice);
  }

  // Tokens grouped by expert with one stable sort: each expert runs once on all of its tokens,
  // and the outputs are added in expert order, as transformers' loop over experts adds them.
  const auto flat_experts = routing.experts.reshape({-1});
  const auto order = std::get<1>(flat_experts.sort(/*stable=*/true, 0, false));
  const auto token_of = order.div(k, "floor");
  const auto weight_of = routing.weights.reshape({-1}).index_select(0, order);
  const auto counts = torch::bincount(flat_experts, {}, config.num_experts).to(torch::kCPU);
  const auto* count = counts.data_ptr<std::int64_t>();
  auto output = torch::zeros_like(flat);
  std::int64_t offset = 0;
  for (std::int64_t e = 0; e < config.num_experts; ++e) {
    if (count[e] == 0) continue;
    const auto tokens = token_of.narrow(0, offset, count[e]);
    const auto& expert = weights.experts[static_cast<std::size_t>(e)];
    auto expert_out = gated_mlp(config.activation, flat.index_select(0, tokens),
                                expert.gate_up_weight, expert.down_weight, {}, {}, grad);
    expert_out = expert_out * weight_of.narrow(0, offset, count[e]).unsqueeze(-1);
    output =
        grad ? output.index_add(0, tokens, expert_out) : output.index_add_(0, tokens, expert_out);
    offset += count[e];
  }
  if (weights.shared_expert.gate_up_weight.defined()) {
    auto shared = gated_mlp(config.activation, flat, weights.shared_expert.gate_up_weight,
                            weights.shared_expert.down_weight, {}, {}, grad);
    if (weights.shared_expert_gate.defined()) {
      shared = torch::sigmoid(project(flat, weights.shared_expert_gate)) * shared;
    }
    output = grad ? output + shared : output.add_(shared);
  }
  return output.view(x.sizes());
}

}  // namespace sentlens
