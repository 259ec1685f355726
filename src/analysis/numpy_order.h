// Private: NumPy 1.24's argpartition (introselect) and argsort (kind="quicksort") on float64,
// step for step, so that ties among head kurtoses come out in the order the original code gives.
#pragma once

#include <cstdint>
#include <vector>

namespace sentlens::numpy_order {

/// np.argpartition(values, kth) for 0 <= kth < size: indices such that values[result[kth]] is
/// in its sorted place, smaller ones before, larger ones after.
std::vector<std::int64_t> argpartition(const std::vector<double>& values, std::int64_t kth);

/// np.argsort(values) with the default introsort ("quicksort"); NaN sorts last.
std::vector<std::int64_t> argsort(const std::vector<double>& values);

}  // namespace sentlens::numpy_order
