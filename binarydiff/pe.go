package binarydiff

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// PE/COFF constants, named as in the Microsoft PE Format specification
// (https://learn.microsoft.com/en-us/windows/win32/debug/pe-format).
const (
	IMAGE_FILE_MACHINE_I386  = 0x14c
	IMAGE_FILE_MACHINE_AMD64 = 0x8664
	IMAGE_FILE_MACHINE_ARM64 = 0xaa64

	IMAGE_NT_OPTIONAL_HDR32_MAGIC = 0x10b
	IMAGE_NT_OPTIONAL_HDR64_MAGIC = 0x20b

	IMAGE_DIRECTORY_ENTRY_EXPORT    = 0
	IMAGE_DIRECTORY_ENTRY_IMPORT    = 1
	IMAGE_DIRECTORY_ENTRY_EXCEPTION = 3
	IMAGE_DIRECTORY_ENTRY_BASERELOC = 5

	IMAGE_SCN_CNT_CODE               = 0x00000020
	IMAGE_SCN_CNT_UNINITIALIZED_DATA = 0x00000080
	IMAGE_SCN_MEM_EXECUTE            = 0x20000000
	IMAGE_SCN_MEM_READ               = 0x40000000
	IMAGE_SCN_MEM_WRITE              = 0x80000000
)

const (
	sizeofFileHeader     = 20
	sizeofOptionalHeader = 240 // PE32+ with 16 data directories
	sizeofSectionHeader  = 40
)

// dataDirectory is an IMAGE_DATA_DIRECTORY.
type dataDirectory struct {
	VirtualAddress uint32
	Size           uint32
}

// peFile is what parsing the headers yields, before function discovery.
type peFile struct {
	b          *Binary
	dirs       [16]dataDirectory
	symPtr     uint32 // PointerToSymbolTable
	numSyms    uint32 // NumberOfSymbols
	strtab     []byte // COFF string table, nil if absent
	headerSize int64
}

func parsePE(r io.ReaderAt, size int64, workers int) (*Binary, error) {
	b := &Binary{Format: FormatPE, r: r, size: size}
	pf := &peFile{b: b}
	if err := pf.parseHeaders(); err != nil {
		return nil, err
	}
	pf.readStringTable()
	if err := pf.parseSections(); err != nil {
		return nil, err
	}
	b.relocs = pf.baseRelocs(IMAGE_REL_BASED_DIR64)
	b.imports = pf.importedSymbols()
	b.code = amd64{}
	d := newDiscovery(b)
	pf.pdataFunctions(d)
	pf.exports(d)
	pf.symbols(d)
	addGoFuncs(b, d)
	if b.Entry != 0 {
		d.add(b.Entry, 0, SourceEntry, "")
	}
	if err := d.run(workers); err != nil {
		return nil, err
	}
	return b, nil
}

// read reads n bytes at off, failing with a FormatError when they are not
// all in the file. n is always bounded by the caller (constant or file size).
func (pf *peFile) read(off int64, n int, what string) ([]byte, error) {
	if off < 0 || n < 0 || off > pf.b.size || int64(n) > pf.b.size-off {
		return nil, &FormatError{Off: off, Msg: what + " outside the file", Val: n}
	}
	p := make([]byte, n)
	if _, err := pf.b.r.ReadAt(p, off); err != nil && !(err == io.EOF) {
		return nil, &FormatError{Off: off, Msg: "reading " + what + ": " + err.Error()}
	}
	return p, nil
}

func (pf *peFile) warn(off int64, format string, args ...any) {
	pf.b.Warnings = append(pf.b.Warnings, Warning{Off: off, Msg: fmt.Sprintf(format, args...)})
}

func (pf *peFile) parseHeaders() error {
	b := pf.b
	dos, err := pf.read(0, 0x40, "DOS header")
	if err != nil {
		return err
	}
	lfanew := int64(binary.LittleEndian.Uint32(dos[0x3c:]))
	sig, err := pf.read(lfanew, 4+sizeofFileHeader, "PE signature and file header")
	if err != nil {
		return err
	}
	if string(sig[:4]) != "PE\x00\x00" {
		return &FormatError{Off: lfanew, Msg: "invalid PE signature", Val: fmt.Sprintf("% x", sig[:4])}
	}
	fh := sig[4:]
	machine := binary.LittleEndian.Uint16(fh[0:])
	numSections := int(binary.LittleEndian.Uint16(fh[2:]))
	pf.symPtr = binary.LittleEndian.Uint32(fh[8:])
	pf.numSyms = binary.LittleEndian.Uint32(fh[12:])
	optSize := int(binary.LittleEndian.Uint16(fh[16:]))
	switch machine {
	case IMAGE_FILE_MACHINE_AMD64:
		b.Arch = ArchAMD64
	case IMAGE_FILE_MACHINE_ARM64:
		return fmt.Errorf("PE for arm64: %w", ErrUnsupportedFormat)
	case IMAGE_FILE_MACHINE_I386:
		return fmt.Errorf("PE for 386: %w", ErrUnsupportedFormat)
	default:
		return fmt.Errorf("PE machine %#x: %w", machine, ErrUnsupportedFormat)
	}
	optOff := lfanew + 4 + sizeofFileHeader
	if optSize < 2 {
		return &FormatError{Off: optOff, Msg: "optional header too small", Val: optSize}
	}
	magic, err := pf.read(optOff, 2, "optional header magic")
	if err != nil {
		return err
	}
	switch m := binary.LittleEndian.Uint16(magic); m {
	case IMAGE_NT_OPTIONAL_HDR64_MAGIC:
	case IMAGE_NT_OPTIONAL_HDR32_MAGIC:
		return fmt.Errorf("PE32 with AMD64 machine: %w", ErrUnsupportedFormat)
	default:
		return &FormatError{Off: optOff, Msg: "invalid optional header magic", Val: m}
	}
	if optSize < 112 {
		return &FormatError{Off: optOff, Msg: "PE32+ optional header too small", Val: optSize}
	}
	opt, err := pf.read(optOff, min(optSize, sizeofOptionalHeader), "optional header")
	if err != nil {
		return err
	}
	b.Entry = binary.LittleEndian.Uint32(opt[16:])
	b.ImageBase = binary.LittleEndian.Uint64(opt[24:])
	pf.headerSize = int64(binary.LittleEndian.Uint32(opt[60:]))
	ndirs := int(binary.LittleEndian.Uint32(opt[108:]))
	ndirs = min(ndirs, 16, (len(opt)-112)/8)
	for i := 0; i < ndirs; i++ {
		pf.dirs[i] = dataDirectory{
			VirtualAddress: binary.LittleEndian.Uint32(opt[112+8*i:]),
			Size:           binary.LittleEndian.Uint32(opt[116+8*i:]),
		}
	}
	shOff := optOff + int64(optSize)
	sh, err := pf.read(shOff, numSections*sizeofSectionHeader, "section table")
	if err != nil {
		return err
	}
	b.Sections = make([]Section, 0, numSections)
	for i := 0; i < numSections; i++ {
		off := shOff + int64(i*sizeofSectionHeader)
		s := sectionHeader(sh[i*sizeofSectionHeader:], b.size, func(format string, args ...any) { pf.warn(off, format, args...) })
		b.Sections = append(b.Sections, s)
	}
	return nil
}

// sectionHeader decodes one IMAGE_SECTION_HEADER into a Section, clipping
// raw data that lies outside a file of fileSize bytes and a virtual range
// that wraps the address space, with a warning for each.
func sectionHeader(h []byte, fileSize int64, warn func(format string, args ...any)) Section {
	s := Section{
		Name:   strings.TrimRight(string(h[:8]), "\x00"),
		Size:   binary.LittleEndian.Uint32(h[8:]),
		RVA:    binary.LittleEndian.Uint32(h[12:]),
		Offset: int64(binary.LittleEndian.Uint32(h[20:])),
	}
	raw := binary.LittleEndian.Uint32(h[16:])
	ch := binary.LittleEndian.Uint32(h[36:])
	if ch&(IMAGE_SCN_MEM_EXECUTE|IMAGE_SCN_CNT_CODE) != 0 {
		s.Flags |= SectionExec
	}
	if ch&IMAGE_SCN_MEM_WRITE != 0 {
		s.Flags |= SectionWrite
	}
	if ch&IMAGE_SCN_MEM_READ != 0 {
		s.Flags |= SectionRead
	}
	if ch&IMAGE_SCN_CNT_UNINITIALIZED_DATA != 0 {
		s.Flags |= SectionBSS
		raw = 0
	}
	if s.Size == 0 { // some linkers leave VirtualSize zero
		s.Size = raw
	}
	s.FileSize = min(raw, s.Size)
	if s.FileSize > 0 && (s.Offset > fileSize || int64(s.FileSize) > fileSize-s.Offset) {
		warn("section %q: raw data [%#x,+%#x) outside the file of %#x bytes; clipped", s.Name, s.Offset, s.FileSize, fileSize)
		s.FileSize = uint32(max(0, min(int64(s.FileSize), fileSize-s.Offset)))
	}
	if uint64(s.RVA)+uint64(s.Size) > 1<<32 {
		warn("section %q: virtual range wraps the address space; clipped", s.Name)
		s.Size = ^s.RVA
		s.FileSize = min(s.FileSize, s.Size)
	}
	return s
}

// parseSections resolves long section names and checks that sections do not
// overlap in the address space, which the RVA lookups depend on.
func (pf *peFile) parseSections() error {
	b := pf.b
	for i := range b.Sections {
		s := &b.Sections[i]
		if strings.HasPrefix(s.Name, "/") {
			if n, err := strconv.Atoi(s.Name[1:]); err == nil {
				if name, ok := pf.coffString(uint32(n)); ok {
					s.Name = name
				}
			}
		}
	}
	order := make([]int, len(b.Sections))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int { return int(b.Sections[x].RVA) - int(b.Sections[y].RVA) })
	// Compare each section with the previous non-empty one, so that an
	// empty section in between hides no overlap.
	var prev *Section
	for _, i := range order {
		s := &b.Sections[i]
		if s.Size == 0 {
			continue
		}
		if prev != nil && uint64(prev.RVA)+uint64(prev.Size) > uint64(s.RVA) {
			return &FormatError{Off: -1, Msg: fmt.Sprintf("sections %q and %q overlap in memory", prev.Name, s.Name), Val: s.RVA}
		}
		prev = s
	}
	if !slices.IsSortedFunc(b.Sections, func(x, y Section) int { return int(x.RVA) - int(y.RVA) }) {
		pf.warn(-1, "section table not sorted by address")
	}
	return nil
}

// dirBytes reads a data directory's bytes. Directories outside any section
// or the file produce a warning and nil.
func (pf *peFile) dirBytes(entry int, name string) []byte {
	d := pf.dirs[entry]
	if d.VirtualAddress == 0 || d.Size == 0 {
		return nil
	}
	p, err := pf.rvaBytes(d.VirtualAddress, d.Size)
	if err != nil {
		pf.warn(-1, "%s directory: %v; ignored", name, err)
		return nil
	}
	return p
}

// rvaBytes reads n bytes at rva, which must lie in one section. n is capped
// by the section size, itself clipped to the file for the bytes read.
func (pf *peFile) rvaBytes(rva, n uint32) ([]byte, error) {
	s := pf.b.Section(rva)
	if s == nil {
		return nil, fmt.Errorf("rva %#x outside any section", rva)
	}
	if uint64(rva-s.RVA)+uint64(n) > uint64(s.Size) {
		return nil, fmt.Errorf("rva range [%#x,+%#x) crosses the end of section %q", rva, n, s.Name)
	}
	if int64(n) > pf.b.size { // never allocate more than the file holds
		return nil, fmt.Errorf("rva range [%#x,+%#x) larger than the file", rva, n)
	}
	p := make([]byte, n)
	if err := pf.b.readRVA(p, rva); err != nil {
		return nil, err
	}
	return p, nil
}

// cString reads a NUL-terminated string of at most max bytes at rva.
func (pf *peFile) cString(rva uint32, max int) (string, bool) {
	s := pf.b.Section(rva)
	if s == nil {
		return "", false
	}
	n := min(uint32(max), s.RVA+s.Size-rva)
	p := make([]byte, n)
	if pf.b.readRVA(p, rva) != nil {
		return "", false
	}
	if i := slices.Index(p, 0); i >= 0 {
		return string(p[:i]), true
	}
	return "", false
}
