package binarydiff

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Machines of hybrid Arm64 images, named as in the Microsoft PE Format
// specification and winnt.h (SDK 10.0.26100.0): debug/pe does not name them.
const (
	IMAGE_FILE_MACHINE_ARM64EC = 0xa641
	IMAGE_FILE_MACHINE_ARM64X  = 0xa64e
)

// peHeaders are what the headers of a PE image of any machine and either
// optional header (PE32 or PE32+) say, as readPEImage reads them once: a
// parsed Binary keeps them, so that its image facts do not read the
// headers again.
type peHeaders struct {
	machine  uint16
	plus     bool // PE32+ (64-bit pointers)
	stamp    uint32
	chars    uint16
	dllChars uint16
	checksum uint32
	entry    uint32
	base     uint64
	symPtr   uint32 // PointerToSymbolTable
	numSyms  uint32 // NumberOfSymbols
	dirs     [16]dataDirectory
}

// peImage is a bounded reader of a PE image through its headers and
// section table: the metadata tables that function discovery (pe.go)
// and the image facts (facts.go) share are read through it.
type peImage struct {
	peHeaders
	r    io.ReaderAt
	size int64
	secs []Section
	// budget bounds the table entries walked in all (imports, exports):
	// descriptors may share tables, so per-table bounds alone would be
	// quadratic.
	budget   int
	cache    [][]byte // file bytes of sections read so far, by index
	last     int      // section of the last view
	pieceBuf []byte   // for piece
}

// newPEImage returns a reader of the image held by r whose headers and
// section table are h and secs (read-only: they may be a Binary's).
func newPEImage(r io.ReaderAt, size int64, h *peHeaders, secs []Section) *peImage {
	return &peImage{peHeaders: *h, r: r, size: size, secs: secs, budget: int(min(size/2, 4*maxImports)) + 1024}
}

// readPEImage reads the headers and section table of a PE image, with
// long section names resolved; warn receives the problems that leave the
// image readable (clipped sections).
func readPEImage(r io.ReaderAt, size int64, warn func(off int64, format string, args ...any)) (*peImage, error) {
	im := newPEImage(r, size, &peHeaders{}, nil)
	dos, err := im.read(0, 0x40, "DOS header")
	if err != nil {
		return nil, err
	}
	if dos[0] != 'M' || dos[1] != 'Z' {
		return nil, fmt.Errorf("magic % x: %w", dos[:2], ErrUnsupportedFormat)
	}
	lfanew := int64(binary.LittleEndian.Uint32(dos[0x3c:]))
	hdr, err := im.read(lfanew, 4+sizeofFileHeader, "PE signature and file header")
	if err != nil {
		return nil, err
	}
	if string(hdr[:4]) != "PE\x00\x00" {
		return nil, &FormatError{Off: lfanew, Msg: "invalid PE signature", Val: fmt.Sprintf("% x", hdr[:4])}
	}
	fh := hdr[4:]
	im.machine = binary.LittleEndian.Uint16(fh[0:])
	nsec := int(binary.LittleEndian.Uint16(fh[2:]))
	im.stamp = binary.LittleEndian.Uint32(fh[4:])
	im.symPtr = binary.LittleEndian.Uint32(fh[8:])
	im.numSyms = binary.LittleEndian.Uint32(fh[12:])
	optSize := int(binary.LittleEndian.Uint16(fh[16:]))
	im.chars = binary.LittleEndian.Uint16(fh[18:])
	optOff := lfanew + 4 + sizeofFileHeader
	if err := im.optionalHeader(optOff, optSize); err != nil {
		return nil, err
	}
	shOff := optOff + int64(optSize)
	sh, err := im.read(shOff, nsec*sizeofSectionHeader, "section table")
	if err != nil {
		return nil, err
	}
	im.secs = make([]Section, 0, nsec)
	for i := 0; i < nsec; i++ {
		off := shOff + int64(i*sizeofSectionHeader)
		s := sectionHeader(sh[i*sizeofSectionHeader:], size, func(format string, args ...any) { warn(off, format, args...) })
		im.secs = append(im.secs, s)
	}
	im.resolveLongNames()
	return im, nil
}

// optionalHeader reads the optional header of optSize bytes at optOff.
func (im *peImage) optionalHeader(optOff int64, optSize int) error {
	opt, err := im.read(optOff, optSize, "optional header")
	if err != nil {
		return err
	}
	if len(opt) < 2 {
		return &FormatError{Off: optOff, Msg: "optional header too small", Val: optSize}
	}
	var dirOff int
	switch m := binary.LittleEndian.Uint16(opt); m {
	case IMAGE_NT_OPTIONAL_HDR64_MAGIC:
		im.plus, dirOff = true, 112
		if len(opt) < dirOff {
			return &FormatError{Off: optOff, Msg: "PE32+ optional header too small", Val: optSize}
		}
		im.base = binary.LittleEndian.Uint64(opt[24:])
	case IMAGE_NT_OPTIONAL_HDR32_MAGIC:
		dirOff = 96
		if len(opt) < dirOff {
			return &FormatError{Off: optOff, Msg: "PE32 optional header too small", Val: optSize}
		}
		im.base = uint64(binary.LittleEndian.Uint32(opt[28:]))
	default:
		return &FormatError{Off: optOff, Msg: "invalid optional header magic", Val: m}
	}
	im.entry = binary.LittleEndian.Uint32(opt[16:])
	im.checksum = binary.LittleEndian.Uint32(opt[64:])
	im.dllChars = binary.LittleEndian.Uint16(opt[70:])
	ndirs := int(binary.LittleEndian.Uint32(opt[dirOff-4:]))
	ndirs = min(ndirs, 16, (len(opt)-dirOff)/8)
	for i := 0; i < ndirs; i++ {
		im.dirs[i] = dataDirectory{
			VirtualAddress: binary.LittleEndian.Uint32(opt[dirOff+8*i:]),
			Size:           binary.LittleEndian.Uint32(opt[dirOff+8*i+4:]),
		}
	}
	return nil
}

// resolveLongNames replaces "/n" section names by their COFF string table
// entry (MinGW names its debug sections that way).
func (im *peImage) resolveLongNames() {
	if im.symPtr == 0 {
		return
	}
	strOff := int64(im.symPtr) + int64(im.numSyms)*sizeofCOFFSymbol
	hdr, err := im.read(strOff, 4, "string table size")
	if err != nil {
		return
	}
	size := int64(binary.LittleEndian.Uint32(hdr))
	if strOff > im.size || size > im.size-strOff {
		return // the table is not all in the file
	}
	// Read each name, not the table: a Go image's table holds every symbol name.
	var buf [64]byte
	for i := range im.secs {
		s := &im.secs[i]
		if !strings.HasPrefix(s.Name, "/") {
			continue
		}
		n, err := strconv.Atoi(s.Name[1:])
		if err != nil || n < 4 || int64(n) >= size {
			continue
		}
		var name []byte
		for off := int64(n); off < size; off += int64(len(buf)) {
			p := buf[:min(int64(len(buf)), size-off)]
			if _, err := im.r.ReadAt(p, strOff+off); err != nil && err != io.EOF {
				return
			}
			if j := bytes.IndexByte(p, 0); j >= 0 {
				s.Name = string(append(name, p[:j]...))
				break
			}
			name = append(name, p...)
		}
	}
}

// dir returns the bytes of data directory i, or nil (with a warning when
// the directory is present but unreadable).
func (im *peImage) dir(i int, name string, warn func(format string, args ...any)) []byte {
	d := im.dirs[i]
	if d.VirtualAddress == 0 || d.Size == 0 {
		return nil
	}
	p, err := im.rvaBytes(d.VirtualAddress, d.Size)
	if err != nil {
		warn("%s directory: %v; ignored", name, err)
		return nil
	}
	return p
}

// spend takes one unit of the walk budget, reporting false when it is gone.
func (im *peImage) spend() bool {
	im.budget--
	return im.budget >= 0
}

// read reads n bytes at off; n is bounded by the file size before any
// allocation. The bytes of a mapped image are not copied: the caller must
// not modify them.
func (im *peImage) read(off int64, n int, what string) ([]byte, error) {
	if off < 0 || n < 0 || off > im.size || int64(n) > im.size-off {
		return nil, &FormatError{Off: off, Msg: what + " outside the file", Val: n}
	}
	if p := im.inPlace(off, n); p != nil {
		return p, nil
	}
	p := make([]byte, n)
	if _, err := im.r.ReadAt(p, off); err != nil && err != io.EOF {
		return nil, &FormatError{Off: off, Msg: "reading " + what + ": " + err.Error()}
	}
	return p, nil
}

func (im *peImage) section(rva uint32) *Section {
	for i := range im.secs {
		if im.secs[i].Contains(rva) {
			return &im.secs[i]
		}
	}
	return nil
}

// rvaBytes reads n bytes at rva inside one section; bytes past the
// section's file data read as zero. n is bounded by the section size and
// the file size. Like read, it lends the bytes of a mapped image.
func (im *peImage) rvaBytes(rva, n uint32) ([]byte, error) {
	s := im.section(rva)
	if s == nil {
		return nil, fmt.Errorf("rva %#x outside any section", rva)
	}
	off := rva - s.RVA
	if uint64(off)+uint64(n) > uint64(s.Size) {
		return nil, fmt.Errorf("rva range [%#x,+%#x) crosses the end of section %q", rva, n, s.Name)
	}
	if int64(n) > im.size {
		return nil, fmt.Errorf("rva range [%#x,+%#x) larger than the file", rva, n)
	}
	if off < s.FileSize && n <= s.FileSize-off {
		if p := im.inPlace(s.Offset+int64(off), int(n)); p != nil {
			return p, nil
		}
	}
	p := make([]byte, n)
	if off < s.FileSize {
		k := min(n, s.FileSize-off)
		if _, err := im.r.ReadAt(p[:k], s.Offset+int64(off)); err != nil && err != io.EOF {
			return nil, err
		}
	}
	return p, nil
}

// inPlace returns the n bytes at off of a mapped image without copying
// them: tables such as .pdata and the base relocations are megabytes in a
// large image, and a copy is that much fresh memory to fault in. It
// returns nil for other readers, or if the bytes are not all in the file.
func (im *peImage) inPlace(off int64, n int) []byte {
	if v, ok := im.r.(viewer); ok && n > 0 {
		return v.view(off, int64(n))
	}
	return nil
}

// view returns up to n bytes at rva, stopping at the end of its section's
// file data, as a slice of the section's bytes: mapped, or read once (no
// copy: the caller must not modify it).
func (im *peImage) view(rva, n uint32) []byte {
	i := im.last
	if i >= len(im.secs) || !im.secs[i].Contains(rva) {
		i = -1
		for k := range im.secs {
			if im.secs[k].Contains(rva) {
				i = k
				break
			}
		}
		if i < 0 {
			return nil
		}
		im.last = i
	}
	if im.cache == nil {
		im.cache = make([][]byte, len(im.secs))
	}
	s := &im.secs[i]
	p := im.cache[i]
	if v, ok := im.r.(viewer); ok && p == nil {
		p = v.view(s.Offset, int64(s.FileSize)) // a mapped image: in place
	}
	if p == nil {
		p = make([]byte, s.FileSize)
		if k, err := im.r.ReadAt(p, s.Offset); err != nil && err != io.EOF {
			p = p[:k]
		}
	}
	im.cache[i] = p
	off := rva - s.RVA
	if off >= uint32(len(p)) {
		return nil
	}
	return p[off:min(uint64(off)+uint64(n), uint64(len(p)))]
}

// upTo reads at most n bytes at rva, stopping at the end of its section.
func (im *peImage) upTo(rva, n uint32) []byte {
	s := im.section(rva)
	if s == nil {
		return nil
	}
	p, _ := im.rvaBytes(rva, min(n, s.RVA+s.Size-rva))
	return p
}

func (im *peImage) cString(rva uint32, max uint32) (string, bool) {
	p := im.view(rva, max)
	if i := slices.Index(p, 0); i >= 0 {
		return string(p[:i]), true
	}
	return "", false
}

func (im *peImage) ptrSize() uint32 {
	if im.plus {
		return 8
	}
	return 4
}

func (im *peImage) ptr(p []byte) uint64 {
	if im.plus {
		return binary.LittleEndian.Uint64(p)
	}
	return uint64(binary.LittleEndian.Uint32(p))
}

// vaToRVA converts a virtual address at the preferred base to an RVA.
func (im *peImage) vaToRVA(va uint64) (uint32, bool) {
	if va < im.base || va-im.base >= 1<<32 {
		return 0, false
	}
	return uint32(va - im.base), true
}
