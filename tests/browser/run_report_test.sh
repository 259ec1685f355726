#!/usr/bin/env bash
# The report's browser test, as CTest runs it: makes a real trace of stories260K with the CLI,
# writes its report, and opens it in headless Chromium (report_test.mjs). Also opens the large
# synthetic report of the report unit tests when it exists.
#   run_report_test.sh SENTLENS_CLI SHARED_DIR WORK_DIR NODE_MODULES
# Exit 77 = skipped (CTest SKIP_RETURN_CODE): no node, Chromium, playwright-core or shared model.
# SENTLENS_REQUIRE_BROWSER=1 turns a missing browser part into a failure, SENTLENS_REQUIRE_SHARED=1
# a missing model.
set -uo pipefail
cli=$1 shared=${SENTLENS_SHARED:-$2} work=$3 modules=$4
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
skip() {
  if [[ "${SENTLENS_REQUIRE_BROWSER:-0}" == 1 && "$2" == browser ]] ||
     [[ "${SENTLENS_REQUIRE_SHARED:-0}" == 1 && "$2" == shared ]]; then
    echo "FAIL: $1"
    exit 1
  fi
  echo "SKIPPED: $1"
  exit 77
}
command -v node >/dev/null 2>&1 || skip "node not found" browser
chromium=${SENTLENS_CHROMIUM:-/usr/bin/chromium}
[[ -x "$chromium" ]] || skip "Chromium not found at $chromium (apt-get install chromium)" browser
[[ -f "$modules/playwright-core/index.mjs" ]] ||
  skip "playwright-core not found in $modules (tests/scripts/fetch-browser-test.sh BUILD_DIR)" browser
model="$shared/models/stories260K"
[[ -f "$model/config.json" ]] || skip "shared model not found: $model (set SENTLENS_SHARED)" shared

mkdir -p "$work"
text="$work/story.txt"
: > "$text"
for i in 1 2 3; do
  printf '%s' "Once upon a time there was a little cat named Tom. Tom liked to play in the big garden. " \
    "One day he saw a red ball under a tree! He ran to the ball and pushed it with his nose. " \
    "The ball rolled away and Tom ran after it. His friend the dog came to play too. " >> "$text"
done
set -e
"$cli" trace --model "$model" --text-file "$text" --out "$work/story.trace.safetensors" --json \
  > "$work/trace.json"
sentences=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).sentences)' \
  "$work/trace.json")
"$cli" suppress --model "$model" --trace "$work/story.trace.safetensors" --quiet > /dev/null
"$cli" report "$work/story.trace.safetensors" -o "$work/story-report.html" --top-k 8
set +e
node "$here/report_test.mjs" --report "$work/story-report.html" --modules "$modules" \
  --chromium "$chromium" --sentences "$sentences" --screenshot "$work/story-report.png"
code=$?
[[ $code -ne 0 ]] && exit $code
large="$(dirname "$(dirname "$work")")/report-artifacts/synthetic-large.html"
if [[ -f "$large" ]]; then
  node "$here/report_test.mjs" --report "$large" --modules "$modules" --chromium "$chromium" \
    --sentences 300 \
    --screenshot "$work/synthetic-large.png"
  code=$?
fi
exit $code
