// The attention block as the host-side reducers (sentence pooling, token rhythm) read it.
#pragma once

#include <torch/types.h>

#include "sentlens/model/hooks.h"

namespace sentlens {

/// Checks `block` and `probs` against each other and against the single-sequence forward `shape`
/// they belong to (the reducers index raw memory with these sizes), then returns `probs` as
/// contiguous float32 on the host (a copy only where it is elsewhere). Throws InputError naming
/// `observer` and what does not fit.
torch::Tensor host_block(const char* observer, const AttentionBlock& block,
                         const torch::Tensor& probs, const ForwardShape& shape);

}  // namespace sentlens
