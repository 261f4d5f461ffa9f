package difftest

import (
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
)

// PE/COFF constants, named as in the Microsoft PE format specification
// (https://learn.microsoft.com/en-us/windows/win32/debug/pe-format).
const (
	sectionAlignment = 0x1000
	fileAlignment    = 0x200
	peOffset         = 0x40 // e_lfanew
	sizeOfOptHeader  = 240  // PE32+ with 16 data directories

	imageFileRelocsStripped    = 0x0001
	imageFileExecutableImage   = 0x0002
	imageFileLargeAddressAware = 0x0020
	imageFileDLL               = 0x2000

	imageDllCharHighEntropyVA = 0x0020
	imageDllCharDynamicBase   = 0x0040
	imageDllCharNXCompat      = 0x0100
	imageDllCharTSAware       = 0x8000

	scnCode       = 0x00000020
	scnInitData   = 0x00000040
	scnDiscard    = 0x02000000
	scnExecute    = 0x20000000
	scnRead       = 0x40000000
	scnWrite      = 0x80000000
	relBasedDir64 = 10

	dirExport    = 0
	dirException = 3
	dirBaseReloc = 5
)

func le16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func le32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
func le64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }

func alignUp(v, a uint32) uint32 { return (v + a - 1) &^ (a - 1) }

type section struct {
	name  string
	flags uint32
	data  []byte
	rva   uint32
	vsize uint32
	raw   uint32 // file offset
}

type builder struct {
	im   *Image
	syms map[string]symbol
	fns  []encodedFunc
	out  *Layout

	secs     []*section
	dataOff  []uint32 // offset of each data item inside its section
	dataSec  []*section
	dirs     [16][2]uint32
	absFix   []uint32 // RVAs of absolute pointers
	textBase uint32
}

func (b *builder) build() error {
	im := b.im
	syms, err := im.resolve()
	if err != nil {
		return err
	}
	b.syms = syms
	align := im.FuncAlign
	if align == 0 {
		align = 16
	}
	if align&(align-1) != 0 || align > sectionAlignment {
		return fmt.Errorf("function alignment %d is not a power of two up to %d", align, sectionAlignment)
	}
	entry := im.Funcs[0].Name
	if im.Entry != "" {
		entry = im.Entry
	}
	if s, ok := syms[entry]; !ok || !s.isFunc {
		return fmt.Errorf("entry %q is not a function", entry)
	}
	base := im.ImageBase
	if base == 0 {
		base = 0x140000000
		if im.DLL {
			base = 0x180000000
		}
	}
	if base%0x10000 != 0 {
		return fmt.Errorf("image base %#x is not 64K aligned", base)
	}
	b.out = &Layout{ImageBase: base, funcByName: make(map[string]int, len(im.Funcs))}

	// .text: encode each function, then place it.
	b.fns = make([]encodedFunc, len(im.Funcs))
	text := &section{name: ".text", flags: scnCode | scnExecute | scnRead}
	textSize := im.TextPad
	for i := range im.Funcs {
		f := &im.Funcs[i]
		e, err := encodeFunc(f)
		if err != nil {
			return fmt.Errorf("function %q: %w", f.Name, err)
		}
		for _, x := range e.fix {
			if s, ok := syms[x.target]; !ok {
				return fmt.Errorf("function %q: unknown symbol %q", f.Name, x.target)
			} else if x.call && !s.isFunc {
				return fmt.Errorf("function %q: %q is not a function", f.Name, x.target)
			}
		}
		textSize = alignUp(textSize, align)
		e.rva = textSize // relative to .text until the section is placed
		textSize += uint32(len(e.code))
		b.fns[i] = e
	}
	for _, d := range im.Data {
		for _, p := range d.Ptrs {
			if _, ok := syms[p.Target]; !ok {
				return fmt.Errorf("data %q: unknown symbol %q", d.Name, p.Target)
			}
		}
	}
	text.vsize = textSize
	b.secs = append(b.secs, text)
	b.textBase = sectionAlignment
	text.rva = b.textBase
	for i := range b.fns {
		b.fns[i].rva += text.rva
	}

	// Sections after .text have sizes that do not depend on addresses,
	// so they are placed first and filled once every RVA is known.
	rdata := &section{name: ".rdata", flags: scnInitData | scnRead}
	data := &section{name: ".data", flags: scnInitData | scnRead | scnWrite}
	xdata := rdata
	if im.XData {
		xdata = &section{name: ".xdata", flags: scnInitData | scnRead}
	}
	b.dataOff = make([]uint32, len(im.Data))
	b.dataSec = make([]*section, len(im.Data))
	for i, d := range im.Data {
		s := rdata
		if d.Writable {
			s = data
		}
		align := d.Align
		if align == 0 {
			align = 8
		}
		s.vsize = alignUp(s.vsize, align)
		b.dataOff[i], b.dataSec[i] = s.vsize, s
		s.vsize += uint32(len(d.Bytes))
	}
	for _, s := range []*section{rdata, data} {
		if s.vsize > 0 {
			s.vsize = alignUp(s.vsize, 8) + dataGuard // see dataGuard
		}
	}
	unwindOff := make([]uint32, len(b.fns))
	npdata := 0
	for i := range b.fns {
		e := &b.fns[i]
		if !e.hasPdata {
			continue
		}
		xdata.vsize = alignUp(xdata.vsize, 4)
		unwindOff[i] = xdata.vsize
		xdata.vsize += uint32(len(e.unwindInfo()))
		npdata++
		if e.split > 0 {
			xdata.vsize += 16 // chained UNWIND_INFO: header and RUNTIME_FUNCTION
			npdata++
		}
	}
	var exported []int
	for i, f := range im.Funcs {
		if f.Export {
			exported = append(exported, i)
		}
	}
	dllName := im.DLLName
	if dllName == "" {
		dllName = "difftest.dll"
	}
	var exportOff, exportSize uint32
	if len(exported) > 0 {
		rdata.vsize = alignUp(rdata.vsize, 4)
		exportOff = rdata.vsize
		exportSize = 40 + uint32(len(exported))*10 + uint32(len(dllName)) + 1
		for _, i := range exported {
			exportSize += uint32(len(im.Funcs[i].Name)) + 1
		}
		rdata.vsize += exportSize
	}
	pdata := &section{name: ".pdata", flags: scnInitData | scnRead, vsize: uint32(npdata) * 12}
	for _, s := range []*section{rdata, data, pdata, xdata} {
		if s.vsize > 0 && !slices.Contains(b.secs, s) {
			s.rva = alignUp(b.secs[len(b.secs)-1].rva+b.secs[len(b.secs)-1].vsize, sectionAlignment)
			b.secs = append(b.secs, s)
		}
	}
	for _, s := range b.secs {
		s.data = make([]byte, s.vsize)
	}
	for i := range b.fns {
		e := &b.fns[i]
		copy(text.data[e.rva-text.rva:], e.code)
		e.unwind = xdata.rva + unwindOff[i]
		if e.split > 0 {
			e.unwind2 = e.unwind + uint32(len(e.unwindInfo()))
		}
	}
	fill(text.data, 0xCC, b.fns, text.rva)

	// Ground truth.
	for i, f := range im.Funcs {
		e := &b.fns[i]
		b.out.Funcs = append(b.out.Funcs, Placed{Name: f.Name, RVA: e.rva, Size: uint32(len(e.code))})
		b.out.funcByName[f.Name] = i
	}
	for i, d := range im.Data {
		b.out.Data = append(b.out.Data, Placed{Name: d.Name, RVA: b.dataSec[i].rva + b.dataOff[i], Size: uint32(len(d.Bytes))})
	}
	b.out.Entry = b.out.Funcs[syms[entry].index].RVA

	// Contents.
	for i := range b.fns {
		if err := b.patchFunc(text, i); err != nil {
			return err
		}
	}
	for i, d := range im.Data {
		s := b.dataSec[i]
		dst := s.data[b.dataOff[i]:]
		copy(dst, d.Bytes)
		for _, p := range d.Ptrs {
			rva := b.symRVA(p.Target)
			binary.LittleEndian.PutUint64(dst[p.Offset:], base+uint64(int64(rva)+int64(p.Addend)))
			b.absFix = append(b.absFix, s.rva+b.dataOff[i]+p.Offset)
		}
	}
	pd := pdata.data[:0]
	for i := range b.fns {
		e := &b.fns[i]
		if !e.hasPdata {
			continue
		}
		end := e.rva + uint32(len(e.code))
		copy(xdata.data[e.unwind-xdata.rva:], e.unwindInfo())
		if e.split == 0 {
			pd = le32(le32(le32(pd, e.rva), end), e.unwind)
			continue
		}
		pd = le32(le32(le32(pd, e.rva), e.rva+uint32(e.split)), e.unwind)
		pd = le32(le32(le32(pd, e.rva+uint32(e.split)), end), e.unwind2)
		copy(xdata.data[e.unwind2-xdata.rva:], e.chainInfo())
	}
	if npdata > 0 {
		b.dirs[dirException] = [2]uint32{pdata.rva, pdata.vsize}
	}
	if len(exported) > 0 {
		b.writeExports(rdata, exportOff, exported, dllName)
		b.dirs[dirExport] = [2]uint32{rdata.rva + exportOff, exportSize}
	}
	slices.Sort(b.absFix)
	b.out.Relocs = b.absFix
	if len(b.absFix) > 0 && !im.NoRelocs {
		last := b.secs[len(b.secs)-1]
		reloc := &section{name: ".reloc", flags: scnInitData | scnRead | scnDiscard, data: relocBlocks(b.absFix)}
		reloc.rva = alignUp(last.rva+last.vsize, sectionAlignment)
		reloc.vsize = uint32(len(reloc.data))
		b.secs = append(b.secs, reloc)
		b.dirs[dirBaseReloc] = [2]uint32{reloc.rva, reloc.vsize}
	}
	for _, s := range b.secs {
		b.out.Sections = append(b.out.Sections, Placed{Name: s.name, RVA: s.rva, Size: s.vsize})
	}
	b.out.Bytes = b.write()
	return nil
}

// fill sets the gaps between functions (and the TextPad) to the int3 filler.
func fill(text []byte, filler byte, fns []encodedFunc, base uint32) {
	prev := uint32(0)
	for i := range fns {
		start := fns[i].rva - base
		for j := prev; j < start; j++ {
			text[j] = filler
		}
		prev = start + uint32(len(fns[i].code))
	}
}

func (b *builder) symRVA(name string) uint32 {
	s := b.syms[name]
	if s.isFunc {
		return b.fns[s.index].rva
	}
	return b.dataSec[s.index].rva + b.dataOff[s.index]
}

func (b *builder) patchFunc(text *section, i int) error {
	e := &b.fns[i]
	code := text.data[e.rva-text.rva:]
	for _, x := range e.fix {
		target := int64(b.symRVA(x.target)) + int64(x.addend)
		switch x.kind {
		case fixRel32:
			disp := target - int64(e.rva) - int64(x.end)
			if disp != int64(int32(disp)) {
				return fmt.Errorf("function %q: %q out of rel32 range", b.im.Funcs[i].Name, x.target)
			}
			binary.LittleEndian.PutUint32(code[x.off:], uint32(int32(disp)))
		case fixAbs64:
			binary.LittleEndian.PutUint64(code[x.off:], b.out.ImageBase+uint64(target))
			b.absFix = append(b.absFix, e.rva+uint32(x.off))
		}
	}
	return nil
}

// writeExports fills the export directory at off in s: the directory, the
// export address table in function order, the name pointer table sorted by
// name (the loader binary-searches it), the ordinal table, then the strings.
func (b *builder) writeExports(s *section, off uint32, exported []int, dllName string) {
	n := uint32(len(exported))
	rva := s.rva + off
	eat, enpt, eot := rva+40, rva+40+4*n, rva+40+8*n
	strs := rva + 40 + 10*n
	out := s.data[off:off]
	out = le32(out, 0)    // Characteristics
	out = le32(out, 0)    // TimeDateStamp
	out = le32(out, 0)    // MajorVersion, MinorVersion
	out = le32(out, strs) // Name
	out = le32(out, 1)    // Base
	out = le32(out, n)    // NumberOfFunctions
	out = le32(out, n)    // NumberOfNames
	out = le32(out, eat)
	out = le32(out, enpt)
	out = le32(out, eot)
	for _, i := range exported {
		out = le32(out, b.fns[i].rva)
	}
	byName := make([]int, n) // ordinals sorted by name
	for k := range byName {
		byName[k] = k
	}
	sort.Slice(byName, func(x, y int) bool {
		return b.im.Funcs[exported[byName[x]]].Name < b.im.Funcs[exported[byName[y]]].Name
	})
	nameRVA := make([]uint32, n)
	next := strs + uint32(len(dllName)) + 1
	for k, i := range exported {
		nameRVA[k] = next
		next += uint32(len(b.im.Funcs[i].Name)) + 1
	}
	for _, k := range byName {
		out = le32(out, nameRVA[k])
	}
	for _, k := range byName {
		out = le16(out, uint16(k))
	}
	out = append(append(out, dllName...), 0)
	for _, i := range exported {
		out = append(append(out, b.im.Funcs[i].Name...), 0)
	}
}

// relocBlocks encodes sorted DIR64 fixup RVAs as base relocation blocks,
// one per 4 KiB page, each padded to a 32-bit boundary.
func relocBlocks(rvas []uint32) []byte {
	var out []byte
	for i := 0; i < len(rvas); {
		page := rvas[i] &^ 0xFFF
		j := i
		for j < len(rvas) && rvas[j]&^0xFFF == page {
			j++
		}
		n := j - i
		size := 8 + 2*n
		if n%2 == 1 {
			size += 2
		}
		out = le32(le32(out, page), uint32(size))
		for _, r := range rvas[i:j] {
			out = le16(out, relBasedDir64<<12|uint16(r&0xFFF))
		}
		if n%2 == 1 {
			out = le16(out, 0) // IMAGE_REL_BASED_ABSOLUTE padding
		}
		i = j
	}
	return out
}

// write lays the headers and sections out in the file and appends the COFF
// symbol table.
func (b *builder) write() []byte {
	im := b.im
	headers := uint32(peOffset + 4 + 20 + sizeOfOptHeader + 40*len(b.secs))
	sizeOfHeaders := alignUp(headers, fileAlignment)
	pos := sizeOfHeaders
	var sizeOfCode, sizeOfData uint32
	for _, s := range b.secs {
		s.raw = pos
		raw := alignUp(uint32(len(s.data)), fileAlignment)
		pos += raw
		if s.flags&scnCode != 0 {
			sizeOfCode += raw
		} else {
			sizeOfData += raw
		}
	}
	last := b.secs[len(b.secs)-1]
	sizeOfImage := alignUp(last.rva+last.vsize, sectionAlignment)
	symtab, nsyms := b.symbols()
	symOff := uint32(0)
	if nsyms > 0 {
		symOff = pos
	}

	out := make([]byte, 0, int(pos)+len(symtab))
	// DOS header: only e_magic and e_lfanew matter to a loader.
	out = append(out, 'M', 'Z')
	out = append(out, make([]byte, 0x3C-2)...)
	out = le32(out, peOffset)
	out = append(out, "PE\x00\x00"...)
	chars := uint16(imageFileExecutableImage | imageFileLargeAddressAware)
	if im.DLL {
		chars |= imageFileDLL
	}
	hasRelocs := b.dirs[dirBaseReloc][0] != 0
	if !hasRelocs {
		chars |= imageFileRelocsStripped
	}
	out = le16(out, 0x8664) // IMAGE_FILE_MACHINE_AMD64
	out = le16(out, uint16(len(b.secs)))
	out = le32(out, 0) // TimeDateStamp: builds are reproducible
	out = le32(out, symOff)
	out = le32(out, uint32(nsyms))
	out = le16(out, sizeOfOptHeader)
	out = le16(out, chars)

	out = le16(out, 0x20B) // PE32+
	out = append(out, 14, 0)
	out = le32(out, sizeOfCode)
	out = le32(out, sizeOfData)
	out = le32(out, 0) // SizeOfUninitializedData
	out = le32(out, b.out.Entry)
	out = le32(out, b.textBase)
	out = le64(out, b.out.ImageBase)
	out = le32(out, sectionAlignment)
	out = le32(out, fileAlignment)
	out = le16(le16(out, 6), 0) // OS version
	out = le16(le16(out, 0), 0) // image version
	out = le16(le16(out, 6), 0) // subsystem version
	out = le32(out, 0)          // Win32VersionValue
	out = le32(out, sizeOfImage)
	out = le32(out, sizeOfHeaders)
	checksumAt := len(out)
	out = le32(out, 0)
	out = le16(out, 3) // IMAGE_SUBSYSTEM_WINDOWS_CUI
	dllChars := uint16(imageDllCharNXCompat)
	if hasRelocs {
		dllChars |= imageDllCharDynamicBase | imageDllCharHighEntropyVA
	}
	if !im.DLL {
		dllChars |= imageDllCharTSAware
	}
	out = le16(out, dllChars)
	out = le64(out, 0x100000) // SizeOfStackReserve
	out = le64(out, 0x1000)   // SizeOfStackCommit
	out = le64(out, 0x100000) // SizeOfHeapReserve
	out = le64(out, 0x1000)   // SizeOfHeapCommit
	out = le32(out, 0)        // LoaderFlags
	out = le32(out, 16)       // NumberOfRvaAndSizes
	for _, d := range b.dirs {
		out = le32(le32(out, d[0]), d[1])
	}
	for _, s := range b.secs {
		var name [8]byte
		copy(name[:], s.name)
		out = append(out, name[:]...)
		out = le32(out, s.vsize)
		out = le32(out, s.rva)
		out = le32(out, alignUp(uint32(len(s.data)), fileAlignment))
		out = le32(out, s.raw)
		out = le32(out, 0) // PointerToRelocations
		out = le32(out, 0) // PointerToLinenumbers
		out = le32(out, 0) // NumberOfRelocations, NumberOfLinenumbers
		out = le32(out, s.flags)
	}
	out = out[:sizeOfHeaders]
	for _, s := range b.secs {
		out = append(out, s.data...)
		out = append(out, make([]byte, alignUp(uint32(len(s.data)), fileAlignment)-uint32(len(s.data)))...)
	}
	out = append(out, symtab...)
	binary.LittleEndian.PutUint32(out[checksumAt:], checksum(out, checksumAt))
	return out
}

// symbols returns the COFF symbol table followed by its string table: one
// external symbol per function (type 0x20, "function") and data item.
func (b *builder) symbols() ([]byte, int) {
	if !b.im.Symbols {
		return nil, 0
	}
	secIndex := func(rva uint32) (int16, uint32) {
		for i, s := range b.secs {
			if rva >= s.rva && rva < s.rva+max(s.vsize, 1) {
				return int16(i + 1), rva - s.rva
			}
		}
		return 0, rva
	}
	var tab, strs []byte
	strs = le32(strs, 0) // size, patched below
	add := func(name string, rva uint32, typ uint16) {
		if len(name) <= 8 {
			var n [8]byte
			copy(n[:], name)
			tab = append(tab, n[:]...)
		} else {
			tab = le32(le32(tab, 0), uint32(len(strs)))
			strs = append(append(strs, name...), 0)
		}
		sec, value := secIndex(rva)
		tab = le32(tab, value)
		tab = le16(tab, uint16(sec))
		tab = le16(tab, typ)
		tab = append(tab, 2, 0) // IMAGE_SYM_CLASS_EXTERNAL, no aux records
	}
	for _, p := range b.out.Funcs {
		add(p.Name, p.RVA, 0x20)
	}
	for _, p := range b.out.Data {
		add(p.Name, p.RVA, 0)
	}
	binary.LittleEndian.PutUint32(strs, uint32(len(strs)))
	return append(tab, strs...), len(b.out.Funcs) + len(b.out.Data)
}

// checksum computes the PE image checksum (as ImageHlp's CheckSumMappedFile
// does): a 16-bit one's-complement-style sum of the file with the CheckSum
// field taken as zero, plus the file length.
func checksum(file []byte, at int) uint32 {
	var sum uint64
	for i := 0; i+1 < len(file); i += 2 {
		if i == at || i == at+2 {
			continue
		}
		sum += uint64(binary.LittleEndian.Uint16(file[i:]))
		sum = (sum & 0xFFFF) + (sum >> 16)
	}
	if len(file)%2 == 1 {
		sum += uint64(file[len(file)-1])
		sum = (sum & 0xFFFF) + (sum >> 16)
	}
	sum = (sum & 0xFFFF) + (sum >> 16)
	return uint32(sum) + uint32(len(file))
}
