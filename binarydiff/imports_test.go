package binarydiff

import (
	"debug/pe"
	"encoding/binary"
	"maps"
	"slices"
	"testing"
)

// peWithImports returns a minimal PE image for machine (PE32+ when plus)
// with one .rdata section at RVA 0x1000 importing ExitProcess by name and
// ordinal 5 from "KERNEL32.dll", upper case as MSVC's import libraries
// record it. The import address table is at 0x1060.
func peWithImports(machine uint16, plus bool) []byte {
	le := binary.LittleEndian
	raw := make([]byte, 0x400)
	raw[0], raw[1] = 'M', 'Z'
	le.PutUint32(raw[0x3c:], 0x40)
	copy(raw[0x40:], "PE\x00\x00")
	fh := raw[0x44:]
	dirOff, magic, ps := 96, uint16(IMAGE_NT_OPTIONAL_HDR32_MAGIC), 4
	if plus {
		dirOff, magic, ps = 112, IMAGE_NT_OPTIONAL_HDR64_MAGIC, 8
	}
	optSize := dirOff + 16*8
	le.PutUint16(fh[0:], machine)
	le.PutUint16(fh[2:], 1) // one section
	le.PutUint16(fh[16:], uint16(optSize))
	le.PutUint16(fh[18:], 0x22) // executable, large address aware
	opt := raw[0x44+sizeofFileHeader:]
	le.PutUint16(opt[0:], magic)
	if plus {
		le.PutUint64(opt[24:], 0x140000000)
	} else {
		le.PutUint32(opt[28:], 0x400000)
	}
	le.PutUint32(opt[32:], 0x1000) // SectionAlignment
	le.PutUint32(opt[36:], 0x200)  // FileAlignment
	le.PutUint32(opt[56:], 0x2000) // SizeOfImage
	le.PutUint32(opt[60:], 0x200)  // SizeOfHeaders
	le.PutUint32(opt[dirOff-4:], 16)
	le.PutUint32(opt[dirOff+8*pe.IMAGE_DIRECTORY_ENTRY_IMPORT:], 0x1000)
	le.PutUint32(opt[dirOff+8*pe.IMAGE_DIRECTORY_ENTRY_IMPORT+4:], 2*sizeofImportDescriptor)
	sh := opt[optSize:]
	copy(sh, ".rdata")            // not ".idata", which is metadata as a whole
	le.PutUint32(sh[8:], 0x200)   // VirtualSize
	le.PutUint32(sh[12:], 0x1000) // VirtualAddress
	le.PutUint32(sh[16:], 0x200)  // SizeOfRawData
	le.PutUint32(sh[20:], 0x200)  // PointerToRawData
	le.PutUint32(sh[36:], pe.IMAGE_SCN_MEM_READ|pe.IMAGE_SCN_MEM_WRITE|0x40)

	sec := raw[0x200:]             // RVA 0x1000
	le.PutUint32(sec[0:], 0x1040)  // import lookup table
	le.PutUint32(sec[12:], 0x10a0) // DLL name
	le.PutUint32(sec[16:], 0x1060) // import address table
	for _, tab := range []int{0x40, 0x60} {
		if plus {
			le.PutUint64(sec[tab:], 0x1080)
			le.PutUint64(sec[tab+ps:], 1<<63|5)
		} else {
			le.PutUint32(sec[tab:], 0x1080)
			le.PutUint32(sec[tab+ps:], 1<<31|5)
		}
	}
	copy(sec[0x82:], "ExitProcess\x00") // after a zero hint
	copy(sec[0xa0:], "KERNEL32.dll\x00")
	return raw
}

// TestPEImportNamesCanonical checks that every PE reader names imports
// the same way, with the DLL name lower-cased: the x86-64 parser once
// kept its case while the PE32 and Arm64 ones lowered it, so that the
// same import had two names depending on the machine. It also checks
// the import tables and names among the metadata ranges.
func TestPEImportNamesCanonical(t *testing.T) {
	for _, tc := range []struct {
		name    string
		machine uint16
		plus    bool
	}{
		{"amd64", pe.IMAGE_FILE_MACHINE_AMD64, true},
		{"386", pe.IMAGE_FILE_MACHINE_I386, false},
		{"arm64", pe.IMAGE_FILE_MACHINE_ARM64, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := parseRaw(peWithImports(tc.machine, tc.plus))
			if err != nil {
				t.Fatal(err)
			}
			ps := uint32(4)
			if tc.plus {
				ps = 8
			}
			want := map[uint32]string{0x1060: "kernel32.dll!ExitProcess", 0x1060 + ps: "kernel32.dll!#5"}
			if !maps.Equal(b.imports, want) {
				t.Errorf("import slots %v, want %v", b.imports, want)
			}
			f, err := b.Facts()
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{"kernel32.dll!#5", "kernel32.dll!ExitProcess"}; !slices.Equal(f.Imports, want) {
				t.Errorf("facts imports %v, want %v", f.Imports, want)
			}
			for _, rva := range []uint32{0x1040, 0x1040 + 2*ps, 0x1060, 0x1060 + 2*ps, 0x1080, 0x108d, 0x10a0, 0x10ac} {
				if !inRanges(f.Metadata, rva) {
					t.Errorf("%#x not in the metadata ranges %v", rva, f.Metadata)
				}
			}
			for _, rva := range []uint32{0x1040 + 3*ps, 0x1090} { // past a table, between names
				if inRanges(f.Metadata, rva) {
					t.Errorf("%#x in the metadata ranges %v", rva, f.Metadata)
				}
			}
			if len(b.Warnings) != 0 || len(f.Warnings) != 0 {
				t.Errorf("warnings: %v, %v", b.Warnings, f.Warnings)
			}
		})
	}
}
