package binarydiff

import (
	"debug/pe"
	"encoding/binary"
	"io"
	"iter"
	"strconv"
	"strings"
)

const sizeofImportDescriptor = 20

// peImportDLL is one IMAGE_IMPORT_DESCRIPTOR as importDLLs reads it: the
// DLL, its tables and the entries of its import lookup table.
type peImportDLL struct {
	// name is the DLL name lower-cased. Windows resolves DLL names without
	// regard to case, and linkers differ in the case they record
	// ("KERNEL32.dll", "kernel32.dll"): import names are hashed into
	// fingerprints and compared between the old and the new image, so they
	// must have one canonical form.
	name    string
	nameRVA uint32
	lookup  uint32    // RVA of the import lookup table (the IAT when the descriptor has none)
	iat     uint32    // RVA of the import address table
	thunks  []peThunk // one per lookup table entry, in order
}

// peThunk is one import lookup table entry.
type peThunk struct {
	byOrdinal bool
	ordinal   uint16 // when byOrdinal
	hint      uint32 // RVA of the hint/name entry, when not byOrdinal
	name      string // the imported name; "" when byOrdinal or unreadable
}

// symbol returns the canonical name of the i-th import of d, "dll!name"
// or "dll!#ordinal", and false when its name is unreadable.
func (d *peImportDLL) symbol(i int) (string, bool) {
	t := &d.thunks[i]
	switch {
	case t.byOrdinal:
		return d.name + "!#" + strconv.Itoa(int(t.ordinal)), true
	case t.name != "":
		return d.name + "!" + t.name, true
	}
	return "", false
}

// importDLLs iterates over the import descriptors of im, reading each
// lookup table a piece at a time within im's walk budget; problems are
// passed to warn and the unreadable descriptors skipped. The yielded
// descriptor and its thunks are reused by the next iteration.
func (im *peImage) importDLLs(warn func(format string, args ...any)) iter.Seq[*peImportDLL] {
	return func(yield func(*peImportDLL) bool) {
		raw := im.dir(pe.IMAGE_DIRECTORY_ENTRY_IMPORT, "import", warn)
		var d peImportDLL
		for off := 0; off+sizeofImportDescriptor <= len(raw); off += sizeofImportDescriptor {
			e := raw[off:]
			d.lookup, d.nameRVA, d.iat = binary.LittleEndian.Uint32(e[0:]), binary.LittleEndian.Uint32(e[12:]), binary.LittleEndian.Uint32(e[16:])
			if d.lookup == 0 && d.nameRVA == 0 && d.iat == 0 {
				return
			}
			name, ok := im.cString(d.nameRVA, 256)
			if !ok {
				warn("import descriptor %d: unreadable DLL name; skipped", off/sizeofImportDescriptor)
				continue
			}
			d.name = strings.ToLower(name)
			if d.lookup == 0 {
				d.lookup = d.iat
			}
			d.thunks = d.thunks[:0]
			im.thunks(d.lookup, func(t uint64) { d.thunks = append(d.thunks, im.thunk(t)) })
			if !yield(&d) {
				return
			}
			if im.budget <= 0 {
				warn("import tables exceed the walk budget; truncated")
				return
			}
		}
	}
}

// thunk decodes a nonzero import lookup table entry.
func (im *peImage) thunk(t uint64) peThunk {
	if t&(1<<(8*im.ptrSize()-1)) != 0 {
		return peThunk{byOrdinal: true, ordinal: uint16(t)}
	}
	if t >= 1<<32 {
		return peThunk{}
	}
	name, _ := im.cString(uint32(t)+2, 512)
	return peThunk{hint: uint32(t), name: name}
}

// importSlots maps each import address table slot to its canonical name
// ("dll!name" or "dll!#ordinal"). Code calls imports through these
// slots, so a slot's name is a stable identity for an operand across
// versions.
func (im *peImage) importSlots(warn func(format string, args ...any)) map[uint32]string {
	var m map[uint32]string
	for d := range im.importDLLs(warn) {
		if m == nil {
			m = make(map[uint32]string)
		}
		for i := range d.thunks {
			if sym, ok := d.symbol(i); ok {
				m[d.iat+uint32(i)*im.ptrSize()] = sym
			}
		}
	}
	return m
}

// thunks calls fn with each nonzero entry of the thunk table at rva, in
// order, reading the table a piece at a time, until the table ends, its
// section ends or the walk budget is spent.
func (im *peImage) thunks(rva uint32, fn func(t uint64)) {
	ps := im.ptrSize()
	const piece = 64
	n := uint32(0)
	for {
		p := im.piece(rva+n*ps, piece*ps)
		for i := uint32(0); (i+1)*ps <= uint32(len(p)); i++ {
			t := im.ptr(p[i*ps:])
			if t == 0 || !im.spend() {
				return
			}
			fn(t)
			n++
		}
		if uint32(len(p)) < piece*ps {
			return
		}
	}
}

// piece returns up to n bytes at rva, stopping at the end of its
// section's file data, as view does, but read into a buffer of the
// image's rather than from a copy of the whole section: thunk tables
// may sit in a large data section.
func (im *peImage) piece(rva, n uint32) []byte {
	s := im.section(rva)
	if s == nil {
		return nil
	}
	off := rva - s.RVA
	if off >= s.FileSize {
		return nil
	}
	n = min(n, s.FileSize-off)
	if uint32(cap(im.pieceBuf)) < n {
		im.pieceBuf = make([]byte, n)
	}
	p := im.pieceBuf[:n]
	k, err := im.r.ReadAt(p, s.Offset+int64(off))
	if err != nil && err != io.EOF {
		p = p[:k]
	}
	return p
}
