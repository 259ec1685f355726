#!/usr/bin/env bash
# Installs the Debian packages sentlens builds and tests with. Idempotent: packages already present
# are skipped, and apt is only asked when something is missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libtorch-dev libfmt-dev libspdlog-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev libsentencepiece-dev libpcre2-dev libicu-dev libbenchmark-dev
  # Debian's libtorch calls the system BLAS; the reference BLAS is ~30x slower than OpenBLAS.
  libopenblas0-pthread
  # clang with its sanitizer and libFuzzer runtimes: the sanitizer step and fuzz/ (docs/fuzzing.md).
  clang libclang-rt-14-dev
  # Headless Chromium for the HTML report's browser test (tests/browser, driven by playwright-core).
  chromium
)

# Node.js and npm fetch the reference tokenizers and run Tokenizers.js for the parity tests, and run
# the report's browser test (playwright-core). Many machines already have a Node.js of their own
# (with npm inside); Debian's packages otherwise.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
