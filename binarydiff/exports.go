package binarydiff

import (
	"debug/pe"
	"encoding/binary"
	"iter"
)

// peExportTables are the tables of an export directory
// (IMAGE_EXPORT_DIRECTORY), read whole once their untrusted counts are
// bounded by the file size.
type peExportTables struct {
	dir   dataDirectory // forwarder strings lie inside it
	base  uint32        // ordinal base
	funcs []byte        // export address table: 4 bytes an entry
	names []byte        // name pointer table: 4 bytes an entry; nil when unreadable
	ords  []byte        // ordinal table: 2 bytes an entry, one per name
}

// exportTables reads the export tables of im, or returns nil (with a
// warning when the directory is present but unreadable).
func (im *peImage) exportTables(warn func(format string, args ...any)) *peExportTables {
	raw := im.dir(pe.IMAGE_DIRECTORY_ENTRY_EXPORT, "export", warn)
	if len(raw) < 40 {
		return nil
	}
	le := binary.LittleEndian
	numFuncs, numNames := le.Uint32(raw[20:]), le.Uint32(raw[24:])
	// Counts are untrusted: each entry takes 4 bytes of the file.
	if limit := im.size / 4; int64(numFuncs) > limit || int64(numNames) > limit {
		warn("export directory: %d functions, %d names exceed the file size; ignored", numFuncs, numNames)
		return nil
	}
	funcs, err := im.rvaBytes(le.Uint32(raw[28:]), 4*numFuncs)
	if err != nil {
		warn("export address table: %v; ignored", err)
		return nil
	}
	t := &peExportTables{dir: im.dirs[pe.IMAGE_DIRECTORY_ENTRY_EXPORT], base: le.Uint32(raw[16:]), funcs: funcs}
	names, err1 := im.rvaBytes(le.Uint32(raw[32:]), 4*numNames)
	ords, err2 := im.rvaBytes(le.Uint32(raw[36:]), 2*numNames)
	if err1 != nil || err2 != nil {
		warn("export name tables unreadable; exports kept unnamed")
		return t
	}
	t.names, t.ords = names, ords
	return t
}

// exports iterates over the exports of im: first one per name of the
// name pointer table, in its order (an address exported under several
// names comes once per name), then one per address table entry that no
// name named, in ordinal order. Unused (zero) entries, addresses outside
// every section, names that are unreadable or point past the address
// table, and names read before (a name pointer repeated) are skipped;
// problems are passed to warn. Names are read within im's walk budget.
// A crafted table of millions of entries then yields what the image can
// hold: distinct names, addresses inside it.
func (im *peImage) exports(warn func(format string, args ...any)) iter.Seq[Export] {
	return func(yield func(Export) bool) {
		t := im.exportTables(warn)
		if t == nil {
			return
		}
		n := uint32(len(t.funcs) / 4)
		named := make([]bool, n)  // bounded with the address table by the file size
		seen := map[uint32]bool{} // name pointers read, one per distinct name
		var outside, repeated int
		defer func() {
			if outside > 0 {
				warn("export table: %d entries point outside the image; skipped", outside)
			}
			if repeated > 0 {
				warn("export table: %d names repeat an earlier name pointer; skipped", repeated)
			}
		}()
		for i := 0; 2*i < len(t.ords); i++ {
			ord := uint32(binary.LittleEndian.Uint16(t.ords[2*i:]))
			if ord >= n {
				continue
			}
			if !im.spend() {
				warn("export names exceed the walk budget; the rest kept unnamed")
				break
			}
			e, ok := im.export(t, ord)
			if !ok {
				continue
			}
			if e.RVA != 0 && im.section(e.RVA) == nil {
				outside++
				continue
			}
			nameRVA := binary.LittleEndian.Uint32(t.names[4*i:])
			if seen[nameRVA] {
				repeated++
				continue
			}
			if e.Name, ok = im.cString(nameRVA, 512); !ok {
				continue
			}
			seen[nameRVA] = true
			named[ord] = true
			if !yield(e) {
				return
			}
		}
		for ord := range n {
			e, ok := im.export(t, ord)
			if !ok || named[ord] {
				continue
			}
			if e.RVA != 0 && im.section(e.RVA) == nil {
				outside++
				continue
			}
			if !yield(e) {
				return
			}
		}
	}
}

// export returns the unnamed export at index i of the address table, and
// false when the entry is unused. An address inside the export directory
// is a forwarder: the RVA of a "dll.name" string, not of code or data.
func (im *peImage) export(t *peExportTables, i uint32) (Export, bool) {
	rva := binary.LittleEndian.Uint32(t.funcs[4*i:])
	if rva == 0 {
		return Export{}, false
	}
	e := Export{Ordinal: t.base + i, RVA: rva}
	if rva >= t.dir.VirtualAddress && rva-t.dir.VirtualAddress < t.dir.Size {
		e.Forwarder, _ = im.cString(rva, 512)
		e.RVA = 0
	}
	return e, true
}

// exports names functions after their exports and adds exported
// addresses that no pdata entry covers. Forwarders name code in another
// image and are skipped.
//
// Only addresses in code become functions, at most maxFunctions: an
// address table can name every byte of the code.
func (pf *peFile) exports(d *discovery) {
	limit := pf.maxFunctions()
	added := map[uint32]bool{}
	for e := range pf.im.exports(pf.warnf) {
		s := pf.b.Section(e.RVA)
		if e.RVA == 0 || s == nil || s.Flags&SectionExec == 0 || added[e.RVA] {
			continue
		}
		if len(added) >= limit {
			pf.warnf("export table: more than %d code addresses, one per %d bytes of code; the rest ignored", limit, bytesPerFunc)
			break
		}
		added[e.RVA] = true
		d.add(e.RVA, 0, SourceExport, e.Name)
	}
}
