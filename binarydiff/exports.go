package binarydiff

import "encoding/binary"

// exports names functions from the export directory (IMAGE_EXPORT_DIRECTORY)
// and adds exported code addresses that no pdata entry covers. Forwarders
// (RVAs inside the export directory) are skipped.
func (pf *peFile) exports(d *discovery) {
	dir := pf.dirs[IMAGE_DIRECTORY_ENTRY_EXPORT]
	raw := pf.dirBytes(IMAGE_DIRECTORY_ENTRY_EXPORT, "export")
	if len(raw) < 40 {
		return
	}
	numFuncs := binary.LittleEndian.Uint32(raw[20:])
	numNames := binary.LittleEndian.Uint32(raw[24:])
	addrFuncs := binary.LittleEndian.Uint32(raw[28:])
	addrNames := binary.LittleEndian.Uint32(raw[32:])
	addrOrds := binary.LittleEndian.Uint32(raw[36:])
	// Counts are untrusted: each entry takes 4 bytes of the file.
	limit := uint32(pf.b.size / 4)
	if numFuncs > limit || numNames > limit {
		pf.warn(-1, "export directory: %d functions, %d names exceed the file size; ignored", numFuncs, numNames)
		return
	}
	funcs, err := pf.im.rvaBytes(addrFuncs, 4*numFuncs)
	if err != nil {
		pf.warn(-1, "export address table: %v; ignored", err)
		return
	}
	names, err1 := pf.im.rvaBytes(addrNames, 4*numNames)
	ords, err2 := pf.im.rvaBytes(addrOrds, 2*numNames)
	if err1 != nil || err2 != nil {
		names, ords, numNames = nil, nil, 0
		pf.warn(-1, "export name tables unreadable; exports kept unnamed")
	}
	named := make([]bool, numFuncs)
	inDir := func(rva uint32) bool { return rva >= dir.VirtualAddress && rva-dir.VirtualAddress < dir.Size }
	for i := uint32(0); i < numNames; i++ {
		ord := uint32(binary.LittleEndian.Uint16(ords[2*i:]))
		if ord >= numFuncs {
			continue
		}
		rva := binary.LittleEndian.Uint32(funcs[4*ord:])
		if rva == 0 || inDir(rva) {
			continue
		}
		name, ok := pf.im.cString(binary.LittleEndian.Uint32(names[4*i:]), 512)
		if !ok {
			continue
		}
		named[ord] = true
		d.add(rva, 0, SourceExport, name)
	}
	for ord := uint32(0); ord < numFuncs; ord++ {
		rva := binary.LittleEndian.Uint32(funcs[4*ord:])
		if !named[ord] && rva != 0 && !inDir(rva) {
			d.add(rva, 0, SourceExport, "")
		}
	}
}
