package binarydiff

import (
	"bytes"
	"context"
	"debug/pe"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"
)

func TestPclntabHeader(t *testing.T) {
	hdr := func(magic uint32, b4, b5, quantum, ptr byte) []byte {
		p := make([]byte, 16)
		binary.LittleEndian.PutUint32(p, magic)
		p[4], p[5], p[6], p[7] = b4, b5, quantum, ptr
		return p
	}
	for _, tc := range []struct {
		name string
		p    []byte
		ptr  int
		want bool
	}{
		{"go1.20 amd64", hdr(go120PclntabMagic, 0, 0, 1, 8), 8, true},
		{"go1.18 386", hdr(go118PclntabMagic, 0, 0, 1, 4), 4, true},
		{"go1.16 arm64", hdr(go116PclntabMagic, 0, 0, 4, 8), 8, true},
		{"go1.2 any pointer size", hdr(go12PclntabMagic, 0, 0, 2, 4), 0, true},
		{"pointer size of another arch", hdr(go120PclntabMagic, 0, 0, 1, 4), 8, false},
		// Words seen before the real table in esbuild 0.25.0's .rdata
		// (a Go 1.23 release): the magic followed by a 0x10 or 0x08 byte.
		{"esbuild decoy 0x10", hdr(go118PclntabMagic, 0x10, 0, 0, 0), 8, false},
		{"esbuild decoy 0x08", hdr(go118PclntabMagic, 0x08, 0, 0, 0), 8, false},
		{"quantum 3", hdr(go120PclntabMagic, 0, 0, 3, 8), 8, false},
		{"unknown magic", hdr(0xfffffff2, 0, 0, 1, 8), 8, false},
		{"short", hdr(go120PclntabMagic, 0, 0, 1, 8)[:15], 8, false},
	} {
		if got := pclntabHeader(tc.p, tc.ptr); got != tc.want {
			t.Errorf("%s: pclntabHeader = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// A stripped Go PE image whose .rdata holds, before the real table, more
// words with a pclntab magic than the search tries (as esbuild 0.25.0's
// does: 66 of them; the search once gave up with "pclntab header at
// offset -0x1" and left 602 of its functions undiscovered). Every function
// of the table must still be found and named, without a warning; with the
// real header destroyed the image must say so in a Warning, and with its
// Go build information destroyed as well it is not Go and must not warn.
func TestPclntabDecoys(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go program")
	}
	path := buildGoFor(t, t.TempDir(), "v1", "windows", "amd64", "-s -w")
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := pe.NewFile(bytes.NewReader(orig))
	if err != nil {
		t.Fatal(err)
	}
	rd := f.Section(".rdata")
	if rd == nil {
		t.Fatal("no .rdata")
	}
	tabOff := int(rd.Offset) + bytes.Index(orig[rd.Offset:rd.Offset+rd.Size], []byte{0xf1, 0xff, 0xff, 0xff, 0, 0, 1, 8})
	if tabOff < int(rd.Offset)+8*(2*maxPclntabScan) {
		t.Fatalf("pclntab at %#x: too close to the start of .rdata for the decoys", tabOff)
	}
	parse := func(p []byte) *Binary {
		t.Helper()
		b, err := Parse(context.Background(), bytes.NewReader(p), int64(len(p)))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	want := namedFuncs(parse(orig))
	if want < 1000 {
		t.Fatalf("only %d functions named in the untouched image", want)
	}
	decoyed := bytes.Clone(orig)
	for k := 1; k <= 2*maxPclntabScan; k++ {
		off := tabOff - 8*k
		binary.LittleEndian.PutUint32(decoyed[off:], go118PclntabMagic)
		copy(decoyed[off+4:], []byte{0x10, 0, 0, 0})
	}
	b := parse(decoyed)
	if got := namedFuncs(b); got != want || len(b.Warnings) != 0 {
		t.Errorf("with decoys: %d functions named (want %d), warnings %v", got, want, b.Warnings)
	}

	broken := bytes.Clone(decoyed)
	binary.LittleEndian.PutUint32(broken[tabOff:], 0) // the real magic gone
	b = parse(broken)
	if !hasWarning(b, "Go build information but no pclntab") {
		t.Errorf("pclntab destroyed: warnings %v", b.Warnings)
	}
	bi := bytes.Index(broken, []byte("\xff Go buildinf:"))
	if bi < 0 {
		t.Fatal("no Go build information in the image")
	}
	broken[bi] = 0
	if b = parse(broken); hasWarning(b, "pclntab") {
		t.Errorf("not Go any more, yet warned: %v", b.Warnings)
	}

	damaged := bytes.Clone(orig)
	binary.LittleEndian.PutUint64(damaged[tabOff+8:], 1<<40) // absurd function count
	if b = parse(damaged); !hasWarning(b, "Go pclntab") || hasWarning(b, "offset -0x1") {
		t.Errorf("absurd count: warnings %v, want one giving the table's offset", b.Warnings)
	}
}

func namedFuncs(b *Binary) int {
	n := 0
	for _, f := range b.Functions {
		if f.Name != "" {
			n++
		}
	}
	return n
}

func hasWarning(b *Binary, s string) bool {
	for _, w := range b.Warnings {
		if strings.Contains(w.String(), s) {
			return true
		}
	}
	return false
}

// FuzzFindPclntab searches a pclntab in the read-only data of a two-section
// image whose data is the fuzzed bytes; seeds hold the first 4 KiB of a
// real table (testdata/fuzz/FuzzFindPclntab). Whatever the bytes, the search returns a table that parses
// or an error, without a panic.
func FuzzFindPclntab(f *testing.F) {
	hdr := make([]byte, 96)
	binary.LittleEndian.PutUint32(hdr, go120PclntabMagic)
	hdr[6], hdr[7] = 1, 8
	binary.LittleEndian.PutUint64(hdr[8:], 2)
	f.Add(append(bytes.Repeat([]byte{0xf0, 0xff, 0xff, 0xff, 0x10, 0, 0, 0}, 70), hdr...))
	f.Add(hdr)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		text := bytes.Repeat([]byte{0xc3}, 0x1000)
		img := append(text, data...)
		b := &Binary{
			Format: FormatPE, Arch: ArchAMD64, ImageBase: 0x140000000,
			Sections: []Section{
				{Name: ".text", RVA: 0x1000, Size: 0x1000, Offset: 0, FileSize: 0x1000, Flags: SectionExec | SectionRead},
				{Name: ".rdata", RVA: 0x2000, Size: uint32(len(data)), Offset: 0x1000, FileSize: uint32(len(data)), Flags: SectionRead},
			},
			r: bytes.NewReader(img), size: int64(len(img)),
		}
		p, textAddr, err := findPclntab(b)
		if err != nil {
			var fe *FormatError
			if !errors.Is(err, ErrNoPclntab) && !errors.As(err, &fe) {
				t.Fatalf("error %v is neither ErrNoPclntab nor a *FormatError", err)
			}
			return
		}
		if !pclntabHeader(p, 8) || checkPclntab(p) != nil {
			t.Fatalf("found a table whose header does not check: % x", p[:min(len(p), 16)])
		}
		if funcs, err := ParsePclntab(p, textAddr); err == nil && len(funcs) > len(p)/8 {
			t.Fatalf("%d functions from %d bytes", len(funcs), len(p))
		}
	})
}
