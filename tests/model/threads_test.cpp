// set_threads: one count for libtorch's pool and, where the BLAS has its own (pthreads OpenBLAS),
// for that pool too, with libtorch's operations kept off the cores the BLAS's workers spin on.
#include <dlfcn.h>

#include <cstdlib>
#include <cstring>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "sentlens/model/model.h"

namespace sentlens {
namespace {

using CountFunction = int (*)();

CountFunction openblas_function(const char* name) {
  return reinterpret_cast<CountFunction>(dlsym(RTLD_DEFAULT, name));
}

bool pthread_openblas_loaded() {
  const CountFunction parallel = openblas_function("openblas_get_parallel");
  return parallel != nullptr && parallel() == 1;
}

bool passive_openmp() {
  const char* policy = std::getenv("OMP_WAIT_POLICY");
  return policy != nullptr &&
         (std::strcmp(policy, "passive") == 0 || std::strcmp(policy, "PASSIVE") == 0);
}

void expect_pools(int threads) {
  EXPECT_EQ(compute_threads(), threads);
  if (pthread_openblas_loaded()) {
    EXPECT_EQ(openblas_function("openblas_get_num_threads")(), threads);
    EXPECT_EQ(torch::get_num_threads(), passive_openmp() ? threads : 1);
  } else {
    EXPECT_EQ(torch::get_num_threads(), threads);
  }
}

TEST(Threads, OneCountGovernsTheGemmsAndLibtorch) {
  if (!pthread_openblas_loaded()) {
    std::printf("[ NOTE ] the BLAS is not OpenBLAS with pthreads: only libtorch's pool is set\n");
  }
  EXPECT_EQ(set_threads(1), 1);
  expect_pools(1);
  const int cores = available_cores();
  if (cores >= 2) {
    EXPECT_EQ(set_threads(2), 2);
    expect_pools(2);
  }
  // More than the cores is capped; 0 means every core (or SENTLENS_THREADS).
  EXPECT_EQ(set_threads(cores + 5), cores);
  expect_pools(cores);
  const int all = set_threads(0);
  EXPECT_GE(all, 1);
  expect_pools(all);
}

}  // namespace
}  // namespace sentlens
