package binarydiff

import (
	"bytes"
	"context"
	"os"
	"testing"
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
// of a real Go program with one worker; MB/s is of function bytes.
func BenchmarkFingerprint(b *testing.B) {
	bin := fxOpen(b, fxV1)
	todo := make([]int, len(bin.Functions))
	for i := range todo {
		todo[i] = i
	}
	b.SetBytes(codeBytes(bin))
	b.ReportAllocs()
	for b.Loop() {
		fingerprintAll(bin, todo, nil, 1)
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
		if _, err := Parse(bytes.NewReader(raw), int64(len(raw))); err != nil {
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
