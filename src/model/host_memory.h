// Private: host memory for big weight tensors, and the finite-value scan run over every weight.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/types.h>

namespace sentlens {

/// An uninitialised CPU tensor whose memory is an anonymous mapping of its own, advised onto
/// transparent huge pages: filling 3 GiB of weights then takes ~1,500 page faults instead of
/// ~800,000 (whose kernel time dominated loading: docs/performance.md). Tensors under 4 MiB come
/// from the regular allocator. Throws std::bad_alloc when the mapping fails, as the allocator
/// would.
torch::Tensor huge_page_tensor(const std::vector<std::int64_t>& shape, torch::ScalarType dtype);

/// The flat index of the first NaN or Inf in a CPU tensor, or -1. A contiguous float32, float16,
/// bfloat16 or float64 tensor is scanned by its bit patterns (one pass at memory speed, no
/// temporaries); anything else goes through torch::isfinite.
std::int64_t first_nonfinite(const torch::Tensor& tensor);

}  // namespace sentlens
