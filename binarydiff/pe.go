package binarydiff

import (
	"context"
	"debug/pe"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"strings"
)

// PE/COFF constants, named as in the Microsoft PE Format specification
// (https://learn.microsoft.com/en-us/windows/win32/debug/pe-format).
// The package exports only the PE constants that debug/pe lacks; for the
// others (machines, data directory indexes, section flags) use debug/pe's.
// debug/pe reads the optional header's magic into its OptionalHeader32 and
// OptionalHeader64 types without naming the values.
const (
	IMAGE_NT_OPTIONAL_HDR32_MAGIC = 0x10b
	IMAGE_NT_OPTIONAL_HDR64_MAGIC = 0x20b
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

// peFile is what function discovery reads beside the Binary: the data
// directories and the COFF symbol and string tables, through the image
// reader that read the headers.
type peFile struct {
	b       *Binary
	im      *peImage
	symPtr  uint32 // PointerToSymbolTable
	numSyms uint32 // NumberOfSymbols
	strtab  []byte // COFF string table, nil if absent
}

// parsePE parses a PE image: PE32+ for x86-64 or Arm64 (including Arm64X
// hybrid images, whose CHPE metadata the image facts report), PE32 for
// x86.
func parsePE(ctx context.Context, r io.ReaderAt, size int64, workers int) (*Binary, error) {
	var wl warnLog
	im, err := readPEImage(r, size, wl.add)
	if err != nil {
		return nil, err
	}
	b := &Binary{Format: FormatPE, r: r, size: size, ImageBase: im.base, Entry: im.entry, Sections: im.secs, wlog: wl, pe: &im.peHeaders, ctx: ctx}
	if err := setPEArch(b, im); err != nil {
		return nil, err
	}
	pf := &peFile{b: b, im: im, symPtr: im.symPtr, numSyms: im.numSyms}
	pf.readStringTable()
	if err := pf.checkSections(); err != nil {
		return nil, err
	}
	if b.Arch == ArchAMD64 {
		b.relocs.index(pf.baseRelocs(IMAGE_REL_BASED_DIR64))
	} else { // x86 fixes up 32-bit addresses (HIGHLOW)
		b.relocs.index(pf.baseRelocs(IMAGE_REL_BASED_HIGHLOW, IMAGE_REL_BASED_DIR64))
	}
	b.imports = im.importSlots(pf.warnf)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := pf.discover(workers); err != nil {
		return nil, err
	}
	b.finishWarnings()
	return b, nil
}

// discover finds the functions of the image, from its exception
// directory (x86-64, Arm64), exports, COFF symbols, Go pclntab, entry
// point and, but in Go images, the targets of relocated pointers in data,
// then from the call targets of those with workers.
func (pf *peFile) discover(workers int) error {
	b := pf.b
	d := newDiscovery(b)
	switch b.Arch {
	case ArchAMD64:
		pf.pdataFunctions(d)
	case ArchARM64:
		pf.arm64Pdata(d)
	}
	pf.exports(d)
	pf.symbols(d)
	isGo := addGoFuncs(b, d)
	if b.Entry != 0 {
		d.add(b.Entry, 0, SourceEntry, "")
	}
	if !isGo {
		// A Go image's pclntab lists every function; its pointers into
		// code are its switch statements' jump tables, into functions
		// whose ends decoding cannot reach.
		addPointerTargets(b, d)
	}
	return d.run(workers)
}

// addPointerTargets adds the targets of the relocated pointers of b's data
// sections that lie in code and follow int3 padding: functions reached
// only through a table of function pointers or a vtable, which neither
// the exception directory (x64 leaf functions have no unwind record) nor
// any call names. MSVC and clang pad between functions with int3 (CC),
// never inside one; GCC pads both with nops, and MinGW's jump tables hold
// absolute addresses of labels inside functions, so there a target is no
// sign of a function and none is taken. Targets inside a known function
// are dropped when the candidates are admitted.
func addPointerTargets(b *Binary, d *discovery) {
	ps := uint32(8)
	if b.Arch == Arch386 {
		ps = 4
	}
	var sec *Section
	var p []byte
	// The pages read are given back section by section: the data is read
	// again only where the diff needs it (a mapped image's pages count in
	// the resident set).
	rel, _ := b.r.(releaser)
	done := func() {
		if rel != nil && p != nil {
			rel.release(sec.Offset, int64(sec.FileSize))
		}
	}
	defer done()
	for _, r := range b.relocs.rvas {
		if sec == nil || !sec.Contains(r) {
			done()
			if sec, p = b.Section(r), nil; sec == nil {
				continue
			}
			if sec.Flags&SectionExec == 0 && sec.FileSize > 0 {
				p, _ = b.bytesAt(sec.RVA, sec.FileSize)
			}
		}
		if off := r - sec.RVA; p != nil && uint64(off)+uint64(ps) <= uint64(len(p)) {
			v := b.relocatedPointer(r, leUint(p[off:off+ps]))
			if v < b.ImageBase || v-b.ImageBase >= 1<<32 {
				continue
			}
			t := uint32(v - b.ImageBase)
			if ts := b.Section(t); ts != nil && ts.Flags&SectionExec != 0 && t-ts.RVA < ts.FileSize && startsFunction(b, t) {
				d.add(t, 0, SourcePointer, "")
			}
		}
	}
}

// startsFunction reports whether code at rva follows int3 padding.
func startsFunction(b *Binary, rva uint32) bool {
	var c [1]byte
	return rva > 0 && b.readRVA(c[:], rva-1) == nil && c[0] == 0xCC
}

// setPEArch sets b's architecture and instruction set from the machine
// and optional header of im, failing for the images not read.
func setPEArch(b *Binary, im *peImage) error {
	switch {
	case im.machine == pe.IMAGE_FILE_MACHINE_AMD64 && im.plus:
		b.Arch, b.code = ArchAMD64, amd64{}
	case im.machine == pe.IMAGE_FILE_MACHINE_I386 && !im.plus:
		b.Arch, b.code = Arch386, i386{}
	case (im.machine == pe.IMAGE_FILE_MACHINE_ARM64 || im.machine == IMAGE_FILE_MACHINE_ARM64X) && im.plus:
		b.Arch, b.code = ArchARM64, arm64{}
	default:
		return fmt.Errorf("PE machine %#x (PE32+ %v): %w", im.machine, im.plus, ErrUnsupportedFormat)
	}
	return nil
}

func (pf *peFile) warn(off int64, format string, args ...any) {
	pf.b.warnf(off, format, args...)
}

// warnf warns about the image as a whole, at no one file offset.
func (pf *peFile) warnf(format string, args ...any) { pf.warn(-1, format, args...) }

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
	if ch&(pe.IMAGE_SCN_MEM_EXECUTE|pe.IMAGE_SCN_CNT_CODE) != 0 {
		s.Flags |= SectionExec
	}
	if ch&pe.IMAGE_SCN_MEM_WRITE != 0 {
		s.Flags |= SectionWrite
	}
	if ch&pe.IMAGE_SCN_MEM_READ != 0 {
		s.Flags |= SectionRead
	}
	if ch&pe.IMAGE_SCN_CNT_UNINITIALIZED_DATA != 0 {
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

// checkSections checks that sections do not overlap in the address
// space, which the RVA lookups depend on.
func (pf *peFile) checkSections() error {
	b := pf.b
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
	return pf.im.dir(entry, name, pf.warnf)
}
