// Parsing torch device strings with a sentlens error.
#include "sentlens/model/device.h"

#include <fmt/core.h>

#include "sentlens/error.h"

namespace sentlens {

torch::Device parse_device(const std::string& name, std::string_view option) {
  try {
    return torch::Device(name);
  } catch (const std::exception&) {
    throw InputError(
        fmt::format("{}: '{}' is not a torch device (e.g. cpu, cuda, cuda:1)", option, name));
  }
}

}  // namespace sentlens
