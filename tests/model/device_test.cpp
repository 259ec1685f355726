// parse_device: torch device strings, with errors that name the option and say what is missing.
#include <gtest/gtest.h>

#include "sentlens/error.h"
#include "sentlens/model/device.h"
#include "test_support.h"

namespace sentlens {
namespace {

std::string message_of(const std::string& name) {
  return testing::error_of<InputError>([&] { parse_device(name, "--device"); });
}

TEST(ParseDevice, CpuIsAccepted) {
  EXPECT_TRUE(parse_device("cpu").is_cpu());
}

TEST(ParseDevice, ANonDeviceNamesTheOption) {
  const auto message = message_of("banana");
  EXPECT_NE(message.find("--device: 'banana' is not a torch device"), std::string::npos) << message;
}

TEST(ParseDevice, ACudaDeviceThisMachineLacksIsAnInputError) {
  // No machine here has 100 GPUs: either no CUDA at all or too few devices; both are InputError.
  const auto message = message_of("cuda:99");
  EXPECT_NE(message.find("--device: 'cuda:99': "), std::string::npos) << message;
}

TEST(ParseDevice, OnlyCpuAndCudaAreSupported) {
  const auto message = message_of("meta");
  EXPECT_NE(message.find("cpu or cuda devices only"), std::string::npos) << message;
}

}  // namespace
}  // namespace sentlens
