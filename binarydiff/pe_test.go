package binarydiff

import (
	"bytes"
	"context"
	"debug/pe"
	"encoding/binary"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

func fxBytes(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile(fxBuild(t, fxV1))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func parseRaw(raw []byte) (*Binary, error) {
	return Parse(context.Background(), bytes.NewReader(raw), int64(len(raw)))
}

func TestParseGoProgram(t *testing.T) {
	b := fxOpen(t, fxV1)
	if b.Format != FormatPE || b.Arch != ArchAMD64 || b.ImageBase == 0 || b.Entry == 0 {
		t.Fatalf("header: %v %v %#x %#x", b.Format, b.Arch, b.ImageBase, b.Entry)
	}
	if len(b.Warnings) != 0 {
		t.Errorf("warnings: %v", b.Warnings)
	}
	names := map[string]int{}
	for i, f := range b.Functions {
		names[f.Name]++
		if f.Size == 0 {
			t.Errorf("%s at %#x: empty", f.Name, f.RVA)
		}
		if i > 0 && b.Functions[i-1].RVA+b.Functions[i-1].Size > f.RVA {
			t.Errorf("%s at %#x overlaps its predecessor", f.Name, f.RVA)
		}
		if s := b.Section(f.RVA); s == nil || s.Flags&SectionExec == 0 {
			t.Errorf("%s at %#x: not in code", f.Name, f.RVA)
		}
	}
	for _, n := range []string{"main.main", "main.check", "main.compute", "runtime.mallocgc"} {
		if names[n] == 0 {
			t.Errorf("%s not found", n)
		}
	}
	if b.FunctionAt(b.Entry) < 0 {
		t.Errorf("entry %#x in no function", b.Entry)
	}
}

func TestParseUnsupported(t *testing.T) {
	for name, raw := range map[string][]byte{
		"elf-aarch64": elfHeader(183), // EM_AARCH64: ELF is read for x86-64 only
		"macho":       {0xcf, 0xfa, 0xed, 0xfe, 0, 0, 0, 0},
	} {
		if _, err := parseRaw(raw); !errors.Is(err, ErrUnsupportedFormat) {
			t.Errorf("%s: %v, want ErrUnsupportedFormat", name, err)
		}
	}
	// The fixture with its machine changed to ARMNT (32-bit Arm, not read)
	// and to i386 (read, but only in a PE32 image: this one is PE32+).
	for _, machine := range []uint16{0x1c4, pe.IMAGE_FILE_MACHINE_I386} {
		raw := fxBytes(t)
		lfanew := binary.LittleEndian.Uint32(raw[0x3c:])
		binary.LittleEndian.PutUint16(raw[lfanew+4:], machine)
		if _, err := parseRaw(raw); !errors.Is(err, ErrUnsupportedFormat) {
			t.Errorf("machine %#x: %v, want ErrUnsupportedFormat", machine, err)
		}
	}
}

// elfHeader returns a 64-byte ELF64 little-endian executable header for
// machine, without sections or segments.
func elfHeader(machine uint16) []byte {
	h := make([]byte, 64)
	copy(h, "\x7fELF\x02\x01\x01")
	binary.LittleEndian.PutUint16(h[16:], 2) // ET_EXEC
	binary.LittleEndian.PutUint16(h[18:], machine)
	binary.LittleEndian.PutUint32(h[20:], 1) // EV_CURRENT
	binary.LittleEndian.PutUint16(h[52:], 64)
	return h
}

// TestParseTruncated cuts the image at many lengths: every cut gives an
// error or a Binary, never a panic.
func TestParseTruncated(t *testing.T) {
	raw := fxBytes(t)
	var formatErrors int
	for _, n := range []int{0, 1, 2, 0x3c, 0x40, 0x80, 0x100, 0x200, 0x400, 0x1000, len(raw) / 3, len(raw) / 2, len(raw) - 1} {
		_, err := parseRaw(raw[:n])
		var fe *FormatError
		if errors.As(err, &fe) {
			formatErrors++
		}
	}
	if formatErrors == 0 {
		t.Error("no truncation gave a FormatError")
	}
}

// TestParseOverlapBehindEmptySection: an empty section between two
// overlapping ones must not hide the overlap.
func TestParseOverlapBehindEmptySection(t *testing.T) {
	raw := fxBytes(t)
	lfanew := int(binary.LittleEndian.Uint32(raw[0x3c:]))
	if binary.LittleEndian.Uint16(raw[lfanew+6:]) < 3 {
		t.Skip("fixture has fewer than 3 sections")
	}
	sh := lfanew + 4 + sizeofFileHeader + int(binary.LittleEndian.Uint16(raw[lfanew+4+16:]))
	hdr := func(i, field int) []byte { return raw[sh+i*sizeofSectionHeader+field:] }
	r0 := binary.LittleEndian.Uint32(hdr(0, 12))
	binary.LittleEndian.PutUint32(hdr(1, 8), 0)      // VirtualSize and
	binary.LittleEndian.PutUint32(hdr(1, 16), 0)     // SizeOfRawData: empty
	binary.LittleEndian.PutUint32(hdr(1, 12), r0+8)  // between
	binary.LittleEndian.PutUint32(hdr(2, 8), 8)      // small,
	binary.LittleEndian.PutUint32(hdr(2, 12), r0+16) // inside section 0
	var fe *FormatError
	if _, err := parseRaw(raw); !errors.As(err, &fe) || !strings.Contains(fe.Msg, "overlap") {
		t.Errorf("got %v, want an overlap FormatError", err)
	}
}

// TestParseHostileHeaders sets header fields to absurd values.
func TestParseHostileHeaders(t *testing.T) {
	base := fxBytes(t)
	lfanew := int(binary.LittleEndian.Uint32(base[0x3c:]))
	opt := lfanew + 4 + sizeofFileHeader
	nsec := int(binary.LittleEndian.Uint16(base[lfanew+6:]))
	optSize := int(binary.LittleEndian.Uint16(base[lfanew+4+16:]))
	sh := opt + optSize
	dir := func(i int) int { return opt + 112 + 8*i }
	cases := map[string]func(raw []byte){
		"e_lfanew past end":     func(raw []byte) { binary.LittleEndian.PutUint32(raw[0x3c:], 0xfffffff0) },
		"65535 sections":        func(raw []byte) { binary.LittleEndian.PutUint16(raw[lfanew+6:], 0xffff) },
		"optional header 0":     func(raw []byte) { binary.LittleEndian.PutUint16(raw[lfanew+4+16:], 0) },
		"4G symbols":            func(raw []byte) { binary.LittleEndian.PutUint32(raw[lfanew+4+12:], 0xffffffff) },
		"section data past end": func(raw []byte) { binary.LittleEndian.PutUint32(raw[sh+20:], 0x7fffffff) },
		"section 4G virtual":    func(raw []byte) { binary.LittleEndian.PutUint32(raw[sh+8:], 0xffffffff) },
		"pdata 4G": func(raw []byte) {
			binary.LittleEndian.PutUint32(raw[dir(pe.IMAGE_DIRECTORY_ENTRY_EXCEPTION)+4:], 0xfffffff0)
		},
		"reloc 4G": func(raw []byte) {
			binary.LittleEndian.PutUint32(raw[dir(pe.IMAGE_DIRECTORY_ENTRY_BASERELOC)+4:], 0xfffffff0)
		},
		"imports 4G": func(raw []byte) {
			binary.LittleEndian.PutUint32(raw[dir(pe.IMAGE_DIRECTORY_ENTRY_IMPORT)+4:], 0xfffffff0)
		},
		"sections overlap": func(raw []byte) {
			if nsec > 1 {
				copy(raw[sh+sizeofSectionHeader+12:sh+sizeofSectionHeader+16], raw[sh+12:sh+16])
			}
		},
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			raw := bytes.Clone(base)
			mutate(raw)
			b, err := parseRaw(raw)
			if err == nil && b == nil {
				t.Fatal("nil Binary without error")
			}
		})
	}
}

// TestParsePdataChains builds pdata tables by hand: overlapping entries,
// a chain to a missing parent and a cycle produce warnings, and chained
// entries become fragments.
func TestParsePdataChains(t *testing.T) {
	b := &Binary{Sections: []Section{{Name: ".text", RVA: 0x1000, Size: 0x1000, FileSize: 0x1000, Flags: SectionExec}}}
	rfs := []runtimeFunction{
		{0x1000, 0x1010, 0}, // primary
		{0x1020, 0x1030, 0}, // fragment of 0x1000
		{0x1028, 0x1040, 0}, // overlaps the previous: skipped
		{0x1100, 0x1110, 0}, // cycle with 0x1200
		{0x1200, 0x1210, 0},
	}
	parents := map[uint32]uint32{0x1020: 0x1000, 0x1100: 0x1200, 0x1200: 0x1100}
	pf := &peFile{b: b}
	d := newDiscovery(b)
	pf.addRuntimeFunctions(d, rfs, func(rf runtimeFunction) (uint32, bool) {
		p, ok := parents[rf.BeginAddress]
		return p, ok
	})
	sized, _ := d.split()
	cands := map[uint32]candidate{}
	for _, c := range sized {
		cands[c.rva] = c
	}
	if c, ok := cands[0x1000]; !ok || c.frags == 0 || !slices.Equal(d.fragLists[c.frags-1], []Range{{0x1020, 0x10}}) {
		t.Errorf("0x1000: %+v, fragments %v", c, d.fragLists)
	}
	if _, ok := cands[0x1020]; ok {
		t.Error("fragment became a function")
	}
	if _, ok := cands[0x1028]; ok {
		t.Error("overlapping entry became a function")
	}
	if _, ok := cands[0x1100]; !ok {
		t.Error("cyclic entry 0x1100 dropped")
	}
	if _, ok := cands[0x1200]; !ok {
		t.Error("cyclic entry 0x1200 dropped")
	}
	if b.finishWarnings(); len(b.Warnings) < 3 {
		t.Errorf("warnings: %v", b.Warnings)
	}
}
