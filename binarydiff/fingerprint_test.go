package binarydiff

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/patchmodel/patchmodel/binarydiff/difftest"
	"github.com/patchmodel/patchmodel/internal/corpuscache"
)

func codeBytes(b *Binary) int64 {
	var n int64
	for _, f := range b.Functions {
		n += int64(f.Size)
		for _, r := range f.Fragments {
			n += int64(r.Size)
		}
	}
	return n
}

// BenchmarkFingerprint measures decoding and fingerprinting all functions
// of a real Go program (see benchFingerprint).
func BenchmarkFingerprint(b *testing.B) {
	data, err := os.ReadFile(fxBuild(b, fxV1))
	if err != nil {
		b.Fatal(err)
	}
	benchFingerprint(b, data)
}

// benchFingerprint measures fingerprinting every function of the image
// data, with one worker and with one per core; MB/s is of function bytes.
// The image is parsed from memory: the figure is decoding and hashing, not
// the page faults of a first read (BenchmarkPerfOpenAndDiff has those).
func benchFingerprint(b *testing.B, data []byte) {
	bin, err := Parse(context.Background(), bytes.NewReader(data), int64(len(data)))
	if err != nil {
		b.Fatal(err)
	}
	todo := make([]int, len(bin.Functions))
	for i := range todo {
		todo[i] = i
	}
	lists := make([]refLists, len(bin.Functions))
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			b.SetBytes(codeBytes(bin))
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				fingerprintAll(bin, todo, nil, new(refStore), lists, workers)
			}
			reportCPU(b, cpu, codeBytes(bin))
		})
	}
}

// reportCPU reports MB per CPU-second since start as "cpu-MB/s".
func reportCPU(b *testing.B, start time.Duration, bytesPerOp int64) {
	if d := cpuTime() - start; d > 0 && start > 0 {
		b.ReportMetric(float64(bytesPerOp)*float64(b.N)/1e6/d.Seconds(), "cpu-MB/s")
	}
}

// BenchmarkParse measures Open-equivalent parsing from memory with
// GOMAXPROCS workers.
func BenchmarkParse(b *testing.B) {
	raw, err := os.ReadFile(fxBuild(b, fxV1))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(context.Background(), bytes.NewReader(raw), int64(len(raw))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDiffGoProgram measures Diff (matching, classification, data
// sections) of the fixture pair, after parsing.
func BenchmarkDiffGoProgram(b *testing.B) {
	old, new := fxOpen(b, fxV1), fxOpen(b, fxV2)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Diff(context.Background(), old, new, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFingerprintModesAgree checks that decoding for the secondary
// features (scratch.full, the general handling of every instruction) gives
// the same fingerprint and references as Open's decoding (which takes
// plain instructions by a shorter path), for every function of a real Go
// program and of a generated image with relocated operands.
func TestFingerprintModesAgree(t *testing.T) {
	cfg := difftest.Config{MinFuncs: 300, MaxFuncs: 300, MaxBody: 40, MaxData: 20, Symbols: true}
	l, err := difftest.RandomPair(7, cfg, 3).Old.Build()
	if err != nil {
		t.Fatal(err)
	}
	gen, err := Parse(context.Background(), bytes.NewReader(l.Bytes), int64(len(l.Bytes)))
	if err != nil {
		t.Fatal(err)
	}
	bins := map[string]*Binary{"fixture": fxOpen(t, fxV1), "generated": gen}
	// Real toolchains' code when the corpus is at hand (see
	// binarydiff/corpus): MinGW puts relocated pointer tables in code, a
	// GCC shared object, and a Go program decoded in 32-bit mode.
	for _, name := range corpusImages(t, "libvips-dll-0.35.6", "duckdb-node-linux-1.5.6", "go1.22.12-windows-386-exe-v1") {
		b, err := Open(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		bins[filepath.Base(name)] = b
	}
	for name, b := range bins {
		plain, full := &scratch{}, &scratch{full: true}
		for i := range b.Functions {
			f := b.Functions[i]
			var fa, fb fingerprint
			b.code.fingerprint(b, &f, 0, plain, &fa)
			refs := [][]uint32{slices.Clone(plain.calls), slices.Clone(plain.refs), slices.Clone(plain.datas)}
			b.code.fingerprint(b, &f, 0, full, &fb)
			if fa != fb {
				t.Fatalf("%s: %s at %#x: fingerprint %+v, with features %+v", name, f.Name, f.RVA, fa, fb)
			}
			for k, l := range [][]uint32{full.calls, full.refs, full.datas} {
				if !slices.Equal(refs[k], l) {
					t.Fatalf("%s: %s at %#x: references %d differ: %v, with features %v", name, f.Name, f.RVA, k, refs[k], l)
				}
			}
		}
	}
}

// corpusImages returns the paths of the named files of the real-world
// corpus cache (binarydiff/corpus/fetch.sh fills it) that are there, none
// with -short.
func corpusImages(t *testing.T, names ...string) []string {
	var out []string
	for _, n := range names {
		if p, ok := corpuscache.File(n); !testing.Short() && ok {
			out = append(out, p)
		}
	}
	if len(out) < len(names) {
		t.Logf("%d of %d corpus images in %s (binarydiff/corpus/fetch.sh fetches them)", len(out), len(names), corpuscache.Files())
	}
	return out
}
