package binarydiff_test

import (
	"bytes"
	"testing"

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
		facts, err := binarydiff.ReadPEFacts(bytes.NewReader(p), int64(len(p)))
		if err != nil {
			return
		}
		if len(facts.Imports) > len(p) || len(facts.Exports) > len(p) {
			t.Fatalf("%d imports, %d exports from %d bytes", len(facts.Imports), len(facts.Exports), len(p))
		}
	})
}
