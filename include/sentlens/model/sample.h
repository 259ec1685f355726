// Sampling generation: temperature, top-k, top-p, seeded per continuation, many continuations of
// one prompt run as a batch that shares the prompt's KV cache (computed once).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "sentlens/model/model.h"

namespace sentlens {

struct SamplingOptions {
  double temperature = 1.0;       // 0 = greedy (argmax, ties to the lowest id)
  double top_p = 1.0;             // nucleus: smallest set of most likely tokens with mass >= top_p
  std::int64_t top_k = 0;         // keep the k most likely tokens first; 0 = all
  std::uint64_t seed = 0;         // continuation s draws from its own stream (seed, s)
  std::int64_t first_sample = 0;  // index of the first continuation's stream (continuing a set)
  std::int64_t max_new_tokens = 256;
  std::vector<std::int64_t> stop_ids;         // a continuation ends after emitting one (kept)
  bool allow_longer = false;                  // continue past max_position_embeddings
  std::int64_t batch_size = 16;               // continuations decoded together
  std::vector<AttentionObserver*> observers;  // see every forward (prompt and steps); not owned
  /// Called after each new token of continuation `sample` with its tokens so far; true ends it
  /// (stop strings). May be empty.
  std::function<bool(std::int64_t sample, const std::vector<std::int64_t>& tokens)> should_stop;
  /// Called after each finished continuation with the count so far. May be empty.
  std::function<void(std::int64_t done, std::int64_t total)> on_progress;
};

/// A pseudo-random stream per continuation: the same (seed, sample) gives the same draws whatever
/// the batch, so batched and one-at-a-time sampling agree (up to float32 noise in the logits).
class SampleStream {
 public:
  SampleStream(std::uint64_t seed, std::uint64_t sample);
  /// Uniform in [0, 1) with 53 random bits.
  double uniform();

 private:
  std::uint64_t state_;
};

/// Draws one token id from a row of `vocab` logits under `options` (temperature, top_k, top_p).
/// Throws InputError for a negative temperature or top_p outside (0, 1].
std::int64_t sample_token(const float* logits, std::int64_t vocab, const SamplingOptions& options,
                          SampleStream& stream);

/// `samples` continuations of `prompt_ids` (the generated ids only, stop id included). The prompt
/// runs once; its KV cache is repeated for each batch of continuations.
std::vector<std::vector<std::int64_t>> sample_continuations(
    const Model& model, const std::vector<std::int64_t>& prompt_ids, std::int64_t samples,
    const SamplingOptions& options);

}  // namespace sentlens
