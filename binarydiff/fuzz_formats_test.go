package binarydiff_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/patchmodel/patchmodel/binarydiff"
	"github.com/patchmodel/patchmodel/binarydiff/difftest"
)

// Fuzz targets of the parsers added for other formats and for the
// hotpatchability facts. Their seeds run as ordinary tests.

func FuzzLoadConfig(f *testing.F) {
	f.Add(loadConfig64(0x148, 0x100, 0, 0x5000), true)
	f.Add(loadConfig64(0x94, 0x100, 0, 0), true)
	f.Add(loadConfig64(0x148, 0x100, 0, 0)[:0xC4], false)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff}, false)
	f.Add(hotPatchInfo(1, 2, 3), false)
	f.Fuzz(func(t *testing.T, p []byte, plus bool) {
		if lc, _, err := binarydiff.ParseLoadConfig(p, plus); err == nil && uint64(lc.Size) > uint64(len(p)) {
			t.Fatalf("Size %d beyond %d bytes", lc.Size, len(p))
		}
		if hi, err := binarydiff.ParseHotPatchInfo(p); err == nil && len(hi.Bases)*4 > len(p) {
			t.Fatalf("%d bases from %d bytes", len(hi.Bases), len(p))
		}
	})
}

// FuzzPEFacts reads the image facts of mutated PE images: no panic, no
// hang, no allocation beyond the input's size.
func FuzzPEFacts(f *testing.F) {
	im := difftest.RandomImage(3, difftest.Config{MinFuncs: 4, MaxFuncs: 8, Exports: true, Symbols: true})
	l, err := im.Build()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(l.Bytes)
	f.Fuzz(func(t *testing.T, p []byte) {
		defer watch(len(p))()
		facts, err := binarydiff.ReadPEFacts(bytes.NewReader(p), int64(len(p)))
		if err != nil {
			return
		}
		if len(facts.Imports) > len(p) || len(facts.Exports) > len(p) {
			t.Fatalf("%d imports, %d exports from %d bytes", len(facts.Imports), len(facts.Exports), len(p))
		}
	})
}

// FuzzELF parses mutated ELF files: a typed error or a Binary, no panic,
// no hang, memory bounded by the input. Its seeds in testdata/fuzz/FuzzELF
// were built once with gcc (-Os -nostdlib -static-pie, and -c
// -ffunction-sections, of a three-function program).
func FuzzELF(f *testing.F) {
	f.Add([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00"))
	f.Fuzz(func(t *testing.T, p []byte) {
		defer watch(len(p))()
		b, err := binarydiff.Parse(context.Background(), bytes.NewReader(p), int64(len(p)))
		if err != nil {
			return
		}
		if len(b.Functions) > len(p) {
			t.Fatalf("%d functions from %d bytes", len(b.Functions), len(p))
		}
		if _, err := b.Facts(); err != nil {
			t.Fatal(err)
		}
	})
}

// watch crashes the fuzz worker if the call it guards runs for more than
// 10 s: Go's fuzzer has no per-input deadline and would stall silently,
// while a crash makes it save the input. It returns the stop function.
func watch(n int) func() {
	t := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("hang on a %d-byte input", n)) })
	return func() { t.Stop() }
}
