// Package corpus holds the real-world corpus of binarydiff and its
// harness; it has no API. The corpus is consecutive releases of npm
// packages that ship native binaries (MSVC C++, Rust with the MSVC linker,
// clang-cl with lld, mingw-w64, GCC and clang ELF shared objects, stripped
// Go executables) and a small Go program built here with Go 1.20 to 1.26,
// listed with pinned versions and sha256 sums in corpus.txt. The binaries
// are never committed: fetch.sh downloads and builds them into
// ~/.cache/patchmodel-corpus (or $PATCHMODEL_CORPUS_CACHE).
//
// The harness is a test. Per pair it diffs the two files with names
// ignored, in a child process so that its peak resident memory is its
// own, and scores the pairing against the truth the binaries carry: PE
// export names, ELF .symtab names, the Go pclntab's function table, or a
// byte-identical rebuild that must report nothing. It also fails a pair
// with a Changed function that lacks a cause, or a cause its evidence in
// Explain (a differing instruction, a call site, the bytes read):
//
//	binarydiff/corpus/fetch.sh
//	PATCHMODEL_CORPUS=all go test ./binarydiff/corpus -run TestCorpus -v -timeout 30m
//
// PATCHMODEL_CORPUS unset runs the small pairs marked ci (a few seconds);
// "all" runs every pair; anything else is a regular expression on pair
// IDs. Without the cache the test skips, saying how to fetch it.
package corpus
