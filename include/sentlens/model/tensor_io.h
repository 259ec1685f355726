// Moving tensors between libtorch and safetensors files.
#pragma once

#include <string>

#include <torch/types.h>

#include "sentlens/io/safetensors.h"

namespace sentlens {

/// The libtorch dtype of a safetensors dtype.
torch::ScalarType torch_dtype(DType dtype);

/// A stored tensor as a CPU tensor: floating types become float32, integer types int64.
torch::Tensor read_tensor(const SafetensorsFile& file, const std::string& name);

/// Adds a tensor to a writer (float32 -> F32, float64 -> F64, int64 -> I64, bfloat16 -> BF16,
/// float16 -> F16); the writer keeps a contiguous CPU copy alive until it writes.
void add_tensor(SafetensorsWriter& writer, const std::string& name, const torch::Tensor& tensor);

}  // namespace sentlens
