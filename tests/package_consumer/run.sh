#!/usr/bin/env bash
# The `package_consumer` test: installs the build tree into a temporary prefix, builds
# tests/package_consumer against it with find_package(sentlens) and runs it on the installed demo
# model and example trace. Usage: run.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
source=$2
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" > "$prefix/install.log"
cmake -S "$source/tests/package_consumer" -B "$prefix/consumer-build" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" > "$prefix/configure.log" ||
  { cat "$prefix/configure.log"; exit 1; }
cmake --build "$prefix/consumer-build" > "$prefix/build.log" 2>&1 || { cat "$prefix/build.log"; exit 1; }
# The installed module, not the build tree's (its path is compiled in for the configured prefix).
shim=$(find "$prefix" -name libsentlens_sentencepiece.so | head -n 1)
test -n "$shim" || { echo "libsentlens_sentencepiece.so was not installed"; exit 1; }
SENTLENS_SENTENCEPIECE_SHIM=$shim "$prefix/consumer-build/consumer" \
  "$prefix/share/sentlens/models/demo" "$prefix/share/sentlens/examples/traces/demo_1.txt" \
  "$prefix/consumer.safetensors"
