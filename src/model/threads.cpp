// Compute threads: libtorch's intra-op pool and, where it has its own, the BLAS's pool.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#if defined(__linux__)
#include <dlfcn.h>
#include <sched.h>
#endif

#include <torch/torch.h>

#include "sentlens/model/model.h"
#include "util/log.h"

namespace sentlens {
namespace {

// OpenBLAS built with pthreads (Debian's libopenblas0-pthread, which Debian's libtorch calls for
// its GEMMs) runs every GEMM on its own pool of threads, beside libtorch's OpenMP pool. Found by
// name in the loaded libraries, so that sentlens neither links OpenBLAS nor requires it.
struct OpenBlasPool {
  void (*set_num_threads)(int) = nullptr;  // both null unless the BLAS is pthreads OpenBLAS
  int (*get_num_threads)() = nullptr;
};

OpenBlasPool pthread_openblas() {
  OpenBlasPool pool;
#if defined(__linux__)
  using GetParallel = int (*)();
  const auto get_parallel =
      reinterpret_cast<GetParallel>(dlsym(RTLD_DEFAULT, "openblas_get_parallel"));
  constexpr int kPthreads = 1;  // openblas_get_parallel(): 0 sequential, 1 pthreads, 2 OpenMP
  if (get_parallel != nullptr && get_parallel() == kPthreads) {
    pool.set_num_threads =
        reinterpret_cast<void (*)(int)>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    pool.get_num_threads =
        reinterpret_cast<int (*)()>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
    if (pool.set_num_threads == nullptr || pool.get_num_threads == nullptr) pool = {};
  }
#endif
  return pool;
}

// Whether libgomp's idle workers sleep instead of spinning (read by libgomp when it loads, so
// only the environment of the process can ask for it).
bool openmp_waits_passively() {
  const char* policy = std::getenv("OMP_WAIT_POLICY");
  return policy != nullptr &&
         (std::strcmp(policy, "passive") == 0 || std::strcmp(policy, "PASSIVE") == 0);
}

}  // namespace

int available_cores() {
#if defined(__linux__)
  // The cores this process may run on (taskset, cgroup cpusets), not every core of the machine.
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
#endif
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

int set_threads(int threads) {
  if (threads <= 0) {
    // SENTLENS_THREADS sets the default for every program (tests and benches included).
    const char* from_environment = std::getenv("SENTLENS_THREADS");
    threads = from_environment != nullptr ? std::atoi(from_environment) : 0;
    if (threads <= 0) threads = available_cores();
  }
  // More threads than cores only adds contention (4,096 on 2 cores ran 100x slower).
  const int cores = available_cores();
  if (threads > cores) {
    logger().warn("{} threads asked for, but this process may run on {} cores: using {}", threads,
                  cores, cores);
    threads = cores;
  }
  const OpenBlasPool blas = pthread_openblas();
  if (blas.set_num_threads == nullptr) {
    torch::set_num_threads(threads);  // one pool (MKL, OpenMP OpenBLAS, CUDA) does all the work
  } else {
    // Two pools on the same cores: after its work each pool's idle workers spin (libgomp by
    // default for ~300,000 pauses, OpenBLAS calling sched_yield), taking cores from the other
    // pool's next operation. A 1,024-token Qwen2.5-0.5B forward on 2 cores took 7.8-9.0 s with
    // both pools at 2 threads and 5.1-5.5 s with libtorch's elementwise operations on the
    // calling thread (or with OMP_WAIT_POLICY=passive): docs/performance.md "Two thread pools".
    blas.set_num_threads(threads);
    torch::set_num_threads(openmp_waits_passively() ? threads : 1);
    logger().debug(
        "OpenBLAS (pthreads) runs the GEMMs on {} threads; libtorch's own operations "
        "on {}",
        threads, torch::get_num_threads());
  }
  return threads;
}

int compute_threads() {
  const OpenBlasPool blas = pthread_openblas();
  return blas.get_num_threads != nullptr ? blas.get_num_threads() : torch::get_num_threads();
}

}  // namespace sentlens
