// Streaming sentence pooling (metrics.md §1.3, §8.4: block sums and counts are all M needs).
#include "sentlens/capture/sentence_pooling.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "capture/host_block.h"
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
  sums_.assign(static_cast<std::size_t>(shape.num_layers * shape.num_heads) * pooled_.size() *
                   pooled_.size(),
               0.0);
  rows_seen_.assign(static_cast<std::size_t>(shape.num_layers), 0);
  complete_ = false;
}

void SentencePoolingObserver::observe(const AttentionBlock& block, const torch::Tensor& probs) {
  // probs: float32 [H, Q, K] with K = query_start + Q (keys after the block are masked), on the
  // host (a block on an accelerator is copied over first).
  const torch::Tensor host = host_block("sentence pooling", block, probs, shape_);
  rows_seen_[static_cast<std::size_t>(block.layer)] += block.query_count;

  // Sentences with query rows in this block, and their rows [begin, end) within it.
  struct RowSpan {
    std::size_t sentence;
    std::int64_t begin, end;
  };
  std::vector<RowSpan> spans;
  for (std::size_t i = 0; i < pooled_.size(); ++i) {
    const std::int64_t begin = std::max(pooled_[i].start, block.query_start);
    const std::int64_t end = std::min(pooled_[i].end, block.query_start + block.query_count);
    if (begin < end) spans.push_back({i, begin - block.query_start, end - block.query_start});
  }
  if (spans.empty()) return;

  // In float64: each sentence's rows are summed into one row of column sums (an elementwise pass
  // the compiler vectorises), then each sentence's columns (clamped to the block's keys) are
  // summed from it.
  const float* data = host.data_ptr<float>();
  const std::int64_t rows = block.query_count, keys = block.key_count;
  const std::size_t s_count = pooled_.size();
  at::parallel_for(0, block.num_heads, 1, [&](std::int64_t first_head, std::int64_t end_head) {
    std::vector<double> column_sums(static_cast<std::size_t>(keys));
    for (std::int64_t h = first_head; h < end_head; ++h) {
      double* head_sums =
          sums_.data() +
          static_cast<std::size_t>(block.layer * block.num_heads + h) * s_count * s_count;
      for (const RowSpan& span : spans) {
        std::fill(column_sums.begin(), column_sums.end(), 0.0);
        for (std::int64_t r = span.begin; r < span.end; ++r) {
          const float* row = data + (h * rows + r) * keys;
          for (std::int64_t k = 0; k < keys; ++k)
            column_sums[static_cast<std::size_t>(k)] += row[k];
        }
        double* sentence_sums = head_sums + span.sentence * s_count;
        for (std::size_t j = 0; j < s_count; ++j) {
          const std::int64_t begin = std::min(pooled_[j].start, keys);
          const std::int64_t end = std::min(pooled_[j].end, keys);
          double sum = 0;
          for (std::int64_t k = begin; k < end; ++k)
            sum += column_sums[static_cast<std::size_t>(k)];
          sentence_sums[j] += sum;
        }
      }
    }
  });
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
  SENTLENS_CHECK(complete_ && !sums_.empty(), InputError,
                 "sentence pooling has not observed a complete forward pass");
  const auto s_count = static_cast<std::int64_t>(pooled_.size());
  SentenceMatrices matrices;
  matrices.num_layers = shape_.num_layers;
  matrices.num_heads = shape_.num_heads;
  matrices.num_sentences = s_count;
  matrices.values.resize(sums_.size());
  const double* data = sums_.data();
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
