package binarydiff

import (
	"bytes"
	"debug/gosym"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// Go binaries carry their function table in the pclntab, which the
// runtime needs and stripping (-ldflags=-s -w) keeps: it names every Go
// function and gives its extent, whatever the container format. It is
// the .gopclntab section of an ELF file, or runtime.pclntab inside the
// read-only data of a PE image, found by its header: a magic number
// (0xfffffff1 for Go 1.20+, 0xfffffff0 for 1.18-1.19, 0xfffffffa for
// 1.16-1.17, 0xfffffffb for 1.2-1.15), two zero bytes, the instruction
// size quantum (1, 2 or 4) and the pointer size (4 or 8). debug/gosym
// decodes it once the header and the function count have been checked
// against the bytes present.

// Pclntab magic numbers, as in the Go runtime (internal/abi).
const (
	go12PclntabMagic  = 0xfffffffb
	go116PclntabMagic = 0xfffffffa
	go118PclntabMagic = 0xfffffff0
	go120PclntabMagic = 0xfffffff1
	maxPclntabScan    = 64 // candidate headers checked per image
)

// ErrNoPclntab is returned (wrapped) when a binary has no Go pclntab.
var ErrNoPclntab = errors.New("binarydiff: no Go pclntab")

// GoFunc is a function named by a Go pclntab.
type GoFunc struct {
	Entry uint64 // address of the first instruction
	End   uint64 // address after the last one
	Name  string
}

// ParsePclntab decodes a Go pclntab (starting at its header; trailing
// bytes are ignored) for code whose text starts at address text. A
// malformed or truncated table gives a *FormatError, never a panic or an
// allocation larger than data allows.
func ParsePclntab(data []byte, text uint64) (funcs []GoFunc, err error) {
	if err := checkPclntab(data); err != nil {
		return nil, err
	}
	defer func() {
		if p := recover(); p != nil {
			funcs, err = nil, &FormatError{Off: -1, Msg: fmt.Sprintf("pclntab: %v", p)}
		}
	}()
	lt := gosym.NewLineTable(data, text)
	tab, err := gosym.NewTable(nil, lt)
	if err != nil {
		return nil, &FormatError{Off: -1, Msg: "pclntab: " + err.Error()}
	}
	funcs = make([]GoFunc, 0, len(tab.Funcs))
	for _, f := range tab.Funcs {
		if f.End > f.Entry {
			funcs = append(funcs, GoFunc{Entry: f.Entry, End: f.End, Name: f.Name})
		}
	}
	return funcs, nil
}

// checkPclntab validates a pclntab header and bounds its function count
// by the bytes present (every function takes at least 8 bytes of the
// function table), so that gosym allocates nothing absurd.
func checkPclntab(data []byte) error {
	if len(data) < 16 {
		return &FormatError{Off: -1, Msg: "pclntab shorter than its header", Val: len(data)}
	}
	magic := binary.LittleEndian.Uint32(data)
	switch magic {
	case go12PclntabMagic, go116PclntabMagic, go118PclntabMagic, go120PclntabMagic:
	default:
		return &FormatError{Off: -1, Msg: "pclntab magic", Val: fmt.Sprintf("%#x", magic)}
	}
	quantum, ptr := data[6], int(data[7])
	if data[4] != 0 || data[5] != 0 || quantum != 1 && quantum != 2 && quantum != 4 || ptr != 4 && ptr != 8 {
		return &FormatError{Off: -1, Msg: "pclntab header"}
	}
	if len(data) < 8+8*ptr {
		return &FormatError{Off: -1, Msg: "pclntab header truncated", Val: len(data)}
	}
	word := func(i int) uint64 {
		if ptr == 4 {
			return uint64(binary.LittleEndian.Uint32(data[8+4*i:]))
		}
		return binary.LittleEndian.Uint64(data[8+8*i:])
	}
	nfunc := word(0)
	if nfunc == 0 || nfunc > uint64(len(data))/8 {
		return &FormatError{Off: -1, Msg: "pclntab function count exceeds its bytes", Val: nfunc}
	}
	if magic == go118PclntabMagic || magic == go120PclntabMagic {
		// Offsets of funcnametab, cutab, filetab, pctab and functab
		// (header words 3..7) must lie inside the table.
		for i := 3; i <= 7; i++ {
			if word(i) >= uint64(len(data)) {
				return &FormatError{Off: -1, Msg: fmt.Sprintf("pclntab offset %d past its end", i), Val: word(i)}
			}
		}
		if word(7)+(2*nfunc+1)*4 > uint64(len(data)) {
			return &FormatError{Off: -1, Msg: "pclntab function table truncated", Val: nfunc}
		}
	}
	return nil
}

// pclntabHeader reports whether p starts like a pclntab header for
// pointers of ptr bytes (0: either size): a known magic, two zero bytes,
// an instruction size quantum of 1, 2 or 4. Words of read-only data that
// merely hold a magic number fail it.
func pclntabHeader(p []byte, ptr int) bool {
	if len(p) < 16 {
		return false
	}
	switch binary.LittleEndian.Uint32(p) {
	case go12PclntabMagic, go116PclntabMagic, go118PclntabMagic, go120PclntabMagic:
	default:
		return false
	}
	q := p[6]
	return p[4] == 0 && p[5] == 0 && (q == 1 || q == 2 || q == 4) &&
		(p[7] == 4 || p[7] == 8) && (ptr == 0 || int(p[7]) == ptr)
}

// pointerSize is the size of a code address in b, 0 if unknown.
func pointerSize(b *Binary) int {
	switch b.Arch {
	case ArchAMD64, ArchARM64:
		return 8
	case Arch386:
		return 4
	}
	return 0
}

// textStart returns the address of the text a pclntab at data describes:
// for Go 1.18 and later the header's textStart when it lies in code (it
// is 0 in the file of a position-independent executable, where a dynamic
// relocation fills it in), else the start of .text, else of the first
// executable section.
func textStart(b *Binary, data []byte) (uint64, bool) {
	if m := binary.LittleEndian.Uint32(data); m == go118PclntabMagic || m == go120PclntabMagic {
		var t uint64
		if data[7] == 4 {
			t = uint64(binary.LittleEndian.Uint32(data[8+2*4:]))
		} else {
			t = binary.LittleEndian.Uint64(data[8+2*8:])
		}
		if t >= b.ImageBase && t-b.ImageBase < 1<<32 {
			if s := b.Section(uint32(t - b.ImageBase)); s != nil && s.Flags&SectionExec != 0 {
				return t, true
			}
		}
	}
	text := ^uint64(0)
	for _, s := range b.Sections {
		if s.Flags&SectionExec != 0 {
			if s.Name == ".text" {
				return b.ImageBase + uint64(s.RVA), true
			}
			text = min(text, b.ImageBase+uint64(s.RVA))
		}
	}
	return text, text != ^uint64(0)
}

// findPclntab returns the bytes of b's pclntab (from its header to the end
// of its section; in place in a mapped image) and the address of the text
// it describes. It looks in the .gopclntab section (.data.rel.ro.gopclntab
// in a position-independent executable), else for a header in the
// read-only and relocated data (PE .rdata; ELF .data.rel.ro when the
// sections are renamed). ErrNoPclntab means no plausible
// header was seen and the image has no other mark of Go; any other error
// is a Go image whose pclntab does not read.
func findPclntab(b *Binary) ([]byte, uint64, error) {
	if _, ok := textStart(b, []byte{0, 0, 0, 0}); !ok {
		return nil, 0, ErrNoPclntab
	}
	ptr := pointerSize(b)
	for i := range b.Sections {
		if s := &b.Sections[i]; strings.HasSuffix(s.Name, ".gopclntab") { // .data.rel.ro.gopclntab in a PIE
			p, err := b.bytesAt(s.RVA, uint32(min(int64(s.FileSize), b.size)))
			if err != nil {
				return nil, 0, fmt.Errorf("binarydiff: reading .gopclntab: %w", err)
			}
			if err := checkPclntab(p); err != nil {
				return nil, 0, atOffset(err, s.Offset)
			}
			text, _ := textStart(b, p)
			return p, text, nil
		}
	}
	// Elsewhere, look for a header a window at a time: most images have
	// none, and reading every data section whole would cost their size.
	var lastErr error = ErrNoPclntab
	tries := 0
	win := make([]byte, 64<<10)
	for i := range b.Sections {
		s := &b.Sections[i]
		if s.Flags&(SectionExec|SectionBSS) != 0 || s.FileSize < 16 || metadataSection(s.Name) {
			continue
		}
		size := min(int64(s.FileSize), b.size)
		// Windows overlap by 15 bytes, so a header across two is seen whole
		// in the second (candidates start at a multiple of 4 in the first
		// 64 Ki - 15 bytes of a window).
		for base := int64(0); base+16 <= size && tries < maxPclntabScan; base += int64(len(win)) - 15 {
			w := win[:min(int64(len(win)), size-base)]
			if b.readRVA(w, s.RVA+uint32(base)) != nil {
				break
			}
			for off := 0; off+16 <= len(w) && tries < maxPclntabScan; {
				k := bytes.Index(w[off:], []byte{0xff, 0xff, 0xff})
				if k < 0 {
					break
				}
				at := off + k - 1
				off += k + 1
				if at < 0 || (base+int64(at))%4 != 0 || !pclntabHeader(w[at:], ptr) {
					continue
				}
				tries++
				// A candidate: the table runs to the end of the section.
				p, err := b.bytesAt(s.RVA+uint32(base)+uint32(at), uint32(size-base-int64(at)))
				if err != nil {
					continue
				}
				if err := checkPclntab(p); err != nil {
					lastErr = atOffset(err, s.Offset+base+int64(at))
					continue
				}
				text, _ := textStart(b, p)
				return p, text, nil
			}
		}
	}
	if errors.Is(lastErr, ErrNoPclntab) && goBuildInfo(b) {
		return nil, 0, &FormatError{Off: -1, Msg: "Go build information but no pclntab header in the data"}
	}
	return nil, 0, lastErr
}

// atOffset sets the file offset of a *FormatError found in a structure
// at off (its offsets are relative to the structure).
func atOffset(err error, off int64) error {
	var fe *FormatError
	if errors.As(err, &fe) && fe.Off < 0 {
		return &FormatError{Off: off, Msg: fe.Msg, Val: fe.Val}
	}
	return err
}

// goBuildInfo reports whether b carries the Go build information header
// ("\xff Go buildinf:"), which the Go linker puts in the .go.buildinfo
// section of an ELF file and at the start of the data of a PE image.
func goBuildInfo(b *Binary) bool {
	var magic [14]byte
	for _, s := range b.Sections {
		if s.Name != ".go.buildinfo" && s.Name != ".data" || s.FileSize < 14 {
			continue
		}
		if b.readRVA(magic[:], s.RVA) == nil && string(magic[:]) == "\xff Go buildinf:" {
			return true
		}
	}
	return false
}

// addGoFuncs names functions from b's pclntab, if it has one:
// functions already found get their name; Go functions the metadata
// missed are added. A malformed pclntab is a warning. It reports whether
// it found Go functions.
func addGoFuncs(b *Binary, d *discovery) bool {
	data, text, err := findPclntab(b)
	if errors.Is(err, ErrNoPclntab) {
		return false
	}
	var funcs []GoFunc
	if err == nil {
		funcs, err = ParsePclntab(data, text)
	}
	if err != nil {
		b.Warnings = append(b.Warnings, Warning{Off: -1, Msg: fmt.Sprintf("Go pclntab: %v; names not read", err)})
		return false
	}
	d.reserve(len(funcs), true)
	for _, f := range funcs {
		if f.Entry < b.ImageBase || f.End-b.ImageBase > 1<<32 || f.Name == "go:buildid" {
			continue // go:buildid is the build ID string at the start of the text, not code
		}
		rva := uint32(f.Entry - b.ImageBase)
		if s := b.Section(rva); s == nil || s.Flags&SectionExec == 0 {
			continue
		}
		// Only the start and the name: a pclntab extent runs to the next
		// function and so includes the alignment padding, which discovery
		// trims by decoding to the last reachable instruction.
		d.add(rva, 0, SourcePclntab, f.Name)
	}
	return len(funcs) > 0
}
