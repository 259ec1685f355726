// The suppression matrix: a baseline pass, then one pass per sentence with its key columns masked,
// continuing from the baseline's KV cache at the sentence's first token (earlier positions cannot
// see the sentence, so they are unchanged), several sentences per batched forward.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "sentlens/suppression/suppression.h"
#include "sentlens/util/memory.h"
#include "util/check.h"
#include "util/log.h"

namespace sentlens {

namespace {

constexpr double kLogEpsilon = 1e-9;                        // ln(KL + 1e-9), as the original code
constexpr double kLogitBudgetBytes = 1024.0 * 1024 * 1024;  // logits kept per batch (our choice)

void check_sentences(const std::vector<TokenRange>& sentences, std::int64_t T) {
  SENTLENS_CHECK(!sentences.empty(), InputError, "no sentences to suppress");
  std::int64_t previous_end = 0;
  for (std::size_t i = 0; i < sentences.size(); ++i) {
    const auto [first, last] = sentences[i];
    SENTLENS_CHECK(first >= 0 && last <= T, InputError,
                   "sentence {} spans tokens {}:{}, outside the {} tokens of the input", i, first,
                   last, T);
    SENTLENS_CHECK(first >= previous_end, InputError,
                   "sentence {} ({}:{}) overlaps or precedes the previous sentence (ending at {})",
                   i, first, last, previous_end);
    previous_end = last;
  }
}

// An [S, S] sentence matrix, row-major.
void check_square(const std::vector<double>& kl_matrix, std::int64_t S) {
  SENTLENS_CHECK(static_cast<std::int64_t>(kl_matrix.size()) == S * S, InputError,
                 "matrix has {} cells, expected {} x {}", kl_matrix.size(), S, S);
}

}  // namespace

SuppressionResult suppression_matrix(const Model& model, const torch::Tensor& ids,
                                     const std::vector<TokenRange>& sentences,
                                     const SuppressionOptions& options) {
  torch::NoGradGuard no_grad;
  SENTLENS_CHECK(ids.dim() == 1, InputError, "suppression needs token ids of shape [T]");
  const std::int64_t T = ids.size(0);
  check_sentences(sentences, T);
  SENTLENS_CHECK(options.temperature > 0 && std::isfinite(options.temperature), InputError,
                 "temperature must be positive, got {}", options.temperature);
  for (auto layer : options.heads.layers) {
    SENTLENS_CHECK(layer >= 0 && layer < model.config().num_layers, InputError,
                   "layer {} does not exist (the model has {})", layer, model.config().num_layers);
  }
  for (auto head : options.heads.heads) {
    SENTLENS_CHECK(head >= 0 && head < model.config().num_heads, InputError,
                   "head {} does not exist (the model has {})", head, model.config().num_heads);
  }
  const auto start_time = std::chrono::steady_clock::now();
  const auto S = static_cast<std::int64_t>(sentences.size());
  const std::int64_t V = model.config().vocab_size;
  // token_kl [S, T] and the matrices [S, S] in float64, before any forward runs.
  check_fits_in_memory(8.0 * static_cast<double>(S) * static_cast<double>(T + 2 * S),
                       fmt::format("suppression results for {} sentences x {} tokens", S, T));

  KVCache baseline_cache;
  ForwardOptions baseline_options(options.forward);
  if (options.reuse_prefix) baseline_options.cache = &baseline_cache;
  const auto baseline = model.forward(ids, baseline_options).logits;  // [T, V]

  SuppressionResult result;
  result.num_sentences = S;
  result.token_kl.assign(static_cast<std::size_t>(S * T), 0.0);

  // A sentence without tokens has nothing to suppress: its column is NaN (docs/metrics.md §1.12).
  std::vector<std::int64_t> work;
  for (std::int64_t s = 0; s < S; ++s) {
    if (sentences[static_cast<std::size_t>(s)].size() > 0) {
      work.push_back(s);
    } else {
      std::fill_n(result.token_kl.begin() + s * T, T, std::numeric_limits<double>::quiet_NaN());
    }
  }
  const auto W = static_cast<std::int64_t>(work.size());
  std::int64_t done = 0;
  while (done < W) {
    // One batch: consecutive sentences, all continuing from the first one's start.
    const auto& first_sentence = sentences[static_cast<std::size_t>(work[done])];
    const std::int64_t start = options.reuse_prefix ? first_sentence.start : 0;
    const std::int64_t length = T - start;
    const auto by_memory = static_cast<std::int64_t>(
        kLogitBudgetBytes / (4.0 * static_cast<double>(length) * static_cast<double>(V)));
    const std::int64_t count =
        std::clamp<std::int64_t>(std::min(options.batch_size, by_memory), 1, W - done);
    auto sentence_of = [&](std::int64_t k) -> const TokenRange& {
      return sentences[static_cast<std::size_t>(work[done + k])];
    };

    std::vector<std::vector<TokenRange>> ranges;
    for (std::int64_t k = 0; k < count; ++k) ranges.push_back({sentence_of(k)});
    SuppressionEditor editor(ranges, options.profile, options.heads);
    ForwardOptions forward(options.forward);
    forward.editors = {&editor};
    KVCache cache;
    if (start > 0) {
      cache = baseline_cache.prefix(start).repeat(count);
      forward.cache = &cache;
    }
    const auto batch_ids = ids.narrow(0, start, length).unsqueeze(0).expand({count, length});
    const auto logits =
        model.forward(batch_ids.contiguous(), forward).logits;  // [count, length, V]

    for (std::int64_t k = 0; k < count; ++k) {
      // With prefix reuse, positions before the suppressed sentence are not recomputed: they never
      // see it, so their KL is exactly 0. Without reuse every position is compared.
      const auto from = options.reuse_prefix ? sentence_of(k).start : 0;
      const auto kl = token_kl(baseline.narrow(0, from, T - from),
                               logits[k].narrow(0, from - start, T - from), options);
      std::copy(kl.begin(), kl.end(), result.token_kl.begin() + work[done + k] * T + from);
    }
    done += count;
    if (options.on_progress) {
      options.on_progress(SuppressionProgress{
          done + (S - W), S,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count()});
    }
  }

  result.kl_matrix = sentence_kl_matrix(result.token_kl, sentences, T);
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
  logger().info("suppression of {} sentences over {} tokens took {:.2f} s", S, T, result.seconds);
  return result;
}

std::vector<double> sentence_kl_matrix(const std::vector<double>& token_kl,
                                       const std::vector<TokenRange>& sentences,
                                       std::int64_t num_tokens) {
  const auto S = static_cast<std::int64_t>(sentences.size());
  const auto T = num_tokens;
  SENTLENS_CHECK(static_cast<std::int64_t>(token_kl.size()) == S * T, InputError,
                 "per-token KL has {} values, expected {} sentences x {} tokens", token_kl.size(),
                 S, T);
  std::vector<double> matrix(static_cast<std::size_t>(S * S),
                             std::numeric_limits<double>::quiet_NaN());
  for (std::int64_t suppressed = 0; suppressed < S; ++suppressed) {
    for (std::int64_t target = 0; target < S; ++target) {
      const auto [first, last] = sentences[static_cast<std::size_t>(target)];
      // The mean is taken around the first value, so equal values (e.g. all ln 1e-9) average to
      // exactly that value.
      double first_value = 0, offset_sum = 0;
      std::int64_t finite = 0;
      for (auto t = std::max<std::int64_t>(first, 0); t < std::min(last, T); ++t) {
        const double kl = token_kl[static_cast<std::size_t>(suppressed * T + t)];
        if (std::isnan(kl)) continue;
        const double value = std::log(kl + kLogEpsilon);
        if (finite == 0) first_value = value;
        offset_sum += value - first_value;
        ++finite;
      }
      if (finite > 0) {
        matrix[static_cast<std::size_t>(target * S + suppressed)] =
            first_value + offset_sum / static_cast<double>(finite);
      }
    }
  }
  return matrix;
}

std::vector<double> row_centred(const std::vector<double>& kl_matrix, std::int64_t num_sentences) {
  const auto S = num_sentences;
  check_square(kl_matrix, S);
  std::vector<double> centred(kl_matrix.size(), std::numeric_limits<double>::quiet_NaN());
  for (std::int64_t target = 0; target < S; ++target) {
    double sum = 0;
    std::int64_t count = 0;
    for (std::int64_t source = 0; source < target; ++source) {
      const double value = kl_matrix[static_cast<std::size_t>(target * S + source)];
      if (!std::isnan(value)) {
        sum += value;
        ++count;
      }
    }
    if (count == 0) continue;
    const double mean = sum / count;
    for (std::int64_t source = 0; source < target; ++source) {
      const double value = kl_matrix[static_cast<std::size_t>(target * S + source)];
      if (!std::isnan(value)) centred[static_cast<std::size_t>(target * S + source)] = value - mean;
    }
  }
  return centred;
}

std::optional<Dependency> strongest_dependency(const std::vector<double>& kl_matrix,
                                               std::int64_t num_sentences, std::int64_t target) {
  const auto S = num_sentences;
  check_square(kl_matrix, S);
  SENTLENS_CHECK(target >= 0 && target < S, InputError,
                 "target sentence {} is outside the {} sentences", target, S);
  std::optional<Dependency> best;
  for (std::int64_t source = 0; source < target; ++source) {
    const double value = kl_matrix[static_cast<std::size_t>(target * S + source)];
    if (std::isfinite(value) && (!best || value > best->value)) best = Dependency{source, value};
  }
  return best;
}

// thought_anchors_suppression_json lives in sentlens_core: src/report/thought_anchors.cpp.

}  // namespace sentlens
