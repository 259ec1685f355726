// KVCache: keys (after RoPE) and values of positions already run, so a forward can continue.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/types.h>

namespace sentlens {

/// Per-layer keys and values, each [num_sequences, num_kv_heads, length, head_dim] float32.
/// An empty cache (no layers) has length 0. Model::forward appends to it.
class KVCache {
 public:
  std::int64_t length() const { return keys_.empty() ? 0 : keys_.front().size(2); }
  std::int64_t num_sequences() const { return keys_.empty() ? 0 : keys_.front().size(0); }
  bool empty() const { return keys_.empty(); }

  /// The first `length` positions (a copy sharing no storage with this cache).
  KVCache prefix(std::int64_t length) const;
  /// This single-sequence cache repeated for `num_sequences` sequences (batched continuations).
  KVCache repeat(std::int64_t num_sequences) const;
  /// The given sequences of this cache, in that order (finished continuations leaving a batch).
  KVCache select(const std::vector<std::int64_t>& sequences) const;

  const torch::Tensor& keys(std::int64_t layer) const { return keys_.at(layer); }
  const torch::Tensor& values(std::int64_t layer) const { return values_.at(layer); }
  /// Sets a layer's keys and values [N, KVH, length, Dh]: the forward pass stores the
  /// concatenation of the cached and the new positions here. Layers are set in order.
  void set_layer(std::int64_t layer, torch::Tensor keys, torch::Tensor values);
  std::int64_t num_layers() const { return static_cast<std::int64_t>(keys_.size()); }

 private:
  std::vector<torch::Tensor> keys_;
  std::vector<torch::Tensor> values_;
};

}  // namespace sentlens
