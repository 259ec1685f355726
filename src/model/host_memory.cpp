// Huge-page host tensors and the bit-pattern finite scan (host_memory.h).
#include "model/host_memory.h"

#include <sys/mman.h>

#include <algorithm>
#include <new>

#include <torch/torch.h>

namespace sentlens {

namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kHugePageMinimum = std::size_t{4} << 20;

// The index of the first value whose exponent bits are all set (NaN or Inf), or -1. Blocks are
// tested with a branch-free OR so that the compiler vectorises the common, all-finite case.
template <typename Bits>
std::int64_t first_all_ones_exponent(const Bits* values, std::int64_t count, Bits exponent) {
  constexpr std::int64_t kBlock = 4096;
  for (std::int64_t begin = 0; begin < count; begin += kBlock) {
    const std::int64_t end = std::min(count, begin + kBlock);
    bool any = false;
    for (std::int64_t i = begin; i < end; ++i) any |= (values[i] & exponent) == exponent;
    if (!any) continue;
    for (std::int64_t i = begin; i < end; ++i) {
      if ((values[i] & exponent) == exponent) return i;
    }
  }
  return -1;
}

}  // namespace

torch::Tensor huge_page_tensor(const std::vector<std::int64_t>& shape, torch::ScalarType dtype) {
  const auto options = torch::TensorOptions().dtype(dtype);
  std::int64_t count = 1;
  for (std::int64_t size : shape) count *= size;
  const auto bytes = static_cast<std::size_t>(count) * c10::elementSize(dtype);
  if (bytes < kHugePageMinimum) return torch::empty(shape, options);
  // Over-allocate by one huge page so that the tensor can start on a 2 MiB boundary.
  const std::size_t mapped = bytes + kHugePage;
  void* base = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  // Out of memory is reported as the allocator's would be (the CLI maps it to one line).
  if (base == MAP_FAILED) throw std::bad_alloc();
  const auto address = reinterpret_cast<std::uintptr_t>(base);
  const auto aligned = (address + kHugePage - 1) & ~(kHugePage - 1);
  // Without transparent huge pages (disabled, or another kernel) this is a no-op: the tensor
  // then works as any other, only with more page faults.
  ::madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);
  return torch::from_blob(
      reinterpret_cast<void*>(aligned), shape, [base, mapped](void*) { ::munmap(base, mapped); },
      options);
}

std::int64_t first_nonfinite(const torch::Tensor& tensor) {
  if (tensor.numel() == 0) return -1;
  if (tensor.is_contiguous() && tensor.device().is_cpu()) {
    const std::int64_t count = tensor.numel();
    switch (tensor.scalar_type()) {
      case torch::kFloat32:
        return first_all_ones_exponent(static_cast<const std::uint32_t*>(tensor.data_ptr()), count,
                                       std::uint32_t{0x7F800000});
      case torch::kBFloat16:
        return first_all_ones_exponent(static_cast<const std::uint16_t*>(tensor.data_ptr()), count,
                                       std::uint16_t{0x7F80});
      case torch::kFloat16:
        return first_all_ones_exponent(static_cast<const std::uint16_t*>(tensor.data_ptr()), count,
                                       std::uint16_t{0x7C00});
      case torch::kFloat64:
        return first_all_ones_exponent(static_cast<const std::uint64_t*>(tensor.data_ptr()), count,
                                       std::uint64_t{0x7FF0000000000000});
      default:
        break;
    }
  }
  const auto bad = torch::isfinite(tensor).logical_not().flatten().nonzero();
  return bad.size(0) == 0 ? -1 : bad[0][0].item<std::int64_t>();
}

}  // namespace sentlens
