// KVCache: growing per-layer key/value tensors.
#include "sentlens/model/kv_cache.h"

#include <torch/torch.h>

#include "util/check.h"

namespace sentlens {

KVCache KVCache::prefix(std::int64_t length) const {
  SENTLENS_CHECK(length >= 0 && length <= this->length(), InputError,
                 "KV cache prefix of {} positions requested from a cache of {}", length,
                 this->length());
  KVCache result;
  for (std::size_t l = 0; l < keys_.size(); ++l) {
    result.keys_.push_back(keys_[l].narrow(2, 0, length).clone());
    result.values_.push_back(values_[l].narrow(2, 0, length).clone());
  }
  return result;
}

KVCache KVCache::repeat(std::int64_t num_sequences) const {
  SENTLENS_CHECK(
      this->num_sequences() == 1 && num_sequences >= 1, InputError,
      "KV cache repeat needs a single-sequence cache and a positive count (have {}, asked {})",
      this->num_sequences(), num_sequences);
  KVCache result;
  for (std::size_t l = 0; l < keys_.size(); ++l) {
    result.keys_.push_back(keys_[l].expand({num_sequences, -1, -1, -1}).contiguous());
    result.values_.push_back(values_[l].expand({num_sequences, -1, -1, -1}).contiguous());
  }
  return result;
}

KVCache KVCache::select(const std::vector<std::int64_t>& sequences) const {
  for (std::int64_t sequence : sequences) {
    SENTLENS_CHECK(sequence >= 0 && sequence < num_sequences(), InputError,
                   "KV cache: sequence {} selected from a cache of {}", sequence, num_sequences());
  }
  KVCache result;
  if (keys_.empty()) return result;
  const auto index = torch::tensor(sequences, torch::kInt64).to(keys_.front().device());
  for (std::size_t l = 0; l < keys_.size(); ++l) {
    result.keys_.push_back(keys_[l].index_select(0, index));
    result.values_.push_back(values_[l].index_select(0, index));
  }
  return result;
}

void KVCache::set_layer(std::int64_t layer, torch::Tensor keys, torch::Tensor values) {
  const auto index = static_cast<std::size_t>(layer);
  SENTLENS_CHECK(index <= keys_.size(), InputError, "KV cache: layer {} set out of order", layer);
  if (index == keys_.size()) {
    keys_.push_back(std::move(keys));
    values_.push_back(std::move(values));
  } else {
    keys_[index] = std::move(keys);
    values_[index] = std::move(values);
  }
}

}  // namespace sentlens
