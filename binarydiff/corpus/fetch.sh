#!/bin/sh
# fetch.sh downloads (npm pack) and builds (Go toolchains fetched through
# the Go module proxy) the binaries of the real-world corpus listed in
# corpus.txt into a cache outside the repository, and checks the sha256
# of every one. Nothing it writes is committed.
#
#	binarydiff/corpus/fetch.sh [NAME-PATTERN]
#
# Cache: $PATCHMODEL_CORPUS_CACHE, default ~/.cache/patchmodel-corpus.
# Files land in $CACHE/files/NAME; a file already present with the right
# sum is skipped. With a pattern (a shell glob on NAME), only matching
# files are fetched. Exit status 1 if any sum differs.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache=${PATCHMODEL_CORPUS_CACHE:-$HOME/.cache/patchmodel-corpus}
pattern=${1:-*}
mkdir -p "$cache/files" "$cache/npm"
status=0

fetch_npm() { # spec dest: spec is PKG@VERSION:PATH-IN-TARBALL
	pkg=${1%%:*} path=${1#*:}
	tgz=$cache/npm/$(printf %s "$pkg" | sed 's,^@,,; s,/,-,; s,@,-,').tgz
	if [ ! -s "$tgz" ]; then
		(cd "$cache/npm" && npm pack --silent "$pkg" >/dev/null)
	fi
	tar -xzf "$tgz" -O "$path" >"$2.tmp"
	mv "$2.tmp" "$2"
}

build_go() { # spec dest: spec is VERSION:GOOS/GOARCH:exe|pie:v1|v2
	IFS=: read -r ver target mode variant <<-SPEC
	$1
	SPEC
	tmp=$(mktemp -d)
	cp "$here"/testdata/goprog/*.go "$tmp"/
	printf 'module goprog\n\ngo 1.16\n' >"$tmp/go.mod"
	tags=
	[ "$variant" = v2 ] && tags=v2
	(cd "$tmp" && GOTOOLCHAIN=go$ver GOOS=${target%/*} GOARCH=${target#*/} CGO_ENABLED=0 GOENV=off GOFLAGS= \
		go build -trimpath -buildmode="$mode" -tags="$tags" -ldflags='-s -w -buildid=' -o "$2.tmp" .)
	rm -rf "$tmp"
	mv "$2.tmp" "$2"
}

grep '^file ' "$here/corpus.txt" | while read -r _ name sum src; do
	case $name in $pattern) ;; *) continue ;; esac
	dest=$cache/files/$name
	if [ -f "$dest" ] && [ "$(sha256sum "$dest" | cut -d' ' -f1)" = "$sum" ]; then
		continue
	fi
	case $src in
	npm:*) fetch_npm "${src#npm:}" "$dest" || ok=no ;;
	go:*) build_go "${src#go:}" "$dest" || ok=no ;;
	*) echo "fetch.sh: $name: unknown source $src" >&2; exit 2 ;;
	esac
	if [ "${ok:-}" = no ]; then
		ok=
		echo "fetch.sh: $name: could not fetch or build $src" >&2
		echo "$name" >>"$cache/mismatch"
		continue
	fi
	got=$(sha256sum "$dest" | cut -d' ' -f1)
	if [ "$got" != "$sum" ]; then
		echo "fetch.sh: $name: sha256 $got, want $sum" >&2
		echo "$name" >>"$cache/mismatch"
	else
		echo "fetched $name"
	fi
done
if [ -s "$cache/mismatch" ]; then
	rm -f "$cache/mismatch"
	exit 1
fi
