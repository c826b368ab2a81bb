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

rm -f test-results/vitest.json
vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json
vitest_exit=$?

if [[ -f test-results/vitest.json ]]; then
  # A file that fails to load has no failed tests but is a failure all the same.
  read -r vp vf < <(node -e '
    const r = JSON.parse(require("fs").readFileSync("test-results/vitest.json", "utf8"));
    const brokenFiles = r.testResults.filter((f) => f.status === "failed" && !f.assertionResults.some((a) => a.status === "failed")).length;
    console.log(r.numPassedTests, r.numFailedTests + brokenFiles);
  ')
  passed=$((passed + vp))
  failed=$((failed + vf))
  if ((vitest_exit != 0 && vf == 0)); then failed=$((failed + 1)); fi
else
  echo "vitest wrote no report"
  failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
((failed == 0))
