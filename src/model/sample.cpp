// Sampling: one prefill forward of the prompt, then batches of continuations decoded together on
// repeated copies of its KV cache; finished continuations leave the batch.
#include "sentlens/model/sample.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <torch/torch.h>

#include "util/check.h"

namespace sentlens {
namespace {

// splitmix64: a small, well-mixed generator whose output is the same on every platform (the
// standard library's distributions are not).
std::uint64_t splitmix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void check_options(const SamplingOptions& options) {
  SENTLENS_CHECK(std::isfinite(options.temperature) && options.temperature >= 0.0, InputError,
                 "temperature must be >= 0, got {}", options.temperature);
  SENTLENS_CHECK(options.top_p > 0.0 && options.top_p <= 1.0, InputError,
                 "top_p must be in (0, 1], got {}", options.top_p);
  SENTLENS_CHECK(options.top_k >= 0, InputError, "top_k must be >= 0, got {}", options.top_k);
  SENTLENS_CHECK(options.max_new_tokens >= 0, InputError, "max_new_tokens must be >= 0, got {}",
                 options.max_new_tokens);
  SENTLENS_CHECK(options.batch_size >= 1, InputError, "batch size must be >= 1, got {}",
                 options.batch_size);
}

std::int64_t argmax(const float* logits, std::int64_t vocab) {
  return std::max_element(logits, logits + vocab) - logits;
}

}  // namespace

SampleStream::SampleStream(std::uint64_t seed, std::uint64_t sample) : state_(seed) {
  // Two rounds separate neighbouring seeds and samples.
  std::uint64_t mix = seed ^ (sample * 0xD1B54A32D192ED03ull);
  state_ = splitmix(mix) ^ splitmix(state_);
}

double SampleStream::uniform() {
  return static_cast<double>(splitmix(state_) >> 11) * 0x1.0p-53;
}

std::int64_t sample_token(const float* logits, std::int64_t vocab, const SamplingOptions& options,
                          SampleStream& stream) {
  check_options(options);
  SENTLENS_CHECK(vocab > 0, InputError, "sampling needs a non-empty vocabulary");
  if (options.temperature == 0.0) return argmax(logits, vocab);
  const double top = logits[argmax(logits, vocab)];
  SENTLENS_CHECK(std::isfinite(top), InputError, "sampling: the logits are not finite ({})", top);
  const auto weight = [&](std::int64_t id) {
    return std::exp((static_cast<double>(logits[id]) - top) / options.temperature);
  };
  const bool truncate_k = options.top_k > 0 && options.top_k < vocab;
  if (!truncate_k && options.top_p >= 1.0) {
    // No truncation: draw over the whole vocabulary in id order, no sort needed.
    double total = 0.0;
    for (std::int64_t id = 0; id < vocab; ++id) total += weight(id);
    const double target = stream.uniform() * total;
    double cumulative = 0.0;
    for (std::int64_t id = 0; id < vocab; ++id) {
      cumulative += weight(id);
      if (target < cumulative) return id;
    }
    return vocab - 1;
  }
  // Candidates by logit, highest first (ties: lower id first). A nucleus is usually a few tokens:
  // sort the best 256 first and the whole vocabulary only when their mass falls short of top_p.
  const auto by_logit = [&](std::int64_t a, std::int64_t b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  };
  std::vector<std::int64_t> order(static_cast<std::size_t>(vocab));
  std::iota(order.begin(), order.end(), std::int64_t{0});
  double total = 0.0;  // mass of the candidates (top_k) or of the whole vocabulary
  std::int64_t sorted = truncate_k ? options.top_k : std::min<std::int64_t>(256, vocab);
  std::partial_sort(order.begin(), order.begin() + sorted, order.end(), by_logit);
  if (truncate_k) {
    order.resize(static_cast<std::size_t>(sorted));
    for (std::int64_t id : order) total += weight(id);
  } else {
    for (std::int64_t id = 0; id < vocab; ++id) total += weight(id);
  }
  std::vector<double> probabilities;
  probabilities.reserve(order.size());
  std::size_t nucleus = 0;
  double mass = 0.0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (static_cast<std::int64_t>(i) == sorted) {
      std::sort(order.begin() + sorted, order.end(), by_logit);  // the rare wide nucleus
      sorted = vocab;
    }
    probabilities.push_back(weight(order[i]));
    mass += probabilities.back();
    nucleus = i + 1;
    // The smallest prefix whose mass reaches top_p (at least one token).
    if (options.top_p < 1.0 && mass / total >= options.top_p) break;
  }
  const double target = stream.uniform() * mass;
  double cumulative = 0.0;
  for (std::size_t i = 0; i < nucleus; ++i) {
    cumulative += probabilities[i];
    if (target < cumulative) return order[i];
  }
  return order[nucleus - 1];
}

std::vector<std::vector<std::int64_t>> sample_continuations(
    const Model& model, const std::vector<std::int64_t>& prompt_ids, std::int64_t samples,
    const SamplingOptions& options) {
  check_options(options);
  SENTLENS_CHECK(!prompt_ids.empty(), InputError, "empty input: generation needs a prompt");
  SENTLENS_CHECK(samples >= 0, InputError, "sample count must be >= 0, got {}", samples);
  std::vector<std::vector<std::int64_t>> continuations(static_cast<std::size_t>(samples));
  if (samples == 0 || options.max_new_tokens == 0) return continuations;
  const std::int64_t limit =
      options.allow_longer ? INT64_MAX : model.config().max_position_embeddings;
  const auto prompt_length = static_cast<std::int64_t>(prompt_ids.size());

  KVCache prompt_cache;
  ForwardOptions forward;
  forward.allow_longer = options.allow_longer;
  forward.last_logits_only = true;
  forward.cache = &prompt_cache;
  forward.observers = options.observers;
  const torch::Tensor prompt_logits =
      model.forward(torch::tensor(prompt_ids, torch::kInt64), forward)
          .logits.reshape({-1})
          .to(torch::kCPU, torch::kFloat32)
          .contiguous();
  const std::int64_t vocab = prompt_logits.size(0);

  const auto is_stop = [&](std::int64_t sample, std::int64_t token) {
    const auto& tokens = continuations[static_cast<std::size_t>(sample)];
    if (std::find(options.stop_ids.begin(), options.stop_ids.end(), token) !=
        options.stop_ids.end()) {
      return true;
    }
    if (options.should_stop && options.should_stop(sample, tokens)) return true;
    return static_cast<std::int64_t>(tokens.size()) >= options.max_new_tokens ||
           prompt_length + static_cast<std::int64_t>(tokens.size()) >= limit;
  };

  std::int64_t done = 0;
  for (std::int64_t first = 0; first < samples; first += options.batch_size) {
    const std::int64_t count = std::min(options.batch_size, samples - first);
    std::vector<SampleStream> streams;
    std::vector<std::int64_t> active;  // sample indices still generating, in batch order
    for (std::int64_t k = 0; k < count; ++k) {
      const std::int64_t sample = first + k;
      streams.emplace_back(options.seed, static_cast<std::uint64_t>(options.first_sample + sample));
      const std::int64_t token =
          sample_token(prompt_logits.data_ptr<float>(), vocab, options, streams.back());
      continuations[static_cast<std::size_t>(sample)].push_back(token);
      if (is_stop(sample, token)) {
        if (options.on_progress) options.on_progress(++done, samples);
      } else {
        active.push_back(sample);
      }
    }
    if (active.empty()) continue;
    KVCache cache = prompt_cache.repeat(static_cast<std::int64_t>(active.size()));
    ForwardOptions step = forward;
    step.cache = &cache;
    while (!active.empty()) {
      std::vector<std::int64_t> last;
      for (std::int64_t sample : active) {
        last.push_back(continuations[static_cast<std::size_t>(sample)].back());
      }
      const torch::Tensor input =
          torch::tensor(last, torch::kInt64).reshape({static_cast<std::int64_t>(last.size()), 1});
      const torch::Tensor logits = model.forward(input, step)
                                       .logits.reshape({static_cast<std::int64_t>(last.size()), -1})
                                       .to(torch::kCPU, torch::kFloat32)
                                       .contiguous();
      std::vector<std::int64_t> keep_rows, still_active;
      for (std::size_t row = 0; row < active.size(); ++row) {
        const std::int64_t sample = active[row];
        const std::int64_t token =
            sample_token(logits[static_cast<std::int64_t>(row)].data_ptr<float>(), vocab, options,
                         streams[static_cast<std::size_t>(sample - first)]);
        continuations[static_cast<std::size_t>(sample)].push_back(token);
        if (is_stop(sample, token)) {
          if (options.on_progress) options.on_progress(++done, samples);
        } else {
          keep_rows.push_back(static_cast<std::int64_t>(row));
          still_active.push_back(sample);
        }
      }
      if (still_active.size() < active.size() && !still_active.empty()) {
        cache = cache.select(keep_rows);
      }
      active = std::move(still_active);
    }
  }
  return continuations;
}

}  // namespace sentlens
