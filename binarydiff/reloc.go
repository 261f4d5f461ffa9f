package binarydiff

import (
	"encoding/binary"
	"slices"
)

// Base relocation types (IMAGE_REL_BASED_*).
const (
	IMAGE_REL_BASED_ABSOLUTE = 0
	IMAGE_REL_BASED_HIGHLOW  = 3
	IMAGE_REL_BASED_DIR64    = 10
)

// baseRelocs returns the sorted RVAs of the 64-bit absolute addresses the
// loader fixes up (IMAGE_REL_BASED_DIR64 entries of .reloc). Those bytes
// hold addresses, so fingerprints and data diffs replace them by what they
// point to.
func (pf *peFile) baseRelocs() []uint32 {
	raw := pf.dirBytes(IMAGE_DIRECTORY_ENTRY_BASERELOC, "base relocation")
	var out []uint32
	for off := 0; off+8 <= len(raw); {
		page := binary.LittleEndian.Uint32(raw[off:])
		size := int(binary.LittleEndian.Uint32(raw[off+4:]))
		if size < 8 || size > len(raw)-off {
			pf.warn(-1, "base relocation block at +%#x: size %d out of range; rest ignored", off, size)
			break
		}
		for i := off + 8; i+2 <= off+size; i += 2 {
			e := binary.LittleEndian.Uint16(raw[i:])
			switch e >> 12 {
			case IMAGE_REL_BASED_DIR64:
				out = append(out, page+uint32(e&0xfff))
			case IMAGE_REL_BASED_ABSOLUTE, IMAGE_REL_BASED_HIGHLOW:
			}
		}
		off += size
	}
	if !slices.IsSorted(out) {
		slices.Sort(out)
	}
	return slices.Compact(out)
}

// relocsIn returns the relocation RVAs in [lo, hi).
func relocsIn(relocs []uint32, lo, hi uint32) []uint32 {
	i, _ := slices.BinarySearch(relocs, lo)
	j, _ := slices.BinarySearch(relocs, hi)
	return relocs[i:j]
}
