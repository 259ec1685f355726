// Streaming token-rhythm accumulators (metrics.md §2.2–2.4, §3.1 step 1).
#include "sentlens/capture/token_rhythm_observer.h"

#include <algorithm>
#include <limits>

#include <torch/torch.h>

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
  distance_sums_ = torch::Tensor();
  rows_seen_.assign(static_cast<std::size_t>(shape.num_layers), 0);
}

void TokenRhythmObserver::observe(const AttentionBlock& block, const torch::Tensor& probs) {
  const std::int64_t t_count = shape_.new_tokens;
  const std::int64_t h_count = block.num_heads;
  if (!distance_sums_.defined()) {
    const auto options = torch::TensorOptions().dtype(torch::kFloat64).device(probs.device());
    distance_sums_ = torch::zeros({shape_.num_layers, h_count}, options);
    waad_ = torch::zeros({shape_.num_layers, h_count, t_count}, options);
    fai_sums_ = torch::zeros({shape_.num_layers, h_count, t_count}, options);
    key_sums_ = torch::zeros({shape_.num_layers, h_count, t_count}, options);
  }
  const std::int64_t q0 = block.query_start;
  const std::int64_t n = block.query_count;
  const std::int64_t k_count = block.key_count;
  const std::int64_t layer = block.layer;
  rows_seen_[static_cast<std::size_t>(layer)] += n;

  // ACT column sums over every query row (§3.1: all causal queries, prompt included).
  key_sums_[layer].narrow(1, 0, k_count).add_(probs.sum(1).to(torch::kFloat64));

  // Response rows of this block: [q0 + a, q0 + n).
  const std::int64_t a = std::clamp<std::int64_t>(options_.response_start - q0, 0, n);
  if (a == n) return;
  const torch::Tensor p = probs.narrow(1, a, n - a);  // [H, rows, K]
  const auto index_options = torch::TensorOptions().dtype(torch::kInt64).device(probs.device());
  const torch::Tensor lag = torch::arange(q0 + a, q0 + n, index_options).unsqueeze(1) -
                            torch::arange(k_count, index_options).unsqueeze(0);  // [rows, K]
  // Future keys (lag < 0) have probability 0; clamping keeps their weight finite.
  const torch::Tensor distance = lag.clamp_min(0).to(torch::kFloat32);
  // The products below are written into one workspace, sized once for the forward's largest
  // block (all keys): same values as fresh tensors, without a new mapping per product.
  const std::int64_t needed = h_count * (n - a) * k_count;
  if (!workspace_.defined() || workspace_.numel() < needed ||
      workspace_.device() != probs.device()) {
    const std::int64_t largest = h_count * n * (shape_.past_length + t_count);
    workspace_ = torch::empty({std::max(needed, largest)}, probs.options());
  }
  torch::Tensor product = workspace_.narrow(0, 0, needed).view({h_count, n - a, k_count});
  // Eq. 7: Σ_s A[t,s]·(t − s), summed over response rows.
  torch::mul_out(product, p, distance);
  distance_sums_[layer].add_(product.sum({1, 2}).to(torch::kFloat64));
  // Eq. 9: WAAD_t = Σ_s A[t,s]·min(t − s, W).
  torch::mul_out(product, p, distance.clamp_max(static_cast<double>(options_.window)));
  const torch::Tensor waad_rows = product.sum(2);  // [H, rows]
  waad_[layer].narrow(1, q0 + a, n - a).copy_(waad_rows.to(torch::kFloat64));
  // Eq. 10 numerator: keys s with H_lo ≤ t − s ≤ H_hi from response rows t.
  torch::Tensor in_horizon = lag >= options_.horizon_lo;
  if (options_.horizon_hi >= 0) in_horizon = in_horizon & (lag <= options_.horizon_hi);
  torch::mul_out(product, p, in_horizon.to(torch::kFloat32));
  fai_sums_[layer].narrow(1, 0, k_count).add_(product.sum(1).to(torch::kFloat64));
}

void TokenRhythmObserver::end_forward() {
  for (std::int64_t rows : rows_seen_) {
    SENTLENS_CHECK(rows == shape_.new_tokens, InputError,
                   "token rhythm saw {} query rows of a layer, expected {}", rows,
                   shape_.new_tokens);
  }
  workspace_ = torch::Tensor();  // up to 32 MiB: not kept between forwards
  complete_ = true;
}

TokenRhythm TokenRhythmObserver::result() const {
  SENTLENS_CHECK(complete_ && distance_sums_.defined(), InputError,
                 "token rhythm: no complete forward pass was observed");
  const std::int64_t l_count = shape_.num_layers;
  const std::int64_t h_count = distance_sums_.size(1);
  const std::int64_t t_count = shape_.new_tokens;
  const std::int64_t r0 = options_.response_start;
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  TokenRhythm rhythm;
  rhythm.options = options_;
  rhythm.num_layers = l_count;
  rhythm.num_heads = h_count;
  rhythm.num_tokens = t_count;
  const torch::Tensor distance = (distance_sums_ / static_cast<double>(t_count - r0)).cpu();
  rhythm.head_distance.assign(distance.data_ptr<double>(),
                              distance.data_ptr<double>() + distance.numel());
  if (t_count == r0) std::fill(rhythm.head_distance.begin(), rhythm.head_distance.end(), kNaN);

  torch::Tensor waad = waad_.clone();
  waad.narrow(2, 0, r0).fill_(kNaN);  // prompt rows are not in R
  std::vector<double> counts(static_cast<std::size_t>(t_count));
  for (std::int64_t s = 0; s < t_count; ++s) {
    const std::int64_t c = fai_count(s, t_count, options_);
    counts[static_cast<std::size_t>(s)] = c == 0 ? kNaN : static_cast<double>(c);
  }
  const torch::Tensor fai =
      fai_sums_ / torch::tensor(counts, torch::kFloat64).to(fai_sums_.device());  // NaN if empty
  auto to_floats = [](const torch::Tensor& t) {
    const torch::Tensor f = t.to(torch::kFloat32).cpu().contiguous();
    return std::vector<float>(f.data_ptr<float>(), f.data_ptr<float>() + f.numel());
  };
  rhythm.waad = to_floats(waad);
  rhythm.fai = to_floats(fai);
  rhythm.key_attention = to_floats(key_sums_);
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
