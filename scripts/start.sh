#!/usr/bin/env bash
# `make start`: set up what is missing, then run the whole of Loupe on this machine.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$LOUPE_ROOT/scripts/setup.sh"
cd "$LOUPE_ROOT"
exec node stack/src/start.ts
