package binarydiff_test

import (
	"bytes"
	"context"
	"debug/pe"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/patchmodel/patchmodel/binarydiff"
	"github.com/patchmodel/patchmodel/binarydiff/difftest"
)

// bombBase is a small PE image with exports and room for a crafted table
// of tableBytes in its data.
func bombBase(t testing.TB, tableBytes int) *difftest.Layout {
	t.Helper()
	im := &difftest.Image{
		Funcs: []difftest.Func{
			{Name: "main", Export: true, Body: []difftest.Insn{{Op: difftest.Call, Target: "f"}}},
			{Name: "f", Export: true, Body: []difftest.Insn{{Op: difftest.MovImm, Dst: difftest.RAX, Imm: 1}}},
		},
		Data: []difftest.Data{{Name: "table", Bytes: make([]byte, tableBytes)}},
	}
	l, err := im.Build()
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// fileOff returns the file offset of rva in the PE image p.
func fileOff(t testing.TB, p []byte, rva uint32) int {
	t.Helper()
	f, err := pe.NewFile(bytes.NewReader(p))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range f.Sections {
		if rva >= s.VirtualAddress && rva-s.VirtualAddress < s.Size {
			return int(s.Offset + rva - s.VirtualAddress)
		}
	}
	t.Fatalf("rva %#x in no section", rva)
	return 0
}

// dataDir returns the file offset of data directory i of the PE image p.
func dataDir(p []byte, i int) int {
	peOff := int(binary.LittleEndian.Uint32(p[0x3C:]))
	return peOff + 4 + 20 + 112 + 8*i
}

// exportBomb returns a PE image whose export directory claims n entries:
// junk addresses (a quarter of them distinct addresses in the code), and n
// names all pointing at one string.
func exportBomb(t testing.TB, n int) []byte {
	l := bombBase(t, 10*n)
	p := bytes.Clone(l.Bytes)
	table := l.Data[0]
	dir := fileOff(t, p, binary.LittleEndian.Uint32(p[dataDir(p, 0):]))
	le := binary.LittleEndian
	nameRVA := le.Uint32(p[fileOff(t, p, le.Uint32(p[dir+32:])):]) // the first name
	eat, names, ords := table.RVA, table.RVA+uint32(4*n), table.RVA+uint32(8*n)
	off := fileOff(t, p, table.RVA)
	text := l.Sections[0]
	r := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		v := r.Uint32()
		if i%4 == 0 {
			v = text.RVA + uint32(i/4)%text.Size
		}
		le.PutUint32(p[off+4*i:], v)
		le.PutUint32(p[off+4*n+4*i:], nameRVA)
		le.PutUint16(p[off+8*n+2*i:], uint16(i))
	}
	le.PutUint32(p[dir+20:], uint32(n))
	le.PutUint32(p[dir+24:], uint32(n))
	le.PutUint32(p[dir+28:], eat)
	le.PutUint32(p[dir+32:], names)
	le.PutUint32(p[dir+36:], ords)
	return p
}

// pdataBomb returns a PE image whose exception directory holds n tiny
// RUNTIME_FUNCTION entries, all but a few invalid.
func pdataBomb(t testing.TB, n int) []byte {
	l := bombBase(t, 12*n)
	p := bytes.Clone(l.Bytes)
	table := l.Data[0]
	off := fileOff(t, p, table.RVA)
	le := binary.LittleEndian
	// The table's section becomes code, and the entries describe
	// functions of 1 to 3 bytes in it (the table's own bytes).
	f, err := pe.NewFile(bytes.NewReader(p))
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range f.Sections {
		if table.RVA >= s.VirtualAddress && table.RVA-s.VirtualAddress < s.Size {
			h := int(le.Uint32(p[0x3C:])) + 4 + 20 + int(f.FileHeader.SizeOfOptionalHeader) + 40*i
			le.PutUint32(p[h+36:], le.Uint32(p[h+36:])|pe.IMAGE_SCN_MEM_EXECUTE|pe.IMAGE_SCN_CNT_CODE)
		}
	}
	for i := range n {
		b := table.RVA + 4*uint32(i)
		le.PutUint32(p[off+12*i:], b)
		le.PutUint32(p[off+12*i+4:], b+1+uint32(i%3))
		le.PutUint32(p[off+12*i+8:], table.RVA) // junk unwind info
	}
	d := dataDir(p, 3)
	le.PutUint32(p[d:], table.RVA)
	le.PutUint32(p[d+4:], uint32(12*n))
	return p
}

// parseMeasured opens p from a file and returns the Binary and the bytes
// allocated while parsing and assessing it.
func parseMeasured(t *testing.T, p []byte) (*binarydiff.Binary, uint64) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bomb.exe")
	if err := os.WriteFile(path, p, 0o644); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b, err := binarydiff.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	if _, err := b.Facts(); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	return b, after.TotalAlloc - before.TotalAlloc
}

// TestTableBombs parses images whose export and exception tables claim
// a million entries: allocation stays within 4× the file plus 64 MiB,
// and the warnings within a few per kind.
func TestTableBombs(t *testing.T) {
	for _, c := range []struct {
		name string
		p    []byte
	}{
		{"exports", exportBomb(t, 1<<20)},
		{"pdata", pdataBomb(t, 1<<20)},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, alloc := parseMeasured(t, c.p)
			limit := 4*uint64(len(c.p)) + 64<<20
			t.Logf("%d bytes: %d functions, %d warnings, allocated %d MiB (limit %d MiB)", len(c.p), len(b.Functions), len(b.Warnings), alloc>>20, limit>>20)
			if alloc > limit {
				t.Errorf("allocated %d MiB parsing %d bytes", alloc>>20, len(c.p))
			}
			if len(b.Warnings) > 200 {
				t.Errorf("%d warnings", len(b.Warnings))
			}
			if len(b.Warnings) == 0 {
				t.Error("a crafted table parsed without a warning")
			}
		})
	}
}

// TestWriteBombs writes the crafted images at the sizes issue reports
// measured (6.5 M export entries, 1 M pdata entries) into the directory
// BINARYDIFF_BOMB_WRITE names, for measuring patchdiff's peak RSS on
// them (see the README's Limits).
func TestWriteBombs(t *testing.T) {
	dir := os.Getenv("BINARYDIFF_BOMB_WRITE")
	if dir == "" {
		t.Skip("BINARYDIFF_BOMB_WRITE not set")
	}
	for name, p := range map[string][]byte{
		"exports.exe": exportBomb(t, 6_500_000),
		"pdata.exe":   pdataBomb(t, 1_000_000),
		"base.exe":    bombBase(t, 16).Bytes,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
