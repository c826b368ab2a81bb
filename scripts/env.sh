# Sourced by the other scripts: puts the project-local toolchain first on PATH.
# Node 24 (from the npm registry's node-linux-<arch> package), pnpm and livekit-server
# all live under .tools/, which is git-ignored and rebuilt by setup.sh.
LOUPE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOUPE_TOOLS="$LOUPE_ROOT/.tools"
export LOUPE_ROOT LOUPE_TOOLS
export PATH="$LOUPE_TOOLS/bin:$LOUPE_TOOLS/node/bin:$LOUPE_ROOT/node_modules/.bin:$PATH"
