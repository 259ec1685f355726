// The forward pass's settings that jobs and traces carry. Torch-free and low in the layer order so
// that a trace (sentlens_core) records them; ForwardOptions (model/model.h) extends them with
// what one call computes and hooks.
#pragma once

#include <cstdint>

namespace sentlens {

/// The forward settings a job or a trace carries (nested there, never copied field by field).
struct ForwardSettings {
  std::int64_t block_size = 256;  // query rows per attention block (our choice: bounds the
                                  // [heads, block, keys] working set; any value gives equal
                                  // results). Lowered for long inputs so that one [N, H, rows,
                                  // keys] float32 block stays within 32 MiB, except in layers where
                                  // an editor needs_whole_layer (hooks.h)
  bool allow_longer = false;      // allow positions beyond max_position_embeddings (positions the
                                  // model never saw in training; rotary position models only)
};

}  // namespace sentlens
