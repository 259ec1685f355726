// The finite-value scan over weights' bit patterns and the huge-page weight tensors
// (src/model/host_memory.h).
#include <gtest/gtest.h>

#include <limits>

#include <torch/torch.h>

#include "model/host_memory.h"

namespace sentlens {
namespace {

TEST(HostMemory, FirstNonFiniteFindsNaNAndInfInEveryDtype) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (auto dtype : {torch::kFloat32, torch::kBFloat16, torch::kFloat16, torch::kFloat64}) {
    SCOPED_TRACE(c10::toString(dtype));
    // 10,000 values: more than two scan blocks of 4,096, with values at the block edges.
    auto values = torch::linspace(-60000, 60000, 10000, torch::kFloat64).to(dtype);
    EXPECT_EQ(first_nonfinite(values), -1);
    for (std::int64_t at : {0, 4095, 4096, 9999}) {
      for (double bad : {nan, inf, -inf}) {
        auto copy = values.clone();
        copy[at] = bad;
        copy[9999] = bad;  // a later one must not hide the first
        EXPECT_EQ(first_nonfinite(copy), at) << bad;
      }
    }
    // The largest finite value and the smallest subnormal are finite.
    auto edges = torch::tensor({std::numeric_limits<double>::min() / 4, 0.0, -0.0}, dtype);
    EXPECT_EQ(first_nonfinite(edges), -1);
    EXPECT_EQ(first_nonfinite(torch::full({3}, 65504.0, torch::dtype(dtype))), -1);
    EXPECT_EQ(first_nonfinite(torch::empty({0}, torch::dtype(dtype))), -1);
  }
}

TEST(HostMemory, FirstNonFiniteOfAViewCountsInItsOwnOrder) {
  auto matrix = torch::zeros({4, 3});
  matrix[2][1] = std::numeric_limits<float>::infinity();
  // Transposed (not contiguous): flat index in the view's order, via torch.
  EXPECT_EQ(first_nonfinite(matrix.t()), 1 * 4 + 2);
  EXPECT_EQ(first_nonfinite(matrix), 2 * 3 + 1);
}

TEST(HostMemory, HugePageTensorsAreOrdinaryTensors) {
  for (auto dtype : {torch::kBFloat16, torch::kFloat32}) {
    // 8 MiB and 16 MiB (huge pages) and 8 KiB (regular allocator).
    for (std::int64_t rows : {std::int64_t{2048}, std::int64_t{2}}) {
      auto tensor = huge_page_tensor({rows, 2048}, dtype);
      EXPECT_EQ(tensor.sizes(), (std::vector<std::int64_t>{rows, 2048}));
      EXPECT_EQ(tensor.scalar_type(), dtype);
      EXPECT_TRUE(tensor.is_contiguous());
      tensor.fill_(1.5);
      EXPECT_EQ(tensor.sum().item<double>(), 1.5 * static_cast<double>(rows) * 2048);
      if (rows == 2048) {
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(tensor.data_ptr()) % (2u << 20), 0u);
      }
      auto kept = tensor.narrow(0, 1, 1);
      tensor = torch::Tensor();  // the view keeps the mapping alive
      EXPECT_EQ(kept.sum().item<double>(), 1.5 * 2048);
    }
  }
}

}  // namespace
}  // namespace sentlens
