package binarydiff

import (
	"encoding/binary"
	"strconv"
)

const sizeofImportDescriptor = 20

// importedSymbols maps each import address table slot to "dll!name" (or
// "dll!#ordinal"). Code calls imports through these slots, so a slot's name
// is a stable identity for a RIP-relative operand across versions.
func (pf *peFile) importedSymbols() map[uint32]string {
	raw := pf.dirBytes(IMAGE_DIRECTORY_ENTRY_IMPORT, "import")
	if raw == nil {
		return nil
	}
	m := make(map[uint32]string)
	budget := int(pf.b.size / 8) // thunks are 8 bytes: never read more than the file holds
	for off := 0; off+sizeofImportDescriptor <= len(raw); off += sizeofImportDescriptor {
		e := raw[off:]
		ilt := binary.LittleEndian.Uint32(e[0:])
		nameRVA := binary.LittleEndian.Uint32(e[12:])
		iat := binary.LittleEndian.Uint32(e[16:])
		if ilt == 0 && nameRVA == 0 && iat == 0 {
			break
		}
		dll, ok := pf.cString(nameRVA, 256)
		if !ok {
			pf.warn(-1, "import descriptor %d: unreadable DLL name; skipped", off/sizeofImportDescriptor)
			continue
		}
		if ilt == 0 {
			ilt = iat
		}
		s := pf.b.Section(ilt)
		if s == nil {
			continue
		}
		n := min((s.RVA+s.Size-ilt)/8, uint32(budget))
		thunks, err := pf.rvaBytes(ilt, 8*n)
		if err != nil {
			continue
		}
		for i := uint32(0); i < n; i++ {
			t := binary.LittleEndian.Uint64(thunks[8*i:])
			if t == 0 {
				break
			}
			budget--
			var name string
			if t&(1<<63) != 0 {
				name = dll + "!#" + strconv.Itoa(int(t&0xffff))
			} else if sym, ok := pf.cString(uint32(t)+2, 512); ok {
				name = dll + "!" + sym
			} else {
				continue
			}
			m[iat+8*i] = name
		}
		if budget <= 0 {
			pf.warn(-1, "import thunks exceed the file size; truncated")
			break
		}
	}
	return m
}
