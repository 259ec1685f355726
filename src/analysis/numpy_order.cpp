// NumPy 1.24's index selection and index sort on float64 (numpy/core/src/npysort/selection.cpp
// and quicksort.cpp), re-implemented with the same comparisons and swaps. Only the order of equal
// values depends on this; the original receiver-head code's output order is defined by it.
#include "analysis/numpy_order.h"

#include <cmath>
#include <numeric>
#include <utility>

namespace sentlens::numpy_order {

namespace {

using Index = std::int64_t;

// NumPy's float ordering: NaN after everything.
bool less(double a, double b) {
  return a < b || (std::isnan(b) && !std::isnan(a));
}

int most_significant_bit(Index n) {
  int bit = 0;
  while (n >>= 1) ++bit;
  return bit;
}

// The selection works on an index array `t` over the fixed values `v`.
void introselect(const double* v, Index* t, Index num, Index kth);

// Moves the median of t[low], t[mid], t[high] to low and the smallest of them to low + 1.
void median3_swap(const double* v, Index* t, Index low, Index mid, Index high) {
  if (less(v[t[high]], v[t[mid]])) std::swap(t[high], t[mid]);
  if (less(v[t[high]], v[t[low]])) std::swap(t[high], t[low]);
  if (less(v[t[low]], v[t[mid]])) std::swap(t[low], t[mid]);
  std::swap(t[mid], t[low + 1]);
}

// Position (0..4) of the median of five, after NumPy's partial sorting swaps.
Index median5(const double* v, Index* t) {
  if (less(v[t[1]], v[t[0]])) std::swap(t[1], t[0]);
  if (less(v[t[4]], v[t[3]])) std::swap(t[4], t[3]);
  if (less(v[t[3]], v[t[0]])) std::swap(t[3], t[0]);
  if (less(v[t[4]], v[t[1]])) std::swap(t[4], t[1]);
  if (less(v[t[2]], v[t[1]])) std::swap(t[2], t[1]);
  if (less(v[t[3]], v[t[2]])) return less(v[t[3]], v[t[1]]) ? 1 : 3;
  return 2;
}

void unguarded_partition(const double* v, Index* t, double pivot, Index* ll, Index* hh) {
  for (;;) {
    do {
      ++*ll;
    } while (less(v[t[*ll]], pivot));
    do {
      --*hh;
    } while (less(pivot, v[t[*hh]]));
    if (*hh < *ll) break;
    std::swap(t[*ll], t[*hh]);
  }
}

Index median_of_median5(const double* v, Index* t, Index num) {
  const Index groups = num / 5;
  for (Index i = 0, left = 0; i < groups; ++i, left += 5) {
    const Index m = median5(v, t + left);
    std::swap(t[left + m], t[i]);
  }
  if (groups > 2) introselect(v, t, groups, groups / 2);
  return groups / 2;
}

// O(n · kth) selection for very small kth.
void dumb_select(const double* v, Index* t, Index num, Index kth) {
  for (Index i = 0; i <= kth; ++i) {
    Index min_index = i;
    double min_value = v[t[i]];
    for (Index k = i + 1; k < num; ++k) {
      if (less(v[t[k]], min_value)) {
        min_index = k;
        min_value = v[t[k]];
      }
    }
    std::swap(t[i], t[min_index]);
  }
}

void introselect(const double* v, Index* t, Index num, Index kth) {
  Index low = 0;
  Index high = num - 1;
  if (kth - low < 3) {
    dumb_select(v, t + low, high - low + 1, kth - low);
    return;
  }
  if (kth == num - 1) {  // floats: the maximum, the last of equal maxima
    Index max_index = low;
    double max_value = v[t[low]];
    for (Index k = low + 1; k < num; ++k) {
      if (!less(v[t[k]], max_value)) {
        max_index = k;
        max_value = v[t[k]];
      }
    }
    std::swap(t[kth], t[max_index]);
    return;
  }
  int depth_limit = most_significant_bit(num) * 2;
  while (low + 1 < high) {
    Index ll = low + 1;
    Index hh = high;
    if (depth_limit > 0 || hh - ll < 5) {
      median3_swap(v, t, low, low + (high - low) / 2, high);
    } else {
      const Index mid = ll + median_of_median5(v, t + ll, hh - ll);
      std::swap(t[mid], t[low]);
      --ll;
      ++hh;
    }
    --depth_limit;
    unguarded_partition(v, t, v[t[low]], &ll, &hh);
    std::swap(t[low], t[hh]);
    if (hh >= kth) high = hh - 1;
    if (hh <= kth) low = ll;
  }
  if (high == low + 1 && less(v[t[high]], v[t[low]])) std::swap(t[high], t[low]);
}

void index_heapsort(const double* v, Index* tosort, Index n) {
  Index* a = tosort - 1;  // 1-based heap indexing
  auto sift = [&](Index i, Index tmp, Index size) {
    for (Index j = i << 1; j <= size;) {
      if (j < size && less(v[a[j]], v[a[j + 1]])) ++j;
      if (!less(v[tmp], v[a[j]])) break;
      a[i] = a[j];
      i = j;
      j += j;
    }
    a[i] = tmp;
  };
  for (Index l = n >> 1; l > 0; --l) sift(l, a[l], n);
  while (n > 1) {
    const Index tmp = a[n];
    a[n] = a[1];
    --n;
    sift(1, tmp, n);
  }
}

constexpr Index kSmallQuicksort = 16;

}  // namespace

std::vector<std::int64_t> argpartition(const std::vector<double>& values, std::int64_t kth) {
  std::vector<Index> order(values.size());
  std::iota(order.begin(), order.end(), Index{0});
  if (!values.empty()) {
    introselect(values.data(), order.data(), static_cast<Index>(values.size()), kth);
  }
  return order;
}

std::vector<std::int64_t> argsort(const std::vector<double>& values) {
  const auto num = static_cast<Index>(values.size());
  std::vector<Index> order(values.size());
  std::iota(order.begin(), order.end(), Index{0});
  if (num < 2) return order;
  const double* v = values.data();
  Index* pl = order.data();
  Index* pr = pl + num - 1;
  std::vector<Index*> stack;
  std::vector<int> depths;
  int depth = most_significant_bit(num) * 2;
  for (;;) {
    if (depth < 0) {
      index_heapsort(v, pl, pr - pl + 1);
    } else {
      while (pr - pl > kSmallQuicksort) {
        Index* pm = pl + ((pr - pl) >> 1);
        if (less(v[*pm], v[*pl])) std::swap(*pm, *pl);
        if (less(v[*pr], v[*pm])) std::swap(*pr, *pm);
        if (less(v[*pm], v[*pl])) std::swap(*pm, *pl);
        const double pivot = v[*pm];
        Index* pi = pl;
        Index* pj = pr - 1;
        std::swap(*pm, *pj);
        for (;;) {
          do {
            ++pi;
          } while (less(v[*pi], pivot));
          do {
            --pj;
          } while (less(pivot, v[*pj]));
          if (pi >= pj) break;
          std::swap(*pi, *pj);
        }
        std::swap(*pi, *(pr - 1));
        // The larger part waits on the stack.
        if (pi - pl < pr - pi) {
          stack.push_back(pi + 1);
          stack.push_back(pr);
          pr = pi - 1;
        } else {
          stack.push_back(pl);
          stack.push_back(pi - 1);
          pl = pi + 1;
        }
        depths.push_back(--depth);
      }
      for (Index* pi = pl + 1; pi <= pr; ++pi) {  // insertion sort
        const Index vi = *pi;
        const double vp = v[vi];
        Index* pj = pi;
        Index* pk = pi - 1;
        while (pj > pl && less(vp, v[*pk])) *pj-- = *pk--;
        *pj = vi;
      }
    }
    if (stack.empty()) break;
    pr = stack.back();
    stack.pop_back();
    pl = stack.back();
    stack.pop_back();
    depth = depths.back();
    depths.pop_back();
  }
  return order;
}

}  // namespace sentlens::numpy_order
