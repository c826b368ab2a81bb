#!/usr/bin/env bash
# `make cluster`: set up what is missing, then run Loupe as a cluster on this machine (Redis, two
# livekit-server nodes, two api processes, two recorders, the web app): docs/scaling.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$LOUPE_ROOT/scripts/setup.sh"
cd "$LOUPE_ROOT"
exec node stack/src/cluster-cli.ts
