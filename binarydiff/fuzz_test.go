package binarydiff_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/patchmodel/patchmodel/binarydiff"
	"github.com/patchmodel/patchmodel/binarydiff/difftest"
)

// fuzzSeeds returns generated images, and truncated and corrupted copies
// of one: the headers, section table, exception directory and base
// relocations are where a parser trusts counts and offsets.
func fuzzSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	for seed := range 4 {
		im := difftest.RandomImage(uint64(seed), difftest.Config{MaxFuncs: 12, MaxBody: 12, Exports: seed%2 == 0, Symbols: seed%2 == 1})
		l, err := im.Build()
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, l.Bytes)
	}
	img := seeds[0]
	peOff := int(binary.LittleEndian.Uint32(img[0x3C:]))
	opt := peOff + 4 + 20
	dirs := opt + 112
	secs := opt + 240
	for _, n := range []int{0, 2, 0x40, peOff + 4, opt + 8, dirs, secs + 20, secs + 40, 0x200, 0x400, len(img) - 1} {
		if n <= len(img) {
			seeds = append(seeds, img[:n])
		}
	}
	corrupt := func(at int, v uint32) {
		c := bytes.Clone(img)
		binary.LittleEndian.PutUint32(c[at:], v)
		seeds = append(seeds, c)
	}
	corrupt(0x3C, 0xFFFFFFF0)                 // e_lfanew past the end
	corrupt(peOff+4+2, 0xFFFF)                // NumberOfSections
	corrupt(peOff+4+16, 0x0F00)               // SizeOfOptionalHeader
	corrupt(dirs+3*8, 0xFFFFF000)             // exception directory RVA
	corrupt(dirs+3*8+4, 0xFFFFFFF0)           // exception directory size
	corrupt(dirs+5*8+4, 0x7FFFFFFF)           // base relocation size
	corrupt(dirs+0*8, 0x1000)                 // export directory inside .text
	corrupt(secs+8, 0xFFFFFFFF)               // .text VirtualSize
	corrupt(secs+20, uint32(len(img)+0x1000)) // .text PointerToRawData past the end
	corrupt(opt+56, 0x10)                     // SizeOfImage smaller than the sections
	// Overlapping, unsorted and out-of-range RUNTIME_FUNCTION entries, and
	// an UNWIND_INFO chained to itself.
	if b, err := binarydiff.Parse(context.Background(), bytes.NewReader(img), int64(len(img))); err == nil {
		for _, s := range b.Sections {
			if s.Name != ".pdata" {
				continue
			}
			off := int(s.Offset)
			c := bytes.Clone(img)
			binary.LittleEndian.PutUint32(c[off+4:], 0xFFFFFFF0) // end far away
			binary.LittleEndian.PutUint32(c[off+12:], 0x1000)    // second entry before the first
			seeds = append(seeds, c)
			c = bytes.Clone(img)
			unwind := binary.LittleEndian.Uint32(c[off+8:])
			for _, x := range b.Sections {
				if unwind >= x.RVA && unwind < x.RVA+x.Size {
					u := int(x.Offset) + int(unwind-x.RVA)
					c[u] = 1 | 4<<3 // UNW_FLAG_CHAININFO, no codes
					c[u+2] = 0
					binary.LittleEndian.PutUint32(c[u+4:], binary.LittleEndian.Uint32(c[off:]))
					binary.LittleEndian.PutUint32(c[u+8:], binary.LittleEndian.Uint32(c[off+4:]))
					binary.LittleEndian.PutUint32(c[u+12:], unwind) // chained to itself
				}
			}
			seeds = append(seeds, c)
		}
	}
	return seeds
}

// hangLimit is how long one fuzz input may take before it counts as a hang.
const hangLimit = 60 * time.Second

// FuzzParse feeds arbitrary bytes to Parse, then diffs and explains what
// parsed: no panic, no hang, an error of the documented kinds, and
// allocation bounded by a small multiple of the input.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Go's fuzzer has no per-input deadline: a hang would stall it
		// silently. Crashing the worker instead makes the fuzzer save the
		// input. The limit is far beyond any sound run, even under -race.
		watchdog := time.AfterFunc(hangLimit, func() {
			panic(fmt.Sprintf("binarydiff hangs on a %d-byte input", len(data)))
		})
		defer watchdog.Stop()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		b, err := binarydiff.Parse(context.Background(), bytes.NewReader(data), int64(len(data)))
		runtime.ReadMemStats(&after)
		// Parse reads through an io.ReaderAt, so it may copy the input;
		// anything beyond a small multiple of it is sized by a field.
		const slack = 4 << 20
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16*uint64(len(data))+slack {
			t.Fatalf("Parse of %d bytes allocated %d bytes", len(data), alloc)
		}
		if err != nil {
			var fe *binarydiff.FormatError
			if !errors.Is(err, binarydiff.ErrUnsupportedFormat) && !errors.As(err, &fe) {
				t.Fatalf("Parse error %v (%T) is neither ErrUnsupportedFormat nor a FormatError", err, err)
			}
			return
		}
		res, err := binarydiff.Diff(context.Background(), b, b, binarydiff.Options{Workers: 2})
		if err != nil {
			t.Fatalf("Diff of a parsed binary with itself: %v", err)
		}
		if res.Summary.Identical != len(b.Functions) {
			t.Fatalf("self diff: %+v for %d functions", res.Summary, len(b.Functions))
		}
		if len(res.Functions) > 0 {
			fd := res.Functions[0]
			fd.Kind = binarydiff.Changed
			_, _ = binarydiff.Explain(b, b, fd) // must not panic
		}
	})
}
