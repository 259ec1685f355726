// The OpenMP wait policy of programs built on sentlens.
#pragma once

namespace sentlens {

/// Re-executes the running program with OMP_WAIT_POLICY=PASSIVE unless the variable is set (by the
/// user, or by this re-execution). Call it first thing in main(). Why: Debian's libtorch runs its
/// elementwise ops on GNU OpenMP threads and its matmuls on OpenBLAS's own threads; by default idle
/// OpenMP threads spin, taking the cores OpenBLAS computes on (measured on 2 cores: the 12-layer
/// forward at 1,024 tokens took 3.09 s spinning, 2.15 s passive). libgomp reads the variable once,
/// when it loads, so setting it later in the process has no effect: hence the re-execution. Returns
/// only when nothing was to be done or exec failed (the program then runs with the default).
void ensure_passive_openmp_wait(char** argv);

}  // namespace sentlens
