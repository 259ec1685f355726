#!/usr/bin/env bash
# The sanitizer step of CI (docs/fuzzing.md): builds sentlens_core, the torch-free unit tests
# (io, config, tokenizer, text, analysis, trace, util) and the fuzz targets with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer, then runs those tests and every fuzz target once over its seed corpus
# and committed crashers. Any sanitizer report fails the step.
#   scripts/sanitize.sh            (build folder: $SENTLENS_ASAN_BUILD_DIR, default build-asan)
# The tokenizer parity tests read the reference data fetched by scripts/test.sh into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${SENTLENS_ASAN_BUILD_DIR:-build-asan}
jobs=$(nproc)
start=$SECONDS

# -O1: a faster build than -O2 and still quick tests (-g for file:line comes with the sanitizers).
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1" \
      -DCMAKE_CXX_COMPILER=clang++ -DSENTLENS_CORE_ONLY=ON -DSENTLENS_BUILD_FUZZ=ON
cmake --build "$build" -j"$jobs"

main_build=${SENTLENS_BUILD_DIR:-build}
case $main_build in /*) ;; *) main_build=$PWD/$main_build ;; esac
export SENTLENS_TOKENIZER_DATA=${SENTLENS_TOKENIZER_DATA:-$main_build/tokenizer-data}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$build" --output-on-failure -j"$jobs"
echo "sanitize: build and tests took $((SECONDS - start)) s"
