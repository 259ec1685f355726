// Greedy generation with the KV cache.
#pragma once

#include <cstdint>
#include <vector>

#include "sentlens/model/model.h"

namespace sentlens {

struct GenerateOptions {
  std::int64_t max_new_tokens = 256;   // upper bound on generated tokens
  std::vector<std::int64_t> stop_ids;  // generation ends after emitting one of these
  bool allow_longer = false;           // continue past max_position_embeddings
};

/// Greedy (temperature 0) continuation of `prompt_ids`: returns the prompt followed by the
/// generated ids (the stop id included when one was emitted). Ties go to the lowest id, as argmax.
std::vector<std::int64_t> generate_greedy(const Model& model,
                                          const std::vector<std::int64_t>& prompt_ids,
                                          const GenerateOptions& options = {});

}  // namespace sentlens
