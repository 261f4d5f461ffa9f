#!/bin/sh
# Fetches the full CVRF documents the msrc benchmarks read into
# ${PATCHMODEL_CVRF_CACHE:-$HOME/.cache/patchmodel-cvrf}, each pinned to a
# commit of the public mirror github.com/p0w3rsh3ll/MSRC-data and checked
# against its SHA-256. Tests never need them: the benchmarks skip without.
#
# Usage: sh hotpatch/msrc/testdata/fetch-bench.sh
# With MSRC_DATA_GIT=/path/to/MSRC-data.git the files are read from a local
# clone (git show) instead of downloaded.
set -eu
cache=${PATCHMODEL_CVRF_CACHE:-$HOME/.cache/patchmodel-cvrf}
mkdir -p "$cache"
while read -r commit path sum; do
	out="$cache/$(basename "$path")"
	if [ -f "$out" ] && echo "$sum  $out" | sha256sum -c --quiet - 2>/dev/null; then
		continue
	fi
	if [ -n "${MSRC_DATA_GIT:-}" ]; then
		git --git-dir="$MSRC_DATA_GIT" show "$commit:$path" >"$out.tmp"
	else
		curl -fsSL "https://raw.githubusercontent.com/p0w3rsh3ll/MSRC-data/$commit/$path" -o "$out.tmp"
	fi
	if ! echo "$sum  $out.tmp" | sha256sum -c --quiet -; then
		echo "fetch-bench: $path: checksum mismatch" >&2
		rm -f "$out.tmp"
		exit 1
	fi
	mv "$out.tmp" "$out"
done <<'LIST'
b1abf440b697d1ba5927922249a938a18d1ccdc2 2023/xml-cvrf-document/cvrfDocument-2023-Jan.xml 233fa922e851cfa8917eef7ac6b9d7cf13101c3a8360d96ee328a86410ce60ab
af020a325fe3c043b18ec050a123829caff03840 2023/xml-cvrf-document/cvrfDocument-2023-Feb.xml ec3c2051109500f6f84222034aa8b87e36307b13605e3d61ae933828bb0bd3f2
ef74f1d66acca20a3ec91500f6ed3026fb3db948 2023/xml-cvrf-document/cvrfDocument-2023-Mar.xml 9eaaf8f53165bd990a1c5ccacaeb90e1c92185102df380fc64cabc0d261e27ad
440208d87f9006bb43b86eacd6db71b09ade86ad 2023/xml-cvrf-document/cvrfDocument-2023-Apr.xml 26764b0995362940869679bc96ba2129e30e008a24ece2fe98ba659f13409440
8cebe5ee1800bd14fcbe79441fc82abeb0af3794 2023/xml-cvrf-document/cvrfDocument-2023-May.xml 4b79536113a3e753a085e907b969cbb2f219fc4d495447690952f1c3746b0c6c
3d9adc4f3ff2e03fea36373e6c7bf26fd0ae996a 2023/xml-cvrf-document/cvrfDocument-2023-Jun.xml 763a334fe6f468943a155f0251a7ebdbd75e4a26b7d3e2681bd2b6f3e9994764
9fddb2cf0c3c178eff238add0afee5eb8d07f7c7 2023/xml-cvrf-document/cvrfDocument-2023-Jul.xml 4d8fa702c3504fda269de9d7fef9f5a33bfd336d79a58d6c7a5377b8fc8cb5b1
288194c54f1dbcf59f0e9eee7c02405cd430a0fa 2023/xml-cvrf-document/cvrfDocument-2023-Aug.xml 4b2704ab1dda32e3403f6b0f4beebb31bef0861adb24cd9320ab0171fec36f51
561353c858b5a41d3b74fe0cf04f44a8b0c4a9bd 2023/xml-cvrf-document/cvrfDocument-2023-Sep.xml d555fbdf72eeb66fe0c3532e12f34439b73245988b3946a8b47889690edb01c7
dc1cbb2d8e9d7d751449b6ef13a6b89b8e85ec90 2023/xml-cvrf-document/cvrfDocument-2023-Oct.xml de8535d0d3a69bca85f4545623676c951139f0e21736082a503fa405aaeabbb8
ffdb072fe3e873ef4d2ce9c2f67e5cd28c85a684 2023/xml-cvrf-document/cvrfDocument-2023-Nov.xml 3f9fb5ebaefa54032d81ae25e0126a92138658f07ba0c74f4cec1d102dff2b70
7aa5081770033be0003ac07b3c5b34531f71cb45 2023/xml-cvrf-document/cvrfDocument-2023-Dec.xml 2b08adefa7f5d1959f34fa408461463b57738771b34d6f4e6911e96d6d878869
01871a60e3d5cf086371881617571e683b332cb8 2026/xml-cvrf-document/cvrfDocument-2026-Mar.xml af794702ebb129997a219456d65e4482345023fbb4877584a92724cb4a1deadc
LIST
echo "fetch-bench: documents in $cache"
