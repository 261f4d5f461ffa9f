package binarydiff_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/patchmodel/patchmodel/binarydiff"
)

// BenchmarkDamagedDiff measures Diff when most functions find no partner,
// against the intact diff of the same pair (issue: up to 40× slower
// before the similarity pass was bounded by the threshold):
//
//   - intact: gopls v0.22.0 → v0.23.0, windows/amd64 (see realPair);
//   - noexception: the new image with its exception directory pointing
//     outside the image, so its functions come from the pclntab and calls;
//   - nosymbols-noexception: the same without names, as for a C DLL;
//   - unrelated: the old image against BINARYDIFF_BENCH_UNRELATED (a PE
//     x64 image of another program of similar size, such as duckdb.dll
//     from `npm pack @duckdb/node-bindings-win32-x64`), without names;
//   - rel: gopls v0.22.0 → v0.23.0 for linux/amd64 (built into the same
//     cache by `GOOS=linux go install`), intact and with the new image's
//     e_type set to ET_REL (or the pair BINARYDIFF_BENCH_ELF_OLD and
//     _NEW name, such as libduckdb.so of two releases).
func BenchmarkDamagedDiff(b *testing.B) {
	po, pn := realPair(b)
	old, new := openReal(b, po), openReal(b, pn)
	defer old.Close()
	defer new.Close()
	raw, err := os.ReadFile(pn)
	if err != nil {
		b.Fatal(err)
	}
	noexc := parseBytes(b, clobberExceptionDir(b, raw))
	run := func(name string, old, new *binarydiff.Binary, opts binarydiff.Options) {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := binarydiff.Diff(context.Background(), old, new, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	run("intact", old, new, binarydiff.Options{})
	run("noexception", old, noexc, binarydiff.Options{})
	run("nosymbols-noexception", old, noexc, binarydiff.Options{IgnoreSymbols: true})
	if p := os.Getenv("BINARYDIFF_BENCH_UNRELATED"); p != "" {
		u := openReal(b, p)
		defer u.Close()
		run("unrelated", old, u, binarydiff.Options{IgnoreSymbols: true})
	}
	cache, _ := os.UserCacheDir()
	lo := filepath.Join(cache, "patchmodel-bench", "gopls-"+goplsOld, "bin", "gopls")
	ln := filepath.Join(cache, "patchmodel-bench", "gopls-"+goplsNew, "bin", "gopls")
	if o, n := os.Getenv("BINARYDIFF_BENCH_ELF_OLD"), os.Getenv("BINARYDIFF_BENCH_ELF_NEW"); o != "" && n != "" {
		lo, ln = o, n
	}
	if _, err := os.Stat(lo); err != nil {
		b.Logf("rel: no linux/amd64 gopls in the cache (%v)", err)
		return
	}
	eo, en := openReal(b, lo), openReal(b, ln)
	defer eo.Close()
	defer en.Close()
	p, err := os.ReadFile(ln)
	if err != nil {
		b.Fatal(err)
	}
	p[16], p[17] = 1, 0 // e_type = ET_REL
	run("elf-intact", eo, en, binarydiff.Options{})
	run("elf-rel", eo, parseBytes(b, p), binarydiff.Options{})
}

// clobberExceptionDir returns a copy of the PE image p whose exception
// directory points outside the image.
func clobberExceptionDir(tb testing.TB, p []byte) []byte {
	p = bytes.Clone(p)
	binary.LittleEndian.PutUint32(p[dataDir(p, 3):], 0x7ffff000)
	return p
}
