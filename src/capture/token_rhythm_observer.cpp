// Streaming token-rhythm accumulators (metrics.md §2.2–2.4, §3.1 step 1).
#include "sentlens/capture/token_rhythm_observer.h"

#include <algorithm>
#include <limits>

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "capture/host_block.h"
#include "util/check.h"

namespace sentlens {

TokenRhythmObserver::TokenRhythmObserver(TokenRhythmOptions options) : options_(options) {
  SENTLENS_CHECK(options_.response_start >= 0, InputError, "response start must be >= 0, got {}",
                 options_.response_start);
  SENTLENS_CHECK(options_.window >= 0, InputError, "WAAD window must be >= 0, got {}",
                 options_.window);
  SENTLENS_CHECK(options_.horizon_lo >= 0 &&
                     (options_.horizon_hi < 0 || options_.horizon_hi >= options_.horizon_lo),
                 InputError, "FAI horizon [{}, {}] must have 0 <= H_lo <= H_hi (or H_hi = -1)",
                 options_.horizon_lo, options_.horizon_hi);
}

void TokenRhythmObserver::begin_forward(const ForwardShape& shape) {
  SENTLENS_CHECK(shape.num_sequences == 1 && shape.past_length == 0, InputError,
                 "token rhythm needs one sequence without a KV cache (got {} sequences, {} cached "
                 "positions)",
                 shape.num_sequences, shape.past_length);
  SENTLENS_CHECK(options_.response_start <= shape.new_tokens, InputError,
                 "first response token {} (response_start) is beyond the "
                 "{} tokens",
                 options_.response_start, shape.new_tokens);
  shape_ = shape;
  complete_ = false;
  const auto heads = static_cast<std::size_t>(shape.num_layers * shape.num_heads);
  const auto per_token = heads * static_cast<std::size_t>(shape.new_tokens);
  distance_sums_.assign(heads, 0.0);
  waad_.assign(per_token, 0.0);
  fai_sums_.assign(per_token, 0.0);
  key_sums_.assign(per_token, 0.0);
  rows_seen_.assign(static_cast<std::size_t>(shape.num_layers), 0);
}

namespace {

struct RowDistances {
  double distance = 0;  // Σ_s p[s]·(t − s)          (Eq. 7, one row)
  double windowed = 0;  // Σ_s p[s]·min(t − s, W)    (Eq. 9)
};

// The lag-weighted sums of one query row t over keys s ∈ [0, last], last ≤ t. Keys further than
// W back weigh W each, so the windowed sum is W·(their mass) plus at most W near terms. Four
// partial sums keep several float64 additions in flight (a single one is a serial chain).
RowDistances row_distances(const float* row, std::int64_t t, std::int64_t last,
                           std::int64_t window) {
  double distance[4] = {0, 0, 0, 0}, far_mass[4] = {0, 0, 0, 0};
  const std::int64_t far_end = std::min(last + 1, std::max<std::int64_t>(0, t - window + 1));
  std::int64_t s = 0;
  for (; s + 4 <= far_end; s += 4) {
    for (int j = 0; j < 4; ++j) {
      const double p = row[s + j];
      distance[j] += p * static_cast<double>(t - s - j);
      far_mass[j] += p;
    }
  }
  for (; s < far_end; ++s) {
    distance[0] += row[s] * static_cast<double>(t - s);
    far_mass[0] += row[s];
  }
  RowDistances sums;
  sums.windowed =
      static_cast<double>(window) * (far_mass[0] + far_mass[1] + far_mass[2] + far_mass[3]);
  for (; s <= last; ++s) {  // the near keys, t − s < W
    const double weighted = row[s] * static_cast<double>(t - s);
    distance[0] += weighted;
    sums.windowed += weighted;
  }
  sums.distance = distance[0] + distance[1] + distance[2] + distance[3];
  return sums;
}

}  // namespace

void TokenRhythmObserver::observe(const AttentionBlock& block, const torch::Tensor& probs) {
  // All statistics in one pass over each row, on the host (a block on an accelerator is copied
  // over first): the tensor-op version made ten passes over [H, rows, K] per block and cost 15%
  // of a 2,048-token forward (bench/forward (d)).
  const torch::Tensor host = host_block("token rhythm", block, probs, shape_);
  const float* data = host.data_ptr<float>();
  const std::int64_t t_count = shape_.new_tokens;
  const std::int64_t q0 = block.query_start;
  const std::int64_t n = block.query_count;
  const std::int64_t k_count = block.key_count;
  const std::int64_t layer = block.layer;
  rows_seen_[static_cast<std::size_t>(layer)] += n;

  at::parallel_for(0, block.num_heads, 1, [&](std::int64_t first_head, std::int64_t end_head) {
    for (std::int64_t h = first_head; h < end_head; ++h) {
      const auto head = static_cast<std::size_t>(layer * block.num_heads + h);
      double* key_sums = key_sums_.data() + head * static_cast<std::size_t>(t_count);
      double* waad = waad_.data() + head * static_cast<std::size_t>(t_count);
      double* fai_sums = fai_sums_.data() + head * static_cast<std::size_t>(t_count);
      double distance = 0;
      for (std::int64_t r = 0; r < n; ++r) {
        const float* row = data + (h * n + r) * k_count;
        // ACT column sums over every query row (§3.1: all causal queries, prompt included).
        for (std::int64_t s = 0; s < k_count; ++s) key_sums[s] += row[s];
        const std::int64_t t = q0 + r;
        if (t < options_.response_start) continue;  // metrics run over response rows R
        // Keys after t have probability 0 (hook contract): the lags below are t − s ≥ 0.
        const RowDistances sums = row_distances(row, t, std::min(t, k_count - 1), options_.window);
        distance += sums.distance;  // Eq. 7, summed over response rows
        waad[t] = sums.windowed;    // Eq. 9
        // Eq. 10 numerator: keys s with H_lo ≤ t − s ≤ H_hi.
        const std::int64_t fai_first =
            options_.horizon_hi < 0 ? 0 : std::max<std::int64_t>(0, t - options_.horizon_hi);
        const std::int64_t fai_last = std::min(t - options_.horizon_lo, k_count - 1);
        for (std::int64_t s = fai_first; s <= fai_last; ++s) fai_sums[s] += row[s];
      }
      distance_sums_[head] += distance;
    }
  });
}

void TokenRhythmObserver::end_forward() {
  for (std::int64_t rows : rows_seen_) {
    SENTLENS_CHECK(rows == shape_.new_tokens, InputError,
                   "token rhythm saw {} query rows of a layer, expected {}", rows,
                   shape_.new_tokens);
  }
  complete_ = true;
}

TokenRhythm TokenRhythmObserver::result() const {
  SENTLENS_CHECK(complete_ && !distance_sums_.empty(), InputError,
                 "token rhythm: no complete forward pass was observed");
  const std::int64_t t_count = shape_.new_tokens;
  const std::int64_t r0 = options_.response_start;
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  TokenRhythm rhythm;
  rhythm.options = options_;
  rhythm.num_layers = shape_.num_layers;
  rhythm.num_heads = shape_.num_heads;
  rhythm.num_tokens = t_count;
  rhythm.head_distance = distance_sums_;
  for (double& distance : rhythm.head_distance)
    distance = t_count == r0 ? kNaN : distance / static_cast<double>(t_count - r0);

  std::vector<double> fai_counts(static_cast<std::size_t>(t_count));
  for (std::int64_t s = 0; s < t_count; ++s) {
    const std::int64_t c = fai_count(s, t_count, options_);
    fai_counts[static_cast<std::size_t>(s)] =
        c == 0 ? kNaN : static_cast<double>(c);  // NaN if empty
  }
  const std::size_t entries = key_sums_.size();
  rhythm.waad.resize(entries);
  rhythm.fai.resize(entries);
  rhythm.key_attention.resize(entries);
  for (std::size_t i = 0; i < entries; ++i) {
    const auto t = static_cast<std::int64_t>(i % static_cast<std::size_t>(t_count));
    rhythm.waad[i] = t < r0 ? static_cast<float>(kNaN)
                            : static_cast<float>(waad_[i]);  // prompt rows are not in R
    rhythm.fai[i] = static_cast<float>(fai_sums_[i] / fai_counts[static_cast<std::size_t>(t)]);
    rhythm.key_attention[i] = static_cast<float>(key_sums_[i]);
  }
  return rhythm;
}

std::vector<float> token_entropy_from_logits(const torch::Tensor& logits) {
  SENTLENS_CHECK(logits.dim() == 2, InputError, "logits must be [T, V], got {} dims", logits.dim());
  // Row chunks keep the float64 working set at [chunk, V] whatever T is.
  constexpr std::int64_t kChunk = 256;
  std::vector<torch::Tensor> parts;
  for (std::int64_t start = 0; start < logits.size(0); start += kChunk) {
    const torch::Tensor log_p = torch::log_softmax(
        logits.narrow(0, start, std::min(kChunk, logits.size(0) - start)).to(torch::kFloat64), -1);
    // −Σ p log p; p log p is 0 where p underflows to 0 (log_p = −inf would give NaN).
    const torch::Tensor terms =
        torch::where(log_p.isneginf(), torch::zeros_like(log_p), log_p.exp() * log_p);
    parts.push_back(-terms.sum(-1));
  }
  const torch::Tensor entropy = torch::cat(parts).to(torch::kFloat32).cpu().contiguous();
  std::vector<float> out(static_cast<std::size_t>(entropy.numel()),
                         std::numeric_limits<float>::quiet_NaN());
  for (std::int64_t t = 1; t < entropy.numel(); ++t)
    out[static_cast<std::size_t>(t)] = entropy.data_ptr<float>()[t - 1];
  return out;
}

}  // namespace sentlens
