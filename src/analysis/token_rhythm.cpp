// Token rhythm maths (metrics.md §2): head classes, WAAD/FAI aggregation, token roles, γ, coupling.
#include "sentlens/analysis/token_rhythm.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

#include "util/check.h"

namespace sentlens {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

void TokenRhythm::validate(const std::string& source) const {
  const std::int64_t lh = num_layers * num_heads;
  SENTLENS_CHECK(num_layers > 0 && num_heads > 0 && num_tokens > 0, FormatError,
                 "{}: token rhythm has {} layers x {} heads x {} tokens", source, num_layers,
                 num_heads, num_tokens);
  SENTLENS_CHECK(static_cast<std::int64_t>(head_distance.size()) == lh, FormatError,
                 "{}: head_distance holds {} values, expected [{}, {}]", source,
                 head_distance.size(), num_layers, num_heads);
  for (const auto* v : {&waad, &fai, &key_attention}) {
    SENTLENS_CHECK(static_cast<std::int64_t>(v->size()) == lh * num_tokens, FormatError,
                   "{}: a token rhythm tensor holds {} values, expected [{}, {}, {}]", source,
                   v->size(), num_layers, num_heads, num_tokens);
  }
  SENTLENS_CHECK(
      token_entropy.empty() || static_cast<std::int64_t>(token_entropy.size()) == num_tokens,
      FormatError, "{}: token_entropy holds {} values for {} tokens", source, token_entropy.size(),
      num_tokens);
  SENTLENS_CHECK(options.response_start >= 0 && options.response_start <= num_tokens &&
                     options.window >= 0 && options.horizon_lo >= 0 &&
                     (options.horizon_hi < 0 || options.horizon_hi >= options.horizon_lo),
                 FormatError, "{}: bad token rhythm parameters (response_start {}, W {}, H {}..{})",
                 source, options.response_start, options.window, options.horizon_lo,
                 options.horizon_hi);
}

std::int64_t fai_count(std::int64_t s, std::int64_t num_tokens, const TokenRhythmOptions& options) {
  // T(s) = {t ∈ R : s + H_lo ≤ t ≤ min(N, s + H_hi)} (Eq. 10), 0-based: t ≤ T − 1.
  const std::int64_t lo = std::max(options.response_start, s + options.horizon_lo);
  const std::int64_t hi =
      options.horizon_hi < 0 ? num_tokens - 1 : std::min(num_tokens - 1, s + options.horizon_hi);
  return std::max<std::int64_t>(0, hi - lo + 1);
}

std::vector<double> sink_scores(const float* column_sums, std::int64_t num_tokens) {
  std::vector<double> scores(static_cast<std::size_t>(num_tokens));
  // §3.1 step 1: divide by T − j, the number of causal queries that see key j.
  for (std::int64_t j = 0; j < num_tokens; ++j)
    scores[static_cast<std::size_t>(j)] =
        static_cast<double>(column_sums[j]) / static_cast<double>(num_tokens - j);
  return scores;
}

std::vector<std::int64_t> middle_third_layers(std::int64_t num_layers) {
  SENTLENS_CHECK(num_layers > 0, InputError, "middle third of {} layers", num_layers);
  const double lo = static_cast<double>(num_layers / 3);
  const double hi = static_cast<double>((2 * num_layers) / 3);
  std::vector<std::int64_t> layers;
  for (int i = 0; i < 5; ++i) {
    // numpy.round rounds half to even; std::nearbyint does the same in the default mode.
    const auto layer = static_cast<std::int64_t>(std::nearbyint(lo + (hi - lo) * i / 4.0));
    if (layers.empty() || layers.back() != layer) layers.push_back(layer);
  }
  return layers;
}

HeadClasses classify_heads(const TokenRhythm& rhythm, const HeadClassOptions& options) {
  SENTLENS_CHECK(options.quantile > 0 && options.quantile <= 0.5, InputError,
                 "head class quantile must be in (0, 0.5], got {}", options.quantile);
  std::vector<std::int64_t> layers = options.layers;
  if (layers.empty()) {
    layers.resize(static_cast<std::size_t>(rhythm.num_layers));
    std::iota(layers.begin(), layers.end(), 0);
  }
  std::vector<std::pair<double, HeadRef>> ranked;
  for (std::int64_t l : layers) {
    SENTLENS_CHECK(l >= 0 && l < rhythm.num_layers, InputError,
                   "layer {} is out of range (the trace has {} layers)", l, rhythm.num_layers);
    for (std::int64_t h = 0; h < rhythm.num_heads; ++h) {
      const double d = rhythm.head_distance[static_cast<std::size_t>(l * rhythm.num_heads + h)];
      SENTLENS_CHECK(!std::isnan(d), InputError,
                     "head {}:{} has no mean distance (the response is empty)", l, h);
      ranked.push_back({d, {l, h}});
    }
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  const auto n = static_cast<std::int64_t>(ranked.size());
  const std::int64_t count =
      std::max<std::int64_t>(1, static_cast<std::int64_t>(std::floor(options.quantile * n)));
  HeadClasses classes;
  for (std::int64_t i = 0; i < count; ++i) {
    classes.local.push_back(ranked[static_cast<std::size_t>(i)].second);
    classes.global.push_back(ranked[static_cast<std::size_t>(n - 1 - i)].second);
  }
  return classes;
}

std::vector<double> mean_over_heads(const std::vector<float>& values, std::int64_t num_heads,
                                    std::int64_t num_tokens, const std::vector<HeadRef>& heads) {
  SENTLENS_CHECK(!heads.empty(), InputError, "no heads to average");
  std::vector<double> mean(static_cast<std::size_t>(num_tokens), 0.0);
  for (const auto& [l, h] : heads) {
    const std::size_t base = static_cast<std::size_t>((l * num_heads + h) * num_tokens);
    SENTLENS_CHECK(base + static_cast<std::size_t>(num_tokens) <= values.size(), InputError,
                   "head {}:{} is out of range", l, h);
    for (std::int64_t t = 0; t < num_tokens; ++t)
      mean[static_cast<std::size_t>(t)] += values[base + static_cast<std::size_t>(t)];
  }
  for (double& v : mean) v /= static_cast<double>(heads.size());
  return mean;
}

double quantile_linear(std::vector<double> values, double q) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return std::isnan(v); }),
               values.end());
  if (values.empty()) return kNaN;
  std::sort(values.begin(), values.end());
  const double position = q * static_cast<double>(values.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  const std::size_t above = std::min(below + 1, values.size() - 1);
  const double fraction = position - static_cast<double>(below);
  return values[below] + (values[above] - values[below]) * fraction;
}

std::vector<bool> top_q(const std::vector<double>& values, double q) {
  const double threshold = quantile_linear(values, 1.0 - q);
  std::vector<bool> chosen(values.size(), false);
  for (std::size_t i = 0; i < values.size(); ++i)
    chosen[i] = !std::isnan(values[i]) && values[i] >= threshold;
  return chosen;
}

std::vector<bool> peaks(const std::vector<double>& values, double q) {
  const double threshold = quantile_linear(values, 1.0 - q);
  std::vector<bool> peak(values.size(), false);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double v = values[i];
    if (std::isnan(v) || v < threshold) continue;
    const bool left = i == 0 || std::isnan(values[i - 1]) || v >= values[i - 1];
    const bool right = i + 1 == values.size() || std::isnan(values[i + 1]) || v >= values[i + 1];
    peak[i] = left && right;
  }
  return peak;
}

namespace {

double mean_where(const std::vector<double>& x, const std::vector<bool>& mask) {
  double sum = 0;
  std::int64_t n = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (mask[i] && !std::isnan(x[i])) {
      sum += x[i];
      ++n;
    }
  }
  return n == 0 ? kNaN : sum / static_cast<double>(n);
}

// Share of positions p in `targets` with a `sources` hit at p or p − 1 (§2.5 coupling 3).
double share_near(const std::vector<std::size_t>& targets, const std::vector<bool>& sources) {
  if (targets.empty()) return kNaN;
  std::int64_t hits = 0;
  for (std::size_t p : targets) hits += (sources[p] || (p > 0 && sources[p - 1])) ? 1 : 0;
  return static_cast<double>(hits) / static_cast<double>(targets.size());
}

}  // namespace

TokenRoles token_roles(const TokenRhythm& rhythm, const TokenRoleOptions& options) {
  rhythm.validate("token rhythm");
  const std::int64_t t_count = rhythm.num_tokens;
  const std::int64_t r0 = rhythm.options.response_start;
  const std::int64_t r_count = t_count - r0;
  SENTLENS_CHECK(r_count > 0, InputError, "the response is empty (response start {} of {} tokens)",
                 r0, t_count);
  SENTLENS_CHECK(
      options.top_q > 0 && options.top_q <= 1 && options.peak_q > 0 && options.peak_q <= 1,
      InputError, "q must be in (0, 1] (top_q {}, peak_q {})", options.top_q, options.peak_q);
  SENTLENS_CHECK(options.k >= 1, InputError, "k must be >= 1, got {}", options.k);
  SENTLENS_CHECK(options.alpha >= 0 && options.alpha <= 1, InputError,
                 "alpha must be in [0, 1], got {}", options.alpha);
  // NaN passes a range check by comparisons; the credit factor γ_t = 1 + (γ_amp − 1)·… must be a
  // finite number (metrics.md §2.6), not negative.
  SENTLENS_CHECK(std::isfinite(options.gamma_amp) && options.gamma_amp >= 0, InputError,
                 "gamma_amp must be a finite number >= 0, got {}", options.gamma_amp);
  TokenRoles roles;
  roles.response_start = r0;
  roles.classes = classify_heads(rhythm, options.classes);
  auto response = [&](const std::vector<double>& all) {
    return std::vector<double>(all.begin() + r0, all.end());
  };
  roles.waad =
      response(mean_over_heads(rhythm.waad, rhythm.num_heads, t_count, roles.classes.local));
  roles.fai =
      response(mean_over_heads(rhythm.fai, rhythm.num_heads, t_count, roles.classes.global));
  if (!options.receivers.empty()) {
    roles.fai_receiver =
        response(mean_over_heads(rhythm.fai, rhythm.num_heads, t_count, options.receivers));
  }
  if (!rhythm.token_entropy.empty()) {
    roles.entropy.assign(rhythm.token_entropy.begin() + r0, rhythm.token_entropy.end());
  }
  const auto n = static_cast<std::size_t>(r_count);
  // Eq. 14; the last response token has no successor: NaN, excluded from quantiles.
  roles.delta.assign(n, kNaN);
  for (std::size_t r = 0; r + 1 < n; ++r)
    roles.delta[r] = std::fabs(roles.waad[r] - roles.waad[r + 1]);
  roles.preplan = top_q(roles.delta, options.top_q);  // T_loc, Eq. 14
  roles.anchor = top_q(roles.fai, options.top_q);     // T_glob, Eq. 16

  // Eq. 18 with the [3P] thresholds: medians of WAAD and Δ; intro(t) = argmax Δ over [t−k, t−1].
  roles.tau_waad = quantile_linear(roles.waad, 0.5);
  roles.tau_delta = quantile_linear(roles.delta, 0.5);
  roles.dominated.assign(n, false);
  roles.intro.assign(n, false);
  roles.intro_of.assign(n, -1);
  for (std::size_t r = 0; r < n; ++r) {
    if (!roles.anchor[r] || !(roles.waad[r] <= roles.tau_waad)) continue;
    double best = kNaN;
    std::int64_t best_u = -1;
    for (std::int64_t u = static_cast<std::int64_t>(r) - options.k;
         u < static_cast<std::int64_t>(r); ++u) {
      if (u < 0) continue;  // only response tokens carry Δ
      const double d = roles.delta[static_cast<std::size_t>(u)];
      if (!std::isnan(d) && (best_u < 0 || d > best)) {
        best = d;
        best_u = u;
      }
    }
    if (best_u >= 0 && best >= roles.tau_delta) {
      roles.dominated[r] = true;
      roles.intro_of[r] = r0 + best_u;
      roles.intro[static_cast<std::size_t>(best_u)] = true;
    }
  }
  // §2.6 Eq. 13–19; the coupled terms add (a token both anchor and intro gets both bonuses).
  const double bonus = options.gamma_amp - 1.0;
  roles.gamma_local.assign(n, 1.0);
  roles.gamma_global.assign(n, 1.0);
  roles.gamma_coupled.assign(n, 1.0);
  for (std::size_t r = 0; r < n; ++r) {
    if (roles.preplan[r]) roles.gamma_local[r] += bonus;
    if (roles.anchor[r]) roles.gamma_global[r] += bonus;
    if (roles.anchor[r] && !roles.dominated[r]) roles.gamma_coupled[r] += bonus;
    if (roles.dominated[r]) roles.gamma_coupled[r] += (1.0 - options.alpha) * bonus;
    if (roles.intro[r]) roles.gamma_coupled[r] += options.alpha * bonus;
  }

  // Coupling statistics (§2.5).
  const std::vector<bool> waad_peaks = peaks(roles.waad, options.peak_q);
  const std::vector<bool> fai_peaks = peaks(roles.fai, options.peak_q);
  roles.entropy_at_waad_peaks =
      roles.entropy.empty() ? kNaN : mean_where(roles.entropy, waad_peaks);
  roles.entropy_mean =
      roles.entropy.empty() ? kNaN : mean_where(roles.entropy, std::vector<bool>(n, true));
  std::vector<std::size_t> fai_peak_positions, fai_valid;
  for (std::size_t r = 0; r < n; ++r) {
    if (fai_peaks[r]) fai_peak_positions.push_back(r);
    if (!std::isnan(roles.fai[r])) fai_valid.push_back(r);
  }
  roles.fai_peaks_near_waad_peaks = share_near(fai_peak_positions, waad_peaks);
  // Baseline: the same number of FAI peaks at positions drawn without replacement among the
  // tokens with a finite FAI, averaged over `shuffles` draws of a fixed-seed generator.
  roles.shuffled_baseline = kNaN;
  if (!fai_peak_positions.empty() && options.shuffles > 0) {
    std::mt19937_64 generator(options.seed);
    double total = 0;
    std::vector<std::size_t> pool = fai_valid;
    for (std::int64_t s = 0; s < options.shuffles; ++s) {
      std::shuffle(pool.begin(), pool.end(), generator);
      total += share_near(
          std::vector<std::size_t>(
              pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(fai_peak_positions.size())),
          waad_peaks);
    }
    roles.shuffled_baseline = total / static_cast<double>(options.shuffles);
  }
  roles.receiver_peaks_on_global_peaks = kNaN;
  if (!roles.fai_receiver.empty()) {
    const std::vector<bool> receiver_peaks = peaks(roles.fai_receiver, options.peak_q);
    std::int64_t count = 0, hits = 0;
    for (std::size_t r = 0; r < n; ++r) {
      if (!receiver_peaks[r]) continue;
      ++count;
      hits += fai_peaks[r] ? 1 : 0;
    }
    if (count > 0) roles.receiver_peaks_on_global_peaks = static_cast<double>(hits) / count;
  }
  return roles;
}

namespace {

std::vector<std::int64_t> strongest_marked(const std::vector<bool>& marked,
                                           const std::vector<double>& values, std::size_t count) {
  std::vector<std::int64_t> order;
  for (std::size_t r = 0; r < marked.size(); ++r) {
    if (marked[r] && std::isfinite(values[r])) order.push_back(static_cast<std::int64_t>(r));
  }
  std::stable_sort(order.begin(), order.end(), [&values](std::int64_t a, std::int64_t b) {
    return values[static_cast<std::size_t>(a)] > values[static_cast<std::size_t>(b)];
  });
  if (order.size() > count) order.resize(count);
  return order;
}

}  // namespace

std::vector<std::int64_t> top_preplan_tokens(const TokenRoles& roles, std::size_t count) {
  return strongest_marked(roles.preplan, roles.delta, count);
}

std::vector<std::int64_t> top_anchor_tokens(const TokenRoles& roles, std::size_t count) {
  return strongest_marked(roles.anchor, roles.fai, count);
}

}  // namespace sentlens
