#!/usr/bin/env bash
# `make test-long`: the longest fault tests (not part of `make test`, each takes minutes): a
# 30 s network cut of one observer, livekit-server gone for a minute; and a cluster's node killed
# under a live room and under its recorder. Real processes, Chromium.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$LOUPE_ROOT/scripts/setup.sh"
cd "$LOUPE_ROOT"
export LOUPE_LONG=1
exec vitest run --project long
