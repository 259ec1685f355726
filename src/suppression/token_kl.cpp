// Per-position KL divergence between baseline and suppressed next-token distributions: exact over
// the vocabulary (clean) or the original code's sparse top-p version (reference).
#include <cmath>
#include <limits>

#include <torch/torch.h>

#include "sentlens/suppression/suppression.h"
#include "util/check.h"

namespace sentlens {

namespace {

// KL(P ‖ Q) per row for logits [T, V] at `temperature`, in float64 over the full vocabulary.
std::vector<double> exact_kl(const torch::Tensor& base, const torch::Tensor& suppressed,
                             double temperature) {
  const std::int64_t T = base.size(0);
  std::vector<double> result(static_cast<std::size_t>(T));
  constexpr std::int64_t kRowsPerChunk = 64;  // bounds the float64 working set for large vocabs
  for (std::int64_t row = 0; row < T; row += kRowsPerChunk) {
    const auto rows = std::min(kRowsPerChunk, T - row);
    auto log_p =
        torch::log_softmax(base.narrow(0, row, rows).to(torch::kFloat64) / temperature, -1);
    auto log_q =
        torch::log_softmax(suppressed.narrow(0, row, rows).to(torch::kFloat64) / temperature, -1);
    auto p = log_p.exp();
    // Terms with p == 0 contribute 0 (and would be 0·(-inf) = NaN where log q is -inf too).
    auto terms = torch::where(p > 0, p * (log_p - log_q), torch::zeros_like(p));
    auto kl = terms.sum(-1).clamp_min(0.0).cpu().contiguous();
    std::copy(kl.data_ptr<double>(), kl.data_ptr<double>() + rows, result.begin() + row);
  }
  return result;
}

}  // namespace

TopPLogits compress_top_p(const torch::Tensor& logits, const SuppressionOptions& options) {
  auto probs = torch::softmax(logits.to(torch::kFloat32) / options.temperature, -1);
  auto [sorted, order] = probs.sort(-1, /*descending=*/true);
  auto cumulative = sorted.cumsum(-1);
  // k = index of the first cumulative sum >= p, plus one, clamped to [1, max_kept].
  auto reached = (cumulative >= options.top_p).nonzero();
  std::int64_t k = reached.size(0) > 0 ? reached[0][0].item<std::int64_t>() + 1 : logits.size(0);
  k = std::clamp<std::int64_t>(k, 1, options.max_kept);
  auto ids = order.narrow(0, 0, k);
  return {ids, logits.index_select(0, ids).to(torch::kFloat16).to(torch::kFloat32)};
}

namespace {

// The original's KL over the union of both nuclei, missing entries filled with -1e9, in float32.
double sparse_kl(const TopPLogits& base, const TopPLogits& suppressed, double temperature) {
  if (base.ids.numel() == 0 || suppressed.ids.numel() == 0) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  auto all_ids = torch::cat({base.ids, suppressed.ids});
  auto union_ids = std::get<0>(torch::_unique(all_ids, /*sorted=*/true));
  auto fill = [&](const TopPLogits& nucleus) {
    auto values = torch::full({union_ids.size(0)}, -1e9f, torch::kFloat32);
    // Positions of the nucleus ids inside the sorted union.
    auto where = torch::searchsorted(union_ids, nucleus.ids);
    values.index_put_({where}, nucleus.logits);
    return values;
  };
  auto log_p = torch::log_softmax(fill(base) / temperature, -1);
  auto log_q = torch::log_softmax(fill(suppressed) / temperature, -1);
  if (!torch::isfinite(log_p).all().item<bool>() || !torch::isfinite(log_q).all().item<bool>()) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  auto p = log_p.exp();
  auto terms = torch::where(p == 0, torch::zeros_like(p), p * (log_p - log_q));
  double kl = terms.sum().item<float>();
  return kl < 0 ? 0.0 : kl;
}

}  // namespace

std::vector<double> token_kl(const torch::Tensor& base_logits,
                             const torch::Tensor& suppressed_logits,
                             const SuppressionOptions& options) {
  SENTLENS_CHECK(base_logits.sizes() == suppressed_logits.sizes() && base_logits.dim() == 2,
                 InputError, "KL needs two [T, V] logit tensors of the same shape");
  SENTLENS_CHECK(options.temperature > 0 && std::isfinite(options.temperature), InputError,
                 "temperature must be positive, got {}", options.temperature);
  if (options.profile == Profile::kClean) {
    return exact_kl(base_logits, suppressed_logits, options.temperature);
  }
  SENTLENS_CHECK(options.top_p > 0 && options.top_p <= 1 && options.max_kept >= 1, InputError,
                 "top_p must be in (0, 1] and max_kept >= 1");
  const auto base = base_logits.to(torch::kCPU);
  const auto suppressed = suppressed_logits.to(torch::kCPU);
  std::vector<double> result(static_cast<std::size_t>(base.size(0)));
  for (std::int64_t t = 0; t < base.size(0); ++t) {
    result[static_cast<std::size_t>(t)] =
        sparse_kl(compress_top_p(base[t], options), compress_top_p(suppressed[t], options),
                  options.temperature);
  }
  return result;
}

}  // namespace sentlens
