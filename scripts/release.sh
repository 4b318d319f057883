#!/usr/bin/env bash
# Release binaries: static parley for each target into dist/, with
# SHA256SUMS.
#
#   scripts/release.sh              # version from git describe
#   VERSION=v1.2.0 scripts/release.sh
#   TARGETS="linux/amd64" scripts/release.sh
#
# The version stamp has two parts. The Go toolchain records the module's VCS
# commit, time and dirty flag in the binary's build info when it builds from
# a git checkout with -buildvcs=true (parley version reads it through
# runtime/debug.ReadBuildInfo), but not from a linked worktree (git worktree
# add: .git is a file there, which the toolchain does not recognise), and
# -trimpath keeps -ldflags out of build info. So the linker also gets
# main.version (VERSION: the tag's name for a release) and main.commit (the
# full commit, with -dirty for uncommitted changes). The linker ignores -X
# for a variable the program does not declare, so both flags are harmless
# until cmd/parley declares them.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v go >/dev/null 2>&1; then
	echo "release.sh: Go is required (https://go.dev/dl/)" >&2
	exit 1
fi

VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
COMMIT=$(git rev-parse HEAD 2>/dev/null || echo unknown)
if [[ $COMMIT != unknown && -n $(git status --porcelain 2>/dev/null) ]]; then
	COMMIT=$COMMIT-dirty
fi
TARGETS=${TARGETS:-"linux/amd64 linux/arm64 darwin/arm64"}
DIST=${DIST:-dist}

# A machine-wide GOFLAGS=-buildvcs=false would drop the commit from build
# info: the script's own flags are the whole truth for a release.
export GOFLAGS=
export CGO_ENABLED=0

# Only what this script writes is removed: DIST may name any directory.
mkdir -p "$DIST"
rm -f "$DIST"/parley-* "$DIST/SHA256SUMS"
for target in $TARGETS; do
	os=${target%/*}
	arch=${target#*/}
	out="$DIST/parley-$os-$arch"
	echo "== $out ($VERSION, $COMMIT)"
	GOOS=$os GOARCH=$arch go build -trimpath -buildvcs=true \
		-ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" -o "$out" ./cmd/parley
done

# sha256sum -c SHA256SUMS (or shasum -a 256 -c on macOS) checks a download.
(
	cd "$DIST"
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum parley-* >SHA256SUMS
	else
		shasum -a 256 parley-* >SHA256SUMS
	fi
)
echo "== $DIST/SHA256SUMS"
cat "$DIST/SHA256SUMS"
