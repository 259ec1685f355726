// Greedy generation: one prefill forward, then one cached forward per new token.
#include "sentlens/model/generate.h"

#include <algorithm>

#include <torch/torch.h>

#include "util/check.h"

namespace sentlens {

std::vector<std::int64_t> generate_greedy(const Model& model,
                                          const std::vector<std::int64_t>& prompt_ids,
                                          const GenerateOptions& options) {
  SENTLENS_CHECK(!prompt_ids.empty(), InputError, "empty input: generation needs a prompt");
  std::vector<std::int64_t> ids = prompt_ids;
  KVCache cache;
  ForwardOptions forward;
  forward.cache = &cache;
  forward.allow_longer = options.allow_longer;
  forward.last_logits_only = true;  // the next token needs the last position's row alone
  auto next_input = torch::tensor(prompt_ids, torch::kInt64);
  const auto limit = options.allow_longer ? INT64_MAX : model.config().max_position_embeddings;
  for (std::int64_t step = 0; step < options.max_new_tokens; ++step) {
    const auto logits = model.forward(next_input, forward).logits;  // [1, V]
    const auto next = logits[-1].argmax().item<std::int64_t>();
    ids.push_back(next);
    if (std::find(options.stop_ids.begin(), options.stop_ids.end(), next) !=
        options.stop_ids.end()) {
      break;
    }
    if (static_cast<std::int64_t>(ids.size()) >= limit) break;  // no position left to feed it
    next_input = torch::tensor({next}, torch::kInt64);
  }
  return ids;
}

}  // namespace sentlens
