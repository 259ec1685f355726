// Moving tensors between libtorch and safetensors files.
#include "sentlens/model/tensor_io.h"

#include <cstring>

#include <torch/torch.h>

#include "util/check.h"

namespace sentlens {

torch::ScalarType torch_dtype(DType dtype) {
  switch (dtype) {
    case DType::F64:
      return torch::kFloat64;
    case DType::F32:
      return torch::kFloat32;
    case DType::F16:
      return torch::kFloat16;
    case DType::BF16:
      return torch::kBFloat16;
    case DType::I64:
      return torch::kInt64;
    case DType::I32:
      return torch::kInt32;
    case DType::U8:
      return torch::kUInt8;
    case DType::BOOL:
      return torch::kBool;
  }
  return torch::kFloat32;
}

torch::Tensor read_tensor(const SafetensorsFile& file, const std::string& name) {
  const TensorInfo& info = file.info(name);
  auto tensor = torch::empty(info.shape, torch::TensorOptions().dtype(torch_dtype(info.dtype)));
  if (info.byte_size() > 0) std::memcpy(tensor.data_ptr(), file.data(name), info.byte_size());
  return is_floating(info.dtype) ? tensor.to(torch::kFloat32) : tensor.to(torch::kInt64);
}

void add_tensor(SafetensorsWriter& writer, const std::string& name, const torch::Tensor& tensor) {
  DType dtype;
  switch (tensor.scalar_type()) {
    case torch::kFloat32:
      dtype = DType::F32;
      break;
    case torch::kFloat64:
      dtype = DType::F64;
      break;
    case torch::kFloat16:
      dtype = DType::F16;
      break;
    case torch::kBFloat16:
      dtype = DType::BF16;
      break;
    case torch::kInt64:
      dtype = DType::I64;
      break;
    case torch::kInt32:
      dtype = DType::I32;
      break;
    case torch::kUInt8:
      dtype = DType::U8;
      break;
    case torch::kBool:
      dtype = DType::BOOL;
      break;
    default:
      throw InputError(fmt::format("cannot save tensor \"{}\" of type {}", name,
                                   c10::toString(tensor.scalar_type())));
  }
  auto owned = std::make_shared<torch::Tensor>(tensor.detach().to(torch::kCPU).contiguous());
  const void* data = owned->data_ptr();
  writer.add(name, dtype, owned->sizes().vec(), data, std::shared_ptr<const void>(owned, data));
}

}  // namespace sentlens
