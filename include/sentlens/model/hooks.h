// The attention hook contract: observers read each layer's attention probabilities block by block,
// editors change scores or probabilities before they are used.
#pragma once

#include <cstdint>

#include <torch/types.h>

namespace sentlens {

/// Where a block of attention sits. Positions are absolute: a forward that continues from a KV
/// cache of length P numbers its first new token P.
struct AttentionBlock {
  std::int64_t layer = 0;        // 0-based layer index
  std::int64_t sequence = 0;     // index of the sequence in the batch (0 for a single sequence)
  std::int64_t query_start = 0;  // absolute position of the block's first query row
  std::int64_t query_count = 0;  // query rows in the block
  std::int64_t key_count = 0;    // keys 0 .. key_count-1: query_start + query_count, since
                                 // later keys are masked for every row of the block (or every
                                 // key of the forward when an editor needs_all_keys)
  std::int64_t num_heads = 0;    // query heads (GQA is expanded: every query head appears)
};

/// What a forward pass is about to compute; handed to observers before the first layer.
struct ForwardShape {
  std::int64_t num_layers = 0;
  std::int64_t num_heads = 0;      // query heads
  std::int64_t num_sequences = 1;  // batch size
  std::int64_t past_length = 0;    // positions already in the KV cache
  std::int64_t new_tokens = 0;     // positions computed by this forward
};

/// Reads attention probabilities. `probs` is float32 [num_heads, query_count, key_count] on the
/// model's device; each row sums to 1 and masked entries (future keys, keys outside a sliding
/// window) are exactly 0. It shows what the model used, after every editor. It is valid only
/// during the call and must not be modified: copy or reduce what you need.
class AttentionObserver {
 public:
  virtual ~AttentionObserver() = default;
  /// Called once per forward pass before the first layer.
  virtual void begin_forward(const ForwardShape& /*shape*/) {}
  /// Layers this observer wants; blocks of other layers are not handed to it.
  virtual bool observes_layer(std::int64_t /*layer*/) const { return true; }
  virtual void observe(const AttentionBlock& block, const torch::Tensor& probs) = 0;
  /// Called once after the last layer.
  virtual void end_forward() {}
};

/// Changes attention. Both tensors are float32 [num_heads, query_count, key_count] and are edited
/// in place. Editors run in the order given, before any observer sees the block.
class AttentionEditor {
 public:
  virtual ~AttentionEditor() = default;
  virtual bool edits_layer(std::int64_t /*layer*/) const { return true; }
  /// Whether the editor must see every key of the forward in this layer, future ones included (as
  /// -inf scores). Blocks of such a layer then span all keys for editors and observers alike.
  /// Only reproducing code that masks with a finite value (reference-profile suppression) needs it.
  virtual bool needs_all_keys(std::int64_t /*layer*/) const { return false; }
  /// Whether the editor must see every query row of the forward in this layer at once (one block
  /// of [num_heads, T, key_count]), as ACT's column means over all rows do. The forward then
  /// lifts its cap on a block's size (32 MiB; ForwardOptions::block_size) for that layer: it costs
  /// 2 x heads x T x T floats (16 heads at 2,000 tokens: 512 MiB), checked in the memory plan.
  virtual bool needs_whole_layer(std::int64_t /*layer*/) const { return false; }
  /// Pre-softmax scores QKᵀ·scale, with the causal (and sliding-window) mask already applied as
  /// -inf. A row left with no finite score would give NaN probabilities: keep one key visible.
  virtual void edit_scores(const AttentionBlock& /*block*/, torch::Tensor& /*scores*/) {}
  /// Post-softmax probabilities, before they multiply the values.
  virtual void edit_probs(const AttentionBlock& /*block*/, torch::Tensor& /*probs*/) {}
};

/// Reads or changes the residual stream between decoder layers. `hidden` is float32 [N, T, D]:
/// the input of decoder layer `layer`, or, for layer == num_layers, the last layer's output before
/// the final norm. In-place edits change what the following layers compute (Token Prepending
/// copies one position's state into another); the tensor is valid only during the call.
class ResidualHook {
 public:
  virtual ~ResidualHook() = default;
  virtual void layer_input(std::int64_t layer, std::int64_t past_length, torch::Tensor& hidden) = 0;
};

/// The experts a mixture-of-experts layer chose for the tokens of one forward.
struct RoutingChoice {
  std::int64_t layer = 0;        // 0-based layer index
  std::int64_t past_length = 0;  // absolute position of the forward's first token
  torch::Tensor experts;         // int64 [N, T, k]: the chosen experts of each token
  torch::Tensor weights;  // float32 [N, T, k]: each one's weight in the layer output, after the
                          // family's renormalisation and scaling (what multiplies its output)
};

/// Reads the router's choices of mixture-of-experts layers (dense layers report nothing). The
/// tensors are valid only during the call.
class RouterObserver {
 public:
  virtual ~RouterObserver() = default;
  virtual void observe_routing(const RoutingChoice& choice) = 0;
};

}  // namespace sentlens
