package binarydiff

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strings"

	"github.com/zeebo/xxh3"
)

// elfSym is one entry of an ELF symbol table: what binarydiff reads of an
// elf.Symbol (the same field names), in 40 bytes instead of 88.
type elfSym struct {
	Name    string
	Value   uint64
	Size    uint64
	Section elf.SectionIndex
	Info    byte
}

// readSymbols reads the symbol table of type typ (SHT_SYMTAB or
// SHT_DYNSYM) the way debug/elf's Symbols and DynamicSymbols do, with the
// same errors, but without their copies: a mapped file's table and
// strings are read in place and their pages given back afterwards, and
// the names kept share one allocation. Only the names named(info) wants
// are read ("" for the others); named nil wants them all.
func readSymbols(r io.ReaderAt, size int64, f *elf.File, typ elf.SectionType, named func(info byte) bool) ([]elfSym, error) {
	sec := f.SectionByType(typ)
	if sec == nil {
		return nil, elf.ErrNoSymbols
	}
	data, done, err := elfSectionBytes(r, size, sec)
	if err != nil {
		return nil, fmt.Errorf("cannot load symbol section: %w", err)
	}
	defer done()
	if len(data) == 0 {
		return nil, elf.ErrNoSymbols
	}
	if len(data)%elf.Sym64Size != 0 {
		return nil, errors.New("length of symbol section is not a multiple of Sym64Size")
	}
	if sec.Link <= 0 || sec.Link >= uint32(len(f.Sections)) {
		return nil, fmt.Errorf("cannot load string table section: %w", errors.New("section has invalid string table link"))
	}
	strs, strDone, err := elfSectionBytes(r, size, f.Sections[sec.Link])
	if err != nil {
		return nil, fmt.Errorf("cannot load string table section: %w", err)
	}
	defer strDone()
	data = data[elf.Sym64Size:] // the first entry is all zeros
	syms := make([]elfSym, len(data)/elf.Sym64Size)
	type span struct{ off, n uint32 } // a name read, in strs
	spans := make([]span, len(syms))
	total := 0
	for i := range syms {
		e := data[i*elf.Sym64Size : (i+1)*elf.Sym64Size]
		syms[i] = elfSym{
			Info:    e[4],
			Section: elf.SectionIndex(binary.LittleEndian.Uint16(e[6:])),
			Value:   binary.LittleEndian.Uint64(e[8:]),
			Size:    binary.LittleEndian.Uint64(e[16:]),
		}
		if named == nil || named(e[4]) {
			if name := cString(strs, binary.LittleEndian.Uint32(e)); len(name) > 0 {
				spans[i], total = span{binary.LittleEndian.Uint32(e), uint32(len(name))}, total+len(name)
			}
		}
	}
	if total > len(strs) {
		// Names read more than once (damage: every symbol can name the
		// longest string): one copy of the table holds them all, where
		// a copy per name would not be bounded by the file.
		all := string(strs)
		for i, sp := range spans {
			syms[i].Name = all[sp.off : sp.off+sp.n]
		}
		return syms, nil
	}
	// The names, in one string: a table of 100,000 symbols would
	// otherwise be 100,000 allocations.
	var arena strings.Builder
	arena.Grow(total)
	for _, sp := range spans {
		arena.Write(strs[sp.off : sp.off+sp.n])
	}
	all, at := arena.String(), uint32(0)
	for i, sp := range spans {
		syms[i].Name, at = all[at:at+sp.n], at+sp.n
	}
	return syms, nil
}

// cString returns the NUL-terminated string at off in a string table, or
// nothing if off is outside it or the string is not terminated (as
// debug/elf reads names).
func cString(tab []byte, off uint32) []byte {
	if uint64(off) >= uint64(len(tab)) {
		return nil
	}
	if n := bytes.IndexByte(tab[off:], 0); n >= 0 {
		return tab[off : int(off)+n]
	}
	return nil
}

// firstAtEachAddress keeps, of the function symbols fs (in the order of
// the symbol tables) at each address, the first of the largest size, and
// returns them sorted by address. It sorts compact keys, not the symbols:
// a table has 100,000 of them.
func firstAtEachAddress(fs []elfFunc) []elfFunc {
	keys := make([]uint64, len(fs)) // address, then place in fs
	for i := range fs {
		keys[i] = uint64(fs[i].rva)<<32 | uint64(i)
	}
	keys = radixSort(keys, 32, 64) // stable: by place within an address
	out := make([]elfFunc, 0, len(fs))
	for k := 0; k < len(keys); {
		best := uint32(keys[k])
		j := k + 1
		for ; j < len(keys) && keys[j]>>32 == keys[k]>>32; j++ {
			if i := uint32(keys[j]); fs[i].size > fs[best].size {
				best = i
			}
		}
		out = append(out, fs[best])
		k = j
	}
	return out
}

// sameNames returns the places in fs of the names found more than once,
// a group per name, each in increasing order. It groups by a hash of the
// names, sorted, rather than by a map from names: a large C++ library has
// 100,000 long ones.
func sameNames(fs []elfFunc) [][]int {
	ib := bits.Len(uint(len(fs)))
	keys := make([]uint64, len(fs)) // hash bits, then place in fs
	for i := range fs {
		keys[i] = xxh3.HashString(fs[i].name)<<ib | uint64(i)
	}
	keys = radixSort(keys, ib, 64) // stable: by place within a hash
	var groups [][]int
	for k := 0; k < len(keys); {
		j := k + 1
		for j < len(keys) && keys[j]>>ib == keys[k]>>ib {
			j++
		}
		if j-k == 1 {
			k = j
			continue
		}
		// Equal hashes: the names are equal but for a rare collision.
		var rest []int
		for _, key := range keys[k:j] {
			rest = append(rest, int(key&(1<<ib-1)))
		}
		for len(rest) > 1 {
			name := fs[rest[0]].name
			var same, other []int
			for _, i := range rest {
				if fs[i].name == name {
					same = append(same, i)
				} else {
					other = append(other, i)
				}
			}
			if len(same) > 1 {
				groups = append(groups, same)
			}
			rest = other
		}
		k = j
	}
	return groups
}

// elfSectionBytes returns the bytes of an ELF section: in place when r is a
// memory mapping and the section is stored whole and uncompressed in the
// file (done then gives its pages back), else read by debug/elf (done does
// nothing).
func elfSectionBytes(r io.ReaderAt, size int64, s *elf.Section) (data []byte, done func(), err error) {
	v, ok := r.(viewer)
	if ok && s.Type != elf.SHT_NOBITS && s.Flags&elf.SHF_COMPRESSED == 0 && within(s.Offset, s.Size, uint64(size)) {
		if p := v.view(int64(s.Offset), int64(s.Size)); p != nil {
			return p, func() {
				if rel, ok := r.(releaser); ok {
					rel.release(int64(s.Offset), int64(s.Size))
				}
			}, nil
		}
	}
	data, err = s.Data()
	return data, func() {}, err
}

// checkVersions returns the error debug/elf's DynamicSymbols returns for
// a damaged GNU version table (.gnu.version_d or .gnu.version_r entries
// of an unknown version, or a definition without a name), nil for
// tables it accepts: the dynamic symbols of such a file are not read.
func checkVersions(f *elf.File) error {
	if f.SectionByType(elf.SHT_GNU_VERSYM) == nil {
		return nil
	}
	// The text of debug/elf's FormatError.
	formatErr := func(off uint64, msg string, val any) error {
		if val != nil {
			msg += fmt.Sprintf(" '%v' ", val)
		}
		return fmt.Errorf("%sin record at byte %#x", msg, off)
	}
	if vd := f.SectionByType(elf.SHT_GNU_VERDEF); vd != nil {
		d, _ := vd.Data()
		for i := 0; i+20 <= len(d); {
			if v := binary.LittleEndian.Uint16(d[i:]); v != 1 {
				return formatErr(vd.Offset+uint64(i), "unexpected dynamic version", v)
			}
			if binary.LittleEndian.Uint16(d[i+6:]) == 0 {
				return formatErr(vd.Offset+uint64(i), "dynamic version has no name", nil)
			}
			next := binary.LittleEndian.Uint32(d[i+16:])
			if next == 0 {
				break
			}
			i += int(next)
		}
	}
	if vn := f.SectionByType(elf.SHT_GNU_VERNEED); vn != nil {
		d, _ := vn.Data()
		for i := 0; i+16 <= len(d); {
			if v := binary.LittleEndian.Uint16(d[i:]); v != 1 {
				return formatErr(vn.Offset+uint64(i), "unexpected dynamic need version", v)
			}
			next := binary.LittleEndian.Uint32(d[i+12:])
			if next == 0 {
				break
			}
			i += int(next)
		}
	}
	return nil
}
