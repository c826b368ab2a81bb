#!/usr/bin/env bash
# Idempotent setup shared by `make start` and `make test`. On a fresh Debian machine it
# provisions everything Loupe needs; when everything is already there it takes seconds.
#
#   Node 24      npm registry package node-linux-<arch>, unpacked into .tools/node
#   pnpm         npm registry package pnpm, unpacked into .tools/pnpm
#   livekit-srv  go install github.com/livekit/livekit-server/cmd/server@$LIVEKIT_VERSION
#   versitygw    go install github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION
#   ffmpeg,      Debian packages, apt-get when missing
#   chromium,
#   iptables,
#   redis-server
#   node_modules pnpm install --frozen-lockfile
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

NODE_MAJOR=24
PNPM_VERSION=10.34.8
LIVEKIT_VERSION=v1.13.5
# The S3-compatible server the media store's tests run against, and `make cluster`'s bucket.
VERSITYGW_VERSION=v1.8.0

say() { printf '\033[2m[setup]\033[0m %s\n' "$*"; }

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# An npm package's files (its tarball from the registry, unpacked) into a fresh folder.
unpack_npm_package() {
  local spec=$1 dest=$2 tmp
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null)
  rm -rf "$dest"
  mkdir -p "$dest"
  tar -xzf "$tmp"/*.tgz -C "$dest" --strip-components=1
  rm -rf "$tmp"
}

ensure_node() {
  local system_node
  system_node=$(command -v node || true)
  if [[ -x "$LOUPE_TOOLS/node/bin/node" ]] && [[ "$(node_major "$LOUPE_TOOLS/node/bin/node")" -ge $NODE_MAJOR ]]; then
    return
  fi
  if [[ -n "$system_node" && "$system_node" != "$LOUPE_TOOLS"/* ]] && [[ "$(node_major "$system_node")" -ge $NODE_MAJOR ]]; then
    return
  fi
  local arch
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "unsupported CPU architecture $(uname -m)" >&2; exit 1 ;;
  esac
  say "installing Node $NODE_MAJOR from the npm registry (node-linux-$arch) into .tools/node"
  unpack_npm_package "node-linux-$arch@$NODE_MAJOR" "$LOUPE_TOOLS/node"
  chmod +x "$LOUPE_TOOLS/node/bin/node"
}

ensure_pnpm() {
  if [[ -f "$LOUPE_TOOLS/pnpm/package.json" ]] && grep -q "\"version\": \"$PNPM_VERSION\"" "$LOUPE_TOOLS/pnpm/package.json"; then
    return
  fi
  say "installing pnpm $PNPM_VERSION from the npm registry into .tools/pnpm"
  unpack_npm_package "pnpm@$PNPM_VERSION" "$LOUPE_TOOLS/pnpm"
  mkdir -p "$LOUPE_TOOLS/bin"
  cat >"$LOUPE_TOOLS/bin/pnpm" <<'SH'
#!/usr/bin/env bash
exec node "$(dirname "$0")/../pnpm/bin/pnpm.cjs" "$@"
SH
  chmod +x "$LOUPE_TOOLS/bin/pnpm"
}

ensure_debian_packages() {
  local missing=()
  command -v ffmpeg >/dev/null || missing+=(ffmpeg)
  command -v ffprobe >/dev/null || missing+=(ffmpeg)
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  # Chinese UI text needs a CJK font in Chromium (tests and screenshots).
  dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
  # The fault tests cut one browser's network with iptables (web/test/network-cut.ts).
  command -v iptables >/dev/null || [[ -x /usr/sbin/iptables ]] || missing+=(iptables)
  # The PACS tests store stills in a real Orthanc over DICOMweb and check them with dciodvfy
  # (api/test/pacs-orthanc.test.ts); each test starts its own Orthanc on a free port.
  [[ -x /usr/sbin/Orthanc ]] || missing+=(orthanc)
  [[ -f /usr/share/orthanc/plugins/libOrthancDicomWeb.so ]] || missing+=(orthanc-dicomweb)
  [[ -x /usr/bin/dciodvfy ]] || missing+=(dicom3tools)
  # `make cluster` and its test: the livekit-server nodes share one Redis (LOUPE_REDIS_URL).
  [[ -x /usr/bin/redis-server ]] || missing+=(redis-server)
  ((${#missing[@]} == 0)) && return
  if [[ $(id -u) -ne 0 ]]; then
    echo "missing Debian packages: ${missing[*]} (run as root, or apt-get install them)" >&2
    exit 1
  fi
  say "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# A Go program built once with go install, at its pinned version, into .tools/bin.
ensure_go_tool() {
  local name=$1 package=$2 version=$3 built=$4
  if [[ -x "$LOUPE_TOOLS/bin/$name" ]] && [[ "$(cat "$LOUPE_TOOLS/$name-version" 2>/dev/null)" == "$version" ]]; then
    return
  fi
  command -v go >/dev/null || { echo "Go is needed to build $name (go install)" >&2; exit 1; }
  say "building $name $version with go install (a few minutes, once)"
  mkdir -p "$LOUPE_TOOLS/bin" "$LOUPE_TOOLS/gobin"
  GOBIN="$LOUPE_TOOLS/gobin" go install "$package@$version"
  mv "$LOUPE_TOOLS/gobin/$built" "$LOUPE_TOOLS/bin/$name"
  echo "$version" >"$LOUPE_TOOLS/$name-version"
}

ensure_node_modules() {
  # Skip pnpm entirely when node_modules was installed from this very lockfile.
  local stamp="$LOUPE_ROOT/node_modules/.loupe-lock"
  if [[ -f "$stamp" ]] && cmp -s "$stamp" "$LOUPE_ROOT/pnpm-lock.yaml"; then
    return
  fi
  say "pnpm install"
  (cd "$LOUPE_ROOT" && pnpm install --frozen-lockfile --reporter=silent)
  cp "$LOUPE_ROOT/pnpm-lock.yaml" "$stamp"
}

ensure_node
ensure_pnpm
ensure_debian_packages
ensure_go_tool livekit-server github.com/livekit/livekit-server/cmd/server "$LIVEKIT_VERSION" server
ensure_go_tool versitygw github.com/versity/versitygw/cmd/versitygw "$VERSITYGW_VERSION" versitygw
ensure_node_modules
