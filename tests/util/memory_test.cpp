// Memory limits checked before allocating: the estimate and the limit are in the message.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "sentlens/error.h"
#include "sentlens/util/memory.h"
#include "test_support.h"

namespace sentlens {
namespace {

TEST(MemoryLimits, RequestOverTheLimitStatesTheEstimate) {
  constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
  EXPECT_NO_THROW(check_memory(2 * kGiB, 2 * kGiB, "a forward of 1 x 10 tokens", "allowed"));
  EXPECT_EQ(testing::error_of<LimitError>([&] {
              check_memory(1.5e3 * kGiB, 8 * kGiB, "a forward of 1 x 100000 tokens", "allowed");
            }),
            "a forward of 1 x 100000 tokens needs about 1500.0 GiB, more than the 8.0 GiB "
            "allowed");
}

TEST(MemoryLimits, PhysicalMemoryBoundsWhatFits) {
  const double physical = static_cast<double>(physical_memory_bytes());
  ASSERT_GT(physical, 0.0);
  EXPECT_NO_THROW(check_fits_in_memory(physical / 2, "half the memory"));
  // S = 10^6 sentences of a 32 x 32 model: 12 bytes x 1024 x 10^12, about 11 PiB.
  const std::string message = testing::error_of<LimitError>([&] {
    check_fits_in_memory(12.0 * 1024 * 1e12, "sentence attention for 1000000 sentences");
  });
  EXPECT_THAT(message, ::testing::HasSubstr("sentence attention for 1000000 sentences needs "
                                            "about 11444091.8 GiB, more than the"));
  EXPECT_THAT(message, ::testing::HasSubstr("GiB of memory this machine has"));
}

}  // namespace
}  // namespace sentlens
