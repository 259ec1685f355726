// Torch devices named on the command line or in a job ("cpu", "cuda", "cuda:1").
#pragma once

#include <string>
#include <string_view>

#include <torch/types.h>

namespace sentlens {

/// The torch device `name` names; throws InputError "OPTION: 'NAME' is not a torch device (e.g.
/// cpu, cuda, cuda:1)" when torch does not accept it. `option` names where the string came from.
torch::Device parse_device(const std::string& name, std::string_view option = "--device");

}  // namespace sentlens
