#!/usr/bin/env bash
# `make bench`: the benchmark suite (separate from the tests). Writes bench/results/latest.json.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$LOUPE_ROOT/scripts/setup.sh"
cd "$LOUPE_ROOT"
exec node bench/src/run.ts "$@"
