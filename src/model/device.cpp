// Parsing torch device strings with a sentlens error.
#include "sentlens/model/device.h"

#include <fmt/core.h>
#include <torch/cuda.h>

#include "sentlens/error.h"

namespace sentlens {

torch::Device parse_device(const std::string& name, std::string_view option) {
  torch::Device device(torch::kCPU);
  try {
    device = torch::Device(name);
  } catch (const std::exception&) {
    throw InputError(
        fmt::format("{}: '{}' is not a torch device (e.g. cpu, cuda, cuda:1)", option, name));
  }
  // Checked here, so that a missing GPU is a clear input error and not a libtorch exception from
  // deep inside the loader.
  if (device.is_cuda()) {
    const auto count = static_cast<std::int64_t>(torch::cuda::device_count());
    if (count == 0) {
      throw InputError(
          fmt::format("{}: '{}': no CUDA device is available to this libtorch "
                      "(built without CUDA, or no GPU visible); use {} cpu",
                      option, name, option));
    }
    if (device.has_index() && device.index() >= count) {
      throw InputError(fmt::format("{}: '{}': this machine has {} CUDA device(s), 0 .. {}", option,
                                   name, count, count - 1));
    }
  } else if (!device.is_cpu()) {
    throw InputError(
        fmt::format("{}: '{}': sentlens runs on cpu or cuda devices only", option, name));
  }
  return device;
}

}  // namespace sentlens
