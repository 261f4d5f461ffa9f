package binarydiff

import (
	"debug/pe"
	"encoding/binary"
	"slices"
)

// Base relocation types (IMAGE_REL_BASED_*), which debug/pe does not name
// (it reads COFF relocations, not the base relocation table).
const (
	IMAGE_REL_BASED_ABSOLUTE = 0
	IMAGE_REL_BASED_HIGHLOW  = 3
	IMAGE_REL_BASED_DIR64    = 10
)

// baseRelocs returns the sorted RVAs of the base relocations of the given
// types (IMAGE_REL_BASED_DIR64 for 64-bit images, HIGHLOW too for 32-bit
// ones) from .reloc. Those bytes hold addresses the loader fixes up, so
// fingerprints and data diffs replace them by what they point to.
func (pf *peFile) baseRelocs(types ...uint16) []uint32 {
	raw := pf.dirBytes(pe.IMAGE_DIRECTORY_ENTRY_BASERELOC, "base relocation")
	return parseBaseRelocs(raw, pf.warnf, types...)
}

// parseBaseRelocs reads the blocks of a base relocation directory. A block
// whose size is out of range ends the walk with a warning.
func parseBaseRelocs(raw []byte, warn func(format string, args ...any), types ...uint16) []uint32 {
	out := prefault(make([]uint32, 0, len(raw)/2)) // at most one per 2-byte entry
	for off := 0; off+8 <= len(raw); {
		page := binary.LittleEndian.Uint32(raw[off:])
		size := int(binary.LittleEndian.Uint32(raw[off+4:]))
		if size < 8 || size > len(raw)-off {
			warn("base relocation block at +%#x: size %d out of range; rest ignored", off, size)
			break
		}
		for i := off + 8; i+2 <= off+size; i += 2 {
			e := binary.LittleEndian.Uint16(raw[i:])
			if slices.Contains(types, e>>12) {
				out = append(out, page+uint32(e&0xfff))
			}
		}
		off += size
	}
	if !slices.IsSorted(out) {
		slices.Sort(out)
	}
	return slices.Compact(out)
}
