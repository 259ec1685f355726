#!/usr/bin/env bash
# Runs one libFuzzer target (docs/fuzzing.md): fuzz/run.sh TARGET SECONDS | fuzz/run.sh TARGET runs=N
#   TARGET   safetensors, safetensors_index, model_config, tokenizer_json, tokenizer_encode,
#            splitter, trace, parse_lists or answers
#   SECONDS  fuzz for this long; runs=N: stop after N executions
# Builds the target in $SENTLENS_FUZZ_BUILD_DIR (default build-fuzz, clang, ASan + UBSan). New
# inputs go to a working corpus in the build folder, seeded from fuzz/corpus/TARGET; crashes, leaks,
# timeouts and out-of-memory inputs go to BUILD/fuzz-artifacts/TARGET/. Extra arguments after the
# second are passed to libFuzzer (e.g. -jobs=2 -workers=2).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
  sed -n 2,9p "$0" >&2
  exit 2
fi
target=$1
limit=$2
shift 2
build=${SENTLENS_FUZZ_BUILD_DIR:-build-fuzz}
[ -d "fuzz/corpus/$target" ] || { echo "run.sh: unknown target '$target'" >&2; exit 2; }

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
        -DSENTLENS_CORE_ONLY=ON -DSENTLENS_BUILD_FUZZ=ON
fi
cmake --build "$build" -j"$(nproc)" --target "sentlens_fuzz_$target"

case $limit in
  runs=*) limit_flag=-runs=${limit#runs=} ;;
  *[!0-9]* | '') echo "run.sh: expected SECONDS or runs=N, got '$limit'" >&2; exit 2 ;;
  *) limit_flag=-max_total_time=$limit ;;
esac

work="$build/fuzz-corpus/$target"
artifacts="$build/fuzz-artifacts/$target"
mkdir -p "$work" "$artifacts"
inputs=("fuzz/corpus/$target")
[ -d "fuzz/regressions/$target" ] && inputs+=("fuzz/regressions/$target")
# -timeout: an input that takes over 10 s is a hang; -rss_limit_mb: 2 GiB is far above what any
# bounded parser needs on these inputs; -print_final_stats reports the executions made.
# -max_len: libFuzzer's default (4 KB, or the corpus' largest input) never reaches a 130 KB input
# nested 65,000 levels deep (the regressions/*/deep-nesting files); 256 KiB does.
exec "$build/fuzz/sentlens_fuzz_$target" "$limit_flag" -timeout=10 -rss_limit_mb=2048 -max_len=262144 \
  -print_final_stats=1 -artifact_prefix="$artifacts/" "$@" "$work" "${inputs[@]}"
