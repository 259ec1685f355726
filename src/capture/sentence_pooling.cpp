// Streaming sentence pooling (metrics.md §1.3, §8.4: block sums and counts are all M needs).
#include "sentlens/capture/sentence_pooling.h"

#include <fmt/ranges.h>
#include <torch/torch.h>

#include "sentlens/analysis/sentence_attention.h"
#include "sentlens/util/memory.h"
#include "util/check.h"

namespace sentlens {

SentencePoolingObserver::SentencePoolingObserver(std::vector<TokenRange> ranges, Profile profile)
    : ranges_(std::move(ranges)), profile_(profile) {}

void SentencePoolingObserver::begin_forward(const ForwardShape& shape) {
  SENTLENS_CHECK(shape.num_sequences == 1, InputError,
                 "sentence pooling observes one sequence, the forward has {}", shape.num_sequences);
  SENTLENS_CHECK(shape.past_length == 0, InputError,
                 "sentence pooling needs every query row: the forward continues a KV cache of {} "
                 "positions",
                 shape.past_length);
  shape_ = shape;
  tokens_ = shape.new_tokens;
  pooled_ = pooling_ranges(ranges_, tokens_, profile_);
  // The sums [L, H, S, S] in float64 and the matrices handed back: about 12 bytes per entry.
  const double sentences = static_cast<double>(pooled_.size());
  check_fits_in_memory(
      12.0 * static_cast<double>(shape.num_layers * shape.num_heads) * sentences * sentences,
      fmt::format("sentence attention for {} sentences ({} layers x {} heads)", pooled_.size(),
                  shape.num_layers, shape.num_heads));
  sums_ = torch::Tensor();  // allocated on the first block's device
  std::vector<std::int64_t> starts, ends;
  for (const TokenRange& range : pooled_) {
    starts.push_back(range.start);
    ends.push_back(range.end);
  }
  column_starts_ = torch::tensor(starts, torch::kInt64);
  column_ends_ = torch::tensor(ends, torch::kInt64);
  rows_seen_.assign(static_cast<std::size_t>(shape.num_layers), 0);
  complete_ = false;
}

void SentencePoolingObserver::observe(const AttentionBlock& block, const torch::Tensor& probs) {
  // probs: float32 [H, Q, K] with K = query_start + Q (keys after the block are masked).
  SENTLENS_CHECK(block.sequence == 0, InputError, "sentence pooling got sequence {}",
                 block.sequence);
  SENTLENS_CHECK(block.layer >= 0 && block.layer < shape_.num_layers, InputError,
                 "sentence pooling got layer {} of a {}-layer forward", block.layer,
                 shape_.num_layers);
  SENTLENS_CHECK(probs.dim() == 3 && probs.size(0) == block.num_heads &&
                     probs.size(1) == block.query_count && probs.size(2) == block.key_count,
                 InputError,
                 "sentence pooling: probs of shape {} do not match the block [{}, {}, {}]",
                 fmt::to_string(fmt::join(probs.sizes(), ", ")), block.num_heads, block.query_count,
                 block.key_count);
  const auto s_count = static_cast<std::int64_t>(pooled_.size());
  const torch::Device device = probs.device();
  if (!sums_.defined()) {
    sums_ = torch::zeros({shape_.num_layers, block.num_heads, s_count, s_count},
                         torch::TensorOptions().dtype(torch::kFloat64).device(device));
    column_starts_ = column_starts_.to(device);
    column_ends_ = column_ends_.to(device);
  }
  rows_seen_[static_cast<std::size_t>(block.layer)] += block.query_count;

  // Row sums of every sentence that has query rows in this block: [H, n, K].
  const std::int64_t first_row = block.query_start;
  const std::int64_t last_row = block.query_start + block.query_count;
  std::vector<torch::Tensor> row_sums;
  std::vector<std::int64_t> sentences;
  for (std::int64_t i = 0; i < s_count; ++i) {
    const TokenRange& rows = pooled_[static_cast<std::size_t>(i)];
    const std::int64_t begin = std::max(rows.start, first_row);
    const std::int64_t end = std::min(rows.end, last_row);
    if (begin >= end) continue;
    row_sums.push_back(probs.narrow(1, begin - first_row, end - begin).sum(1));
    sentences.push_back(i);
  }
  if (sentences.empty()) return;
  const torch::Tensor rows = torch::stack(row_sums, 1).to(torch::kFloat64);  // [H, n, K]
  // Column block sums from prefix sums over keys, in float64: sum_{k in [s, e)} = C[e] - C[s].
  const torch::Tensor prefix =
      torch::cat({torch::zeros({rows.size(0), rows.size(1), 1}, rows.options()), rows.cumsum(2)},
                 2);  // [H, n, K + 1]
  const torch::Tensor ends = column_ends_.clamp_max(block.key_count);
  const torch::Tensor starts = column_starts_.clamp_max(block.key_count);
  const torch::Tensor blocks =
      prefix.index_select(2, ends) - prefix.index_select(2, starts);  // [H, n, S]
  const torch::Tensor index = torch::tensor(sentences, torch::kInt64).to(device);
  sums_[block.layer].index_add_(1, index, blocks);
}

void SentencePoolingObserver::end_forward() {
  for (std::size_t layer = 0; layer < rows_seen_.size(); ++layer) {
    SENTLENS_CHECK(rows_seen_[layer] == tokens_, InputError,
                   "sentence pooling saw {} query rows of layer {}, expected {}", rows_seen_[layer],
                   layer, tokens_);
  }
  complete_ = true;
}

SentenceMatrices SentencePoolingObserver::result() const {
  SENTLENS_CHECK(complete_ && sums_.defined(), InputError,
                 "sentence pooling has not observed a complete forward pass");
  const auto s_count = static_cast<std::int64_t>(pooled_.size());
  const torch::Tensor sums = sums_.to(torch::kCPU).contiguous();
  SentenceMatrices matrices;
  matrices.num_layers = sums.size(0);
  matrices.num_heads = sums.size(1);
  matrices.num_sentences = s_count;
  matrices.values.resize(static_cast<std::size_t>(sums.numel()));
  const double* data = sums.data_ptr<double>();
  const std::int64_t per_head = s_count * s_count;
  for (std::int64_t m = 0; m < matrices.num_layers * matrices.num_heads; ++m) {
    for (std::int64_t i = 0; i < s_count; ++i) {
      for (std::int64_t j = 0; j < s_count; ++j) {
        const std::int64_t count = pooled_[static_cast<std::size_t>(i)].size() *
                                   pooled_[static_cast<std::size_t>(j)].size();
        const std::int64_t at = m * per_head + i * s_count + j;
        matrices.values[static_cast<std::size_t>(at)] =
            count > 0 ? static_cast<float>(data[at] / static_cast<double>(count))
                      : empty_block_value(profile_);
      }
    }
  }
  return matrices;
}

}  // namespace sentlens
