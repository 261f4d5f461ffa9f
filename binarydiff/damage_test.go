package binarydiff

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"math/bits"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/patchmodel/patchmodel/binarydiff/difftest"
	"pgregory.net/rapid"
)

// TestWithinExtremes checks the overflow-checked bounds test against
// 128-bit arithmetic, drawing offsets and sizes near 0, 2³², 2⁶³ and 2⁶⁴,
// where a plain off+n wraps and accepts a range at the top of the address
// space.
func TestWithinExtremes(t *testing.T) {
	extreme := rapid.Custom(func(t *rapid.T) uint64 {
		base := rapid.SampledFrom([]uint64{0, 1 << 31, 1 << 32, 1 << 63, ^uint64(0)}).Draw(t, "base")
		d := rapid.Uint64Range(0, 4096).Draw(t, "d")
		if rapid.Bool().Draw(t, "below") {
			return base - d
		}
		return base + d
	})
	rapid.Check(t, func(t *rapid.T) {
		off, n, limit := extreme.Draw(t, "off"), extreme.Draw(t, "n"), extreme.Draw(t, "limit")
		end, carry := bits.Add64(off, n, 0)
		want := carry == 0 && end <= limit
		if got := within(off, n, limit); got != want {
			t.Fatalf("within(%#x, %#x, %#x) = %v, want %v", off, n, limit, got, want)
		}
	})
}

// TestClipFDEs checks that an FDE whose range runs over later FDEs is
// clipped to the next one with a warning, as a corrupted address range
// otherwise makes one function of thousands.
func TestClipFDEs(t *testing.T) {
	fs := []elfFunc{{rva: 0x3000, size: 0x10}, {rva: 0x1000, size: 0x7900000}, {rva: 0x2000, size: 0x20}, {rva: 0x2020, size: 0x10}}
	var warns []string
	got := clipFDEs(fs, func(format string, args ...any) { warns = append(warns, fmt.Sprintf(format, args...)) })
	want := []elfFunc{{rva: 0x1000, size: 0x1000}, {rva: 0x2000, size: 0x20}, {rva: 0x2020, size: 0x10}, {rva: 0x3000, size: 0x10}}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i].rva != want[i].rva || got[i].size != want[i].size {
			t.Errorf("FDE %d: %#x+%#x, want %#x+%#x", i, got[i].rva, got[i].size, want[i].rva, want[i].size)
		}
	}
	if len(warns) != 1 || warns[0] != ".eh_frame: FDE range [0x1000,0x7901000) covers 3 later FDEs; clipped to the next" {
		t.Errorf("warnings: %q", warns)
	}
}

// TestWarningsCapped checks that a million warnings of one kind keep 16
// and one that counts the rest, and that other kinds are kept.
func TestWarningsCapped(t *testing.T) {
	var w warnLog
	for i := range 1_000_000 {
		w.add(-1, "pdata entry %d: bad", i)
	}
	w.add(5, "other %s", "kind")
	list := w.finish()
	if len(list) != maxWarningsPerKind+2 {
		t.Fatalf("%d warnings kept: %v", len(list), list[len(list)-3:])
	}
	if last := list[len(list)-1].Msg; last != `999984 more warnings like "pdata entry %d: bad" left out` {
		t.Errorf("summary: %q", last)
	}
	if list[maxWarningsPerKind].Msg != "other kind" || list[maxWarningsPerKind].Off != 5 {
		t.Errorf("other kind lost: %+v", list[maxWarningsPerKind])
	}
}

// damagedSeeds returns a generated PE image and the GCC-built ELF
// executable of the fuzz seeds.
func damagedSeeds(t *testing.T) (peImg, elfImg []byte) {
	im := difftest.RandomImage(7, difftest.Config{MinFuncs: 150, MaxFuncs: 200, Exports: true})
	l, err := im.Build()
	if err != nil {
		t.Fatal(err)
	}
	elfImg, err = readFuzzSeed(filepath.Join("testdata", "fuzz", "FuzzELF", "gcc-static-pie"))
	if err != nil {
		t.Fatal(err)
	}
	return l.Bytes, elfImg
}

// TestDamageReported checks that damage that costs an image its
// functions, or that arithmetic on its fields used to wrap around, is
// reported rather than silently accepted.
func TestDamageReported(t *testing.T) {
	pe, elfImg := damagedSeeds(t)
	le := binary.LittleEndian
	parse := func(p []byte) *Binary {
		t.Helper()
		b, err := Parse(context.Background(), bytes.NewReader(p), int64(len(p)))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	t.Run("PE truncated", func(t *testing.T) {
		for _, n := range []int{len(pe) / 3, 0x400} {
			if b := parse(pe[:n]); b.Degraded == "" {
				t.Errorf("cut to %#x bytes: not degraded; %d functions, warnings %v", n, len(b.Functions), b.Warnings)
			}
		}
	})
	t.Run("PE without data directories", func(t *testing.T) {
		p := bytes.Clone(pe)
		opt := int(le.Uint32(p[0x3C:])) + 24
		le.PutUint32(p[opt+108:], 0) // NumberOfRvaAndSizes
		if b := parse(p); b.Degraded == "" {
			t.Errorf("not degraded with %d functions, warnings %v", len(b.Functions), b.Warnings)
		}
	})
	f, err := elf.NewFile(bytes.NewReader(elfImg))
	if err != nil {
		t.Fatal(err)
	}
	shoff := int(le.Uint64(elfImg[0x28:]))
	secIndex := func(name string) int {
		for i, s := range f.Sections {
			if s.Name == name {
				return i
			}
		}
		t.Fatalf("no section %s", name)
		return 0
	}
	t.Run("ELF section at the top of the address space", func(t *testing.T) {
		p := bytes.Clone(elfImg)
		h := shoff + 64*secIndex(".data")
		le.PutUint64(p[h+16:], ^uint64(0)-0xfff) // sh_addr
		le.PutUint64(p[h+32:], 0x2000)           // sh_size: addr+size wraps
		b := parse(p)
		for _, s := range b.Sections {
			if s.Name == ".data" {
				t.Errorf(".data accepted at RVA %#x", s.RVA)
			}
		}
		if !slices.ContainsFunc(b.Warnings, func(w Warning) bool { return strings.Contains(w.Msg, "section .data") }) {
			t.Errorf("no warning about .data: %v", b.Warnings)
		}
	})
	t.Run("ELF without symbols, .eh_frame unusable", func(t *testing.T) {
		p := bytes.Clone(elfImg)
		le.PutUint32(p[shoff+64*secIndex(".symtab")+4:], 0xdd02)
		le.PutUint32(p[f.Section(".eh_frame").Offset:], 0xfffffff0) // the first entry's length
		if b := parse(p); b.Degraded == "" {
			t.Errorf("not degraded: %d functions, warnings %v", len(b.Functions), b.Warnings)
		}
	})
	t.Run("ELF symbol table mistyped", func(t *testing.T) {
		p := bytes.Clone(elfImg)
		h := shoff + 64*secIndex(".symtab")
		le.PutUint32(p[h+4:], 0xdd02) // sh_type
		if b := parse(p); len(b.Warnings) == 0 {
			t.Errorf("%d functions, no warning", len(b.Functions))
		}
	})
}

// TestScoreMatchesSimilarity checks the threshold-bounded score the
// passes use against the exact similarity on every pair of functions of
// generated image pairs: equal when the similarity reaches the threshold,
// below the threshold otherwise.
func TestScoreMatchesSimilarity(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		seed := rapid.Uint64().Draw(t, "seed")
		threshold := rapid.SampledFrom([]float64{0.3, 0.5, 0.7, 0.9, 0.95}).Draw(t, "threshold")
		p := difftest.RandomPair(seed, difftest.Config{MaxFuncs: 16, MaxBody: 40}, 4, difftest.Mutations...)
		var bins [2]*Binary
		for i, im := range []*difftest.Image{p.Old, p.New} {
			l, err := im.Build()
			if err != nil {
				t.Fatal(err)
			}
			if bins[i], err = Parse(context.Background(), bytes.NewReader(l.Bytes), int64(len(l.Bytes))); err != nil {
				t.Fatal(err)
			}
		}
		m := newMatcher(context.Background(), bins[0], bins[1], Options{Threshold: threshold, Workers: 1})
		for oi := range bins[0].Functions {
			for ni := range bins[1].Functions {
				exact, score := m.similarity(oi, ni), m.score(oi, ni)
				if exact >= threshold && score != exact || exact < threshold && score >= threshold {
					t.Fatalf("pair (%d,%d): similarity %v, score %v at threshold %v", oi, ni, exact, score, threshold)
				}
			}
		}
	})
}
