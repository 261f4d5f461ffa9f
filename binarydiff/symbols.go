package binarydiff

import (
	"bytes"
	"encoding/binary"
	"strings"
)

const (
	sizeofCOFFSymbol = 18

	// COFF symbol storage classes and the derived type of a function
	// (PE/COFF specification, "COFF Symbol Table"), which debug/pe does
	// not name.
	IMAGE_SYM_CLASS_EXTERNAL = 2 // external symbol: visible to other objects
	IMAGE_SYM_CLASS_STATIC   = 3 // static symbol: local to its object
	IMAGE_SYM_DTYPE_FUNCTION = 2 // derived type: the symbol is a function
)

// readStringTable loads the COFF string table that follows the symbol table.
func (pf *peFile) readStringTable() {
	if pf.symPtr == 0 || pf.numSyms == 0 {
		return
	}
	off := int64(pf.symPtr) + int64(pf.numSyms)*sizeofCOFFSymbol
	hdr, err := pf.im.read(off, 4, "COFF string table size")
	if err != nil {
		pf.warn(int64(pf.symPtr), "COFF symbol table extends past the end of the file; ignored")
		pf.numSyms = 0
		return
	}
	n := int(binary.LittleEndian.Uint32(hdr))
	if n < 4 {
		return
	}
	tab, err := pf.im.read(off, n, "COFF string table")
	if err != nil {
		pf.warn(off, "COFF string table of %d bytes past the end of the file; ignored", n)
		return
	}
	pf.strtab = tab
}

func (pf *peFile) coffString(off uint32) (string, bool) {
	if off < 4 || int64(off) >= int64(len(pf.strtab)) {
		return "", false
	}
	s := pf.strtab[off:]
	if i := bytes.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	return string(s), true
}

// symbols names functions from the COFF symbol table: external and static
// symbols defined in executable sections. Symbols that fall inside a
// pdata function (labels) only name it when they are at its start.
func (pf *peFile) symbols(d *discovery) {
	if pf.numSyms == 0 {
		return
	}
	raw, err := pf.im.read(int64(pf.symPtr), int(pf.numSyms)*sizeofCOFFSymbol, "COFF symbol table")
	if err != nil {
		pf.warn(int64(pf.symPtr), "%v; symbols ignored", err)
		return
	}
	limit := pf.maxFunctions()                   // see addRuntimeFunctions
	d.reserve(min(int(pf.numSyms), limit), true) // at most: many are aux records, labels and data
	added := 0
	for i := 0; i < int(pf.numSyms); i++ {
		e := raw[i*sizeofCOFFSymbol:]
		aux := int(e[17])
		class := e[16]
		secNum := int16(binary.LittleEndian.Uint16(e[12:]))
		value := binary.LittleEndian.Uint32(e[8:])
		typ := binary.LittleEndian.Uint16(e[14:])
		i += aux
		if class != IMAGE_SYM_CLASS_EXTERNAL && class != IMAGE_SYM_CLASS_STATIC {
			continue
		}
		if secNum <= 0 || int(secNum) > len(pf.b.Sections) {
			continue
		}
		s := &pf.b.Sections[secNum-1]
		if s.Flags&SectionExec == 0 || value >= s.Size {
			continue
		}
		// Static symbols with aux records are section definitions, and a
		// static symbol of non-function type is a label.
		if class == IMAGE_SYM_CLASS_STATIC && (aux > 0 || (typ>>4)&0x3 != IMAGE_SYM_DTYPE_FUNCTION && value == 0) {
			continue
		}
		var name string
		if binary.LittleEndian.Uint32(e[0:]) == 0 {
			var ok bool
			if name, ok = pf.coffString(binary.LittleEndian.Uint32(e[4:])); !ok {
				continue
			}
		} else {
			name = strings.TrimRight(string(e[:8]), "\x00")
		}
		if name == "" || strings.HasPrefix(name, ".") {
			continue
		}
		if added == limit {
			pf.warnf("COFF symbol table: more than %d functions, one per %d bytes of code; the rest ignored", limit, bytesPerFunc)
			return
		}
		added++
		d.add(s.RVA+value, 0, SourceSymbol, name)
	}
}
