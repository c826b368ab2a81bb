#!/usr/bin/env bash
# `make test`: set up what is missing, typecheck every package, lint and check the formatting,
# build the web app, run every vitest project (unit, integration with the real livekit-server,
# browser with Chromium), and end with one line `N passed, N failed` summed over all of it.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$LOUPE_ROOT/scripts/setup.sh" || { echo "0 passed, 1 failed"; exit 1; }
cd "$LOUPE_ROOT"
mkdir -p test-results

passed=0
failed=0

# Each package's typecheck counts as one test, and ESLint and Prettier's check one each
# (`pnpm lint`, `pnpm format:check`). They run in two lanes of about the same length, one a
# core (a minute instead of two); each one's output is shown once all are done, in this order.
CHECKS=(typecheck:web typecheck:protocol typecheck:stack typecheck:media-store format typecheck:api typecheck:recorder typecheck:bench lint)
LANES=("typecheck:web typecheck:protocol typecheck:stack typecheck:media-store format" "typecheck:api typecheck:recorder typecheck:bench lint")
checks_dir=test-results/checks
rm -rf "$checks_dir" && mkdir -p "$checks_dir"
run_check() {
  case $1 in
    typecheck:*) (cd "${1#typecheck:}" && pnpm run --silent typecheck) ;;
    lint) pnpm run --silent lint ;;
    format) pnpm run --silent format:check ;;
  esac > "$checks_dir/$1.log" 2>&1
  echo $? > "$checks_dir/$1.status"
}
for lane in "${LANES[@]}"; do
  (for check in $lane; do run_check "$check"; done) &
done
wait
for check in "${CHECKS[@]}"; do
  cat "$checks_dir/$check.log"
  if [[ "$(cat "$checks_dir/$check.status" 2>/dev/null)" == 0 ]]; then
    passed=$((passed + 1))
  else
    case $check in
      typecheck:*) echo "typecheck failed: ${check#typecheck:}" ;;
      lint) echo "lint failed: the findings are above" ;;
      format) echo "format check failed: the files above differ from Prettier's layout (pnpm format rewrites them)" ;;
    esac
    failed=$((failed + 1))
  fi
done

if ! node stack/src/web-build.ts; then
  echo "web build failed"
  failed=$((failed + 1))
fi

# The unit project first, a file a core. Then the browser project (real Chromium against real
# servers) and the integration project (real livekit-server, recorder, ffmpeg, Orthanc) side by
# side, each its files one at a time: they wait on their processes more than they use the CPU
# (together about one core and a half here), and one after the other took 29 of the 35 minutes
# on this 2-core box. The integration project's output follows the browser project's.
rm -f test-results/vitest-*.json test-results/integration.log
run_vitest() {
  vitest run --project "$1" --reporter=default --reporter=json --outputFile.json="test-results/vitest-$1.json"
}
# A project's count; a file that fails to load has no failed tests but is a failure all the same,
# and so is a vitest that failed without a failed test.
count_vitest() {
  local report="test-results/vitest-$1.json" vp vf
  if [[ ! -f $report ]]; then
    echo "vitest wrote no report for the $1 project"
    failed=$((failed + 1))
    return
  fi
  read -r vp vf < <(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const brokenFiles = r.testResults.filter((f) => f.status === "failed" && !f.assertionResults.some((a) => a.status === "failed")).length;
    console.log(r.numPassedTests, r.numFailedTests + brokenFiles);
  ' "$report")
  passed=$((passed + vp))
  failed=$((failed + vf))
  if (($2 != 0 && vf == 0)); then failed=$((failed + 1)); fi
}

run_vitest unit
unit_exit=$?
run_vitest integration > test-results/integration.log 2>&1 &
integration_pid=$!
run_vitest browser
browser_exit=$?
wait "$integration_pid"
integration_exit=$?
echo
echo "── the integration project, run beside the browser project ──"
cat test-results/integration.log
count_vitest unit "$unit_exit"
count_vitest browser "$browser_exit"
count_vitest integration "$integration_exit"

echo "$passed passed, $failed failed"
((failed == 0))
