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

# Each package's typecheck counts as one test.
for pkg in protocol api recorder stack media-store bench web; do
  if (cd "$pkg" && pnpm run --silent typecheck); then
    passed=$((passed + 1))
  else
    echo "typecheck failed: $pkg"
    failed=$((failed + 1))
  fi
done

# ESLint and Prettier's check count as one test each (`pnpm lint`, `pnpm format:check`).
if pnpm run --silent lint; then
  passed=$((passed + 1))
else
  echo "lint failed: the findings are above"
  failed=$((failed + 1))
fi
if pnpm run --silent format:check; then
  passed=$((passed + 1))
else
  echo "format check failed: the files above differ from Prettier's layout (pnpm format rewrites them)"
  failed=$((failed + 1))
fi

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
