#!/usr/bin/env bash
# npm run actionlint: actionlint, the linter of the GitHub workflows (.github/workflows), for the test
# that lints them (test/workflows/actionlint.test.ts) — like scripts/engine.sh for the engine.
#
# Uses an `actionlint` already on PATH when it is $VERSION, and says so. Otherwise installs the Go
# module github.com/rhysd/actionlint at $VERSION (go install checks it against the Go checksum
# database) into a cache folder outside the clone ($GOLIVE_TOOLS_DIR, default
# ~/.cache/golive-tools), reused by later runs. test/helpers/prerequisites.ts looks in the same places.
# actionlint runs shellcheck on the workflows' scripts when it is installed (apt-get install shellcheck).
set -euo pipefail

VERSION=v1.7.12
dir="${GOLIVE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/golive-tools}/actionlint/$VERSION"
bin="$dir/bin/actionlint"
start=$(date +%s)
say() { echo "actionlint: $*"; }

if command -v actionlint >/dev/null 2>&1 && [ "$(actionlint -version 2>/dev/null | head -1)" = "$VERSION" ]; then
    say "using actionlint $VERSION on PATH ($(command -v actionlint)); nothing to install"
    exit 0
fi
if [ -x "$bin" ] && [ "$("$bin" -version 2>/dev/null | head -1)" = "$VERSION" ]; then
    say "actionlint $VERSION ready in $dir/bin (cached, $(($(date +%s) - start)) s)"
    exit 0
fi
if ! command -v go >/dev/null 2>&1; then
    say "Go is not installed: install Go 1.24+ and run npm run actionlint again, or put actionlint $VERSION on PATH (https://github.com/rhysd/actionlint/releases)" >&2
    exit 1
fi
mkdir -p "$dir/bin"
say "installing github.com/rhysd/actionlint $VERSION with $(go version | cut -d' ' -f3)"
GOBIN="$dir/bin" CGO_ENABLED=0 go install -trimpath "github.com/rhysd/actionlint/cmd/actionlint@$VERSION"
say "actionlint $("$bin" -version | head -1) ready in $dir/bin ($(($(date +%s) - start)) s)"
