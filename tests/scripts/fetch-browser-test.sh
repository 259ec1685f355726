#!/usr/bin/env bash
# Installs playwright-core (pinned in tests/browser/package-lock.json) for the report's browser
# test into BUILD_DIR/browser-test/node_modules (never into git):
#   tests/scripts/fetch-browser-test.sh BUILD_DIR
# Needs npm (registry access). The browser itself is the system Chromium (scripts/install-deps.sh);
# playwright-core downloads no browser. Re-running with an unchanged lock file does nothing.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source_dir="$script_dir/../browser"
dest="$1/browser-test"
mkdir -p "$dest"
if [[ -f "$dest/node_modules/playwright-core/package.json" ]] &&
   cmp -s "$source_dir/package-lock.json" "$dest/package-lock.json"; then
  echo "browser test dependencies already in $dest"
  exit 0
fi
cp "$source_dir/package.json" "$source_dir/package-lock.json" "$dest/"
(cd "$dest" && npm ci --no-audit --no-fund --silent)
echo "browser test dependencies ready in $dest"
