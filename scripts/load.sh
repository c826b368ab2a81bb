#!/usr/bin/env bash
# `make load`: the load test (not part of `make test`, it takes minutes). SESSIONS live sessions
# recorded at once for MINUTES, theatre publishing PICTURE (width x height @ fps); prints a
# summary table and fails if an op was lost, a case was not ready, a service logged an error or
# its memory kept growing. Example: `make load SESSIONS=5 MINUTES=1`. CLUSTER=1 runs it against the
# cluster `make cluster` starts (two livekit-server nodes on Redis, two apis, two recorders).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$LOUPE_ROOT/scripts/setup.sh"
cd "$LOUPE_ROOT"
export LOUPE_LOAD=1
export LOUPE_LOAD_SESSIONS="${SESSIONS:-20}"
export LOUPE_LOAD_MINUTES="${MINUTES:-5}"
export LOUPE_LOAD_PICTURE="${PICTURE:-1280x720@30}"
export LOUPE_LOAD_CLUSTER="${CLUSTER:-0}"
exec vitest run --project load
