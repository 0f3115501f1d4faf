#!/usr/bin/env bash
# npm run engine: the real Pulumi engine for the engine tier of the tests and the rehearsal.
#
# Uses a `pulumi` already on PATH when it is v3.248.x (the version @pulumi/pulumi is pinned to),
# and says so. Otherwise builds, from the Go modules pinned in engine/go.mod and engine/go.sum:
#   pulumi                          the CLI, github.com/pulumi/pulumi/pkg/v3 v3.248.0
#   pulumi-language-nodejs          engine/langhost (upstream's host is not served by the module proxy)
#   pulumi-resource-pulumi-nodejs   the dynamic-provider plugin, a script like upstream's
# into a cache folder outside the clone ($GOLIVE_ENGINE_DIR, default ~/.cache/golive-engine/v3.248.0),
# reused by later runs. Prints what it does and how long it took.
set -euo pipefail

VERSION=v3.248.0
here="$(cd "$(dirname "$0")/.." && pwd)"
dir="${GOLIVE_ENGINE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/golive-engine/$VERSION}"
bin="$dir/bin"
start=$(date +%s)
say() { echo "engine: $*"; }

if command -v pulumi >/dev/null 2>&1; then
    ambient="$(pulumi version 2>/dev/null || true)"
    case "$ambient" in
        v3.248.*)
            say "using pulumi $ambient on PATH ($(command -v pulumi)); nothing to build"
            exit 0
            ;;
        *) say "pulumi on PATH is ${ambient:-unknown}, not $VERSION: building $VERSION into $dir" ;;
    esac
fi

if [ -x "$bin/pulumi" ] && [ -x "$bin/pulumi-language-nodejs" ] && [ -x "$bin/pulumi-resource-pulumi-nodejs" ] &&
    [ "$("$bin/pulumi" version 2>/dev/null)" = "$VERSION" ] &&
    [ "$(cat "$dir/.source" 2>/dev/null)" = "$(cat "$here/engine/go.sum" "$here/engine/langhost/main.go" | sha256sum)" ]; then
    say "pulumi $VERSION ready in $bin (cached, $(($(date +%s) - start)) s)"
    exit 0
fi

if ! command -v go >/dev/null 2>&1; then
    say "Go is not installed: install Go 1.25+ and run npm run engine again, or install the Pulumi CLI $VERSION with the official installer (https://www.pulumi.com/docs/install/) so that pulumi is on PATH" >&2
    exit 1
fi

mkdir -p "$bin"
cd "$here/engine"
export GOFLAGS="-mod=readonly" CGO_ENABLED=0
ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$VERSION"
say "building pulumi $VERSION with $(go version | cut -d' ' -f3) (a cold build downloads a few hundred modules and takes several minutes)"
t=$(date +%s)
go build -trimpath -ldflags "$ldflags" -o "$bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
say "pulumi built in $(($(date +%s) - t)) s"
t=$(date +%s)
go build -trimpath -ldflags "-s -w -X main.Version=${VERSION#v}" -o "$bin/pulumi-language-nodejs" ./langhost
say "pulumi-language-nodejs built in $(($(date +%s) - t)) s"

# The dynamic-provider plugin: the SDK's own host, found from the program's node_modules as upstream's script does.
cat >"$bin/pulumi-resource-pulumi-nodejs" <<'EOF'
#!/bin/sh
script=$(node -e "console.log(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))") || exit 1
exec node "$script" "$@"
EOF
chmod +x "$bin/pulumi-resource-pulumi-nodejs"
cat "$here/engine/go.sum" "$here/engine/langhost/main.go" | sha256sum >"$dir/.source"
say "pulumi $("$bin/pulumi" version) ready in $bin ($(($(date +%s) - start)) s in all)"
