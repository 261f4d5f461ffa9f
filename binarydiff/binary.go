package binarydiff

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strings"

	"github.com/zeebo/xxh3"
)

// Format is the container format of a binary.
type Format uint8

const (
	FormatUnknown Format = iota // not recognized
	FormatPE                    // PE/COFF image: PE32+ for x86-64 and Arm64, PE32 for x86
	FormatELF                   // ELF executable, shared object or relocatable object (x86-64)
)

var formatNames = [...]string{"unknown", "pe", "elf"}

// String implements fmt.Stringer.
func (f Format) String() string { return enumString(formatNames[:], int(f)) }

// MarshalText implements encoding.TextMarshaler.
func (f Format) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (f *Format) UnmarshalText(b []byte) error {
	return enumParse(formatNames[:], "format", b, (*uint8)(f))
}

// Arch is the instruction set of a binary's code.
type Arch uint8

const (
	ArchUnknown Arch = iota // not recognized
	ArchAMD64               // x86-64
	ArchARM64               // Arm64 (AArch64)
	Arch386                 // 32-bit x86
)

var archNames = [...]string{"unknown", "amd64", "arm64", "386"}

// String implements fmt.Stringer.
func (a Arch) String() string { return enumString(archNames[:], int(a)) }

// MarshalText implements encoding.TextMarshaler.
func (a Arch) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (a *Arch) UnmarshalText(b []byte) error { return enumParse(archNames[:], "arch", b, (*uint8)(a)) }

// Source says how a function was discovered. Sources are listed cheapest
// and most reliable first; a function found by several keeps the first.
type Source uint8

const (
	SourcePdata      Source = iota + 1 // exception directory (.pdata RUNTIME_FUNCTION)
	SourceExport                       // export table
	SourceSymbol                       // COFF symbol table
	SourceEntry                        // image entry point
	SourceCallTarget                   // target of a direct call (E8 rel32) from another function
	SourceEHFrame                      // ELF .eh_frame FDE
	SourcePclntab                      // Go pclntab function table
	SourcePointer                      // target of a relocated pointer in data (a function pointer table, a vtable)
)

var sourceNames = [...]string{"", "pdata", "export", "symbol", "entry", "calltarget", "ehframe", "pclntab", "pointer"}

// String implements fmt.Stringer.
func (s Source) String() string { return enumString(sourceNames[:], int(s)) }

// MarshalText implements encoding.TextMarshaler.
func (s Source) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Source) UnmarshalText(b []byte) error {
	return enumParse(sourceNames[:], "source", b, (*uint8)(s))
}

// SectionFlags describe what a section holds and how it is mapped.
type SectionFlags uint8

const (
	SectionExec  SectionFlags = 1 << iota // contains executable code
	SectionWrite                          // writable when loaded
	SectionRead                           // readable when loaded
	SectionBSS                            // uninitialized data only, no file bytes
)

// Section is a loaded section of a binary. For PE images the fields come
// from the IMAGE_SECTION_HEADER.
type Section struct {
	Name     string       `json:"name"`     // section name, with long COFF names resolved
	RVA      uint32       `json:"rva"`      // VirtualAddress: address relative to ImageBase
	Size     uint32       `json:"size"`     // VirtualSize: size when loaded
	Offset   int64        `json:"offset"`   // PointerToRawData: file offset of the section's bytes
	FileSize uint32       `json:"fileSize"` // bytes present in the file, clipped to the file and to Size
	Flags    SectionFlags `json:"flags"`    // derived from the section characteristics
}

// Contains reports whether rva falls inside the loaded section.
func (s *Section) Contains(rva uint32) bool { return rva >= s.RVA && rva-s.RVA < s.Size }

// Range is a half-open address range [RVA, RVA+Size).
type Range struct {
	RVA  uint32 `json:"rva"`
	Size uint32 `json:"size"`
}

// End returns the first RVA after the range.
func (r Range) End() uint32 { return r.RVA + r.Size }

// Function is one function found in a binary. Functions are sorted by RVA
// and do not overlap.
type Function struct {
	RVA       uint32  `json:"rva"`                 // entry point, relative to ImageBase
	Size      uint32  `json:"size"`                // bytes of the main body starting at RVA
	Name      string  `json:"name,omitempty"`      // "" when no export or symbol names it; not unique
	Source    Source  `json:"source"`              // how the function was discovered
	Fragments []Range `json:"fragments,omitempty"` // other ranges of the same function (chained unwind info), sorted
}

// Warning reports a problem in an image that did not stop it from being
// parsed: the affected item was skipped or clipped. A Binary keeps at most
// 16 Warnings of one kind, then one saying how many more there were.
type Warning struct {
	Off int64  `json:"off"` // file offset of the offending structure, -1 if unknown
	Msg string `json:"msg"` // what was wrong and what was done about it
}

// String implements fmt.Stringer.
func (w Warning) String() string {
	if w.Off < 0 {
		return w.Msg
	}
	return fmt.Sprintf("offset %#x: %s", w.Off, w.Msg)
}

// Binary is a parsed executable image: its sections, its functions and
// their fingerprints. A Binary is immutable once returned by Open or Parse
// and safe for concurrent use.
type Binary struct {
	Format    Format     `json:"format"`
	Arch      Arch       `json:"arch"`
	ImageBase uint64     `json:"imageBase"` // preferred load address
	Entry     uint32     `json:"entry"`     // entry point RVA, 0 if none (typical for DLLs without DllMain)
	Sections  []Section  `json:"sections"`  // in header order
	Functions []Function `json:"functions"`
	Warnings  []Warning  `json:"warnings"` // at most a few of each kind, then how many more (see Warning)
	// Degraded says why the image lost most of its functions to damage
	// (its code is mostly missing from the file, or mostly covered by no
	// function); "" when it did not. A diff against a Degraded image
	// reports the functions it lost as Removed or Added.
	Degraded string `json:"degraded,omitempty"`

	r      io.ReaderAt
	size   int64
	closer io.Closer

	relocs rvaIndex // RVAs of absolute addresses fixed up by base relocations
	// relocsInferred says relocs are the words that look like addresses,
	// not relocations (an ELF executable without any, see inferPointers).
	relocsInferred bool
	imports        map[uint32]string // IAT slot RVA → "dll!name" or "dll!#ordinal"
	pe             *peHeaders        // PE headers as parsed, for the image facts
	elf            *elfImage         // ELF headers, layout and dynamic symbols as parsed, for the image facts
	starts         rvaIndex          // function RVAs, for functionStart
	secTags        []uint64          // xxh3 of each section's name (see sectionTag)
	fps            []fingerprint     // one per function
	calls          []int32           // callee indices of all functions, in function order, sliced by fingerprint.callOff/callN
	drefs          []uint32          // data references of all functions, in function order, sliced by fingerprint.drefOff/drefN
	code           isa
	ctx            context.Context // Parse's context while it runs, nil after (see ctxErr)
	wlog           warnLog         // the parse's warnings, moved to Warnings when it ends
}

// ErrUnsupportedFormat is returned (wrapped) for inputs that are not a
// supported executable: PE images for x86-64, x86 and Arm64, and ELF
// x86-64 files (executables, shared objects, relocatable objects) are.
var ErrUnsupportedFormat = errors.New("binarydiff: unsupported binary format")

// FormatError reports a malformed input: what was wrong at which offset.
type FormatError struct {
	Off int64  // file offset of the malformed structure
	Msg string // description of the problem
	Val any    // the offending value, if any
}

// Error implements error.
func (e *FormatError) Error() string {
	msg := "binarydiff: " + e.Msg
	if e.Val != nil {
		msg += fmt.Sprintf(" '%v'", e.Val)
	}
	return msg + fmt.Sprintf(" at offset %#x", e.Off)
}

// Open memory-maps the file at path and parses it (see [Parse]). The
// Binary reads the mapping lazily (and on Linux keeps the file open, to map
// copies of its data sections during Diff); call Close to release both.
//
// The file must not shrink while the Binary is in use: reading a page
// past the new end of a mapped file faults. Parse, [Diff] and [Explain]
// turn such a fault into an error wrapping [ErrFileChanged] instead of
// letting it kill the process; the Binary is then unusable and should be
// closed. Code outside this package that reads a Binary's bytes gets no
// such protection.
//
// Open returns ctx.Err() if ctx is done before parsing finishes.
func Open(ctx context.Context, path string) (*Binary, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m, err := openMapping(path)
	if err != nil {
		return nil, fmt.Errorf("binarydiff: %w", err)
	}
	b, err := Parse(ctx, m, int64(m.Len()))
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	b.closer = m
	return b, nil
}

// Parse parses a binary held by r, which must stay readable for the life of
// the Binary. Parsing reads the headers and metadata, discovers functions
// and fingerprints them with GOMAXPROCS workers. It returns ctx.Err() when
// ctx is done first (checked between stages and discovery rounds).
//
// The format comes from the magic number. PE images: PE32+ for x86-64
// (functions from .pdata, exports, COFF symbols, entry, call targets) and
// for Arm64 (.pdata with packed and .xdata unwind entries), PE32 for x86
// (no .pdata: exports, COFF symbols, entry, call targets). ELF x86-64
// executables, shared objects and relocatable objects: functions from
// .symtab/.dynsym with sizes (duplicate local names qualified by their
// STT_FILE, then an ordinal), .eh_frame FDEs when stripped, entry, call
// targets; a relocatable object is laid out and relocated in memory. In
// every format a Go pclntab, found even in a stripped binary, names and
// sizes the Go functions.
//
// Damage that leaves the rest of the image readable produces [Warning]s;
// when it costs the image most of its functions, [Binary.Degraded] says
// why.
func Parse(ctx context.Context, r io.ReaderAt, size int64) (b *Binary, err error) {
	defer catchFault(debug.SetPanicOnFault(true), &err)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var magic [4]byte
	if _, err := r.ReadAt(magic[:], 0); err != nil {
		return nil, &FormatError{Off: 0, Msg: "file too short for a magic number"}
	}
	switch {
	case magic[0] == 'M' && magic[1] == 'Z':
		b, err = parsePE(ctx, r, size, runtime.GOMAXPROCS(0))
	case string(magic[:]) == "\x7fELF":
		b, err = parseELF(ctx, r, size, runtime.GOMAXPROCS(0))
	default:
		return nil, fmt.Errorf("magic % x: %w", magic, ErrUnsupportedFormat)
	}
	if err != nil {
		return nil, err
	}
	b.ctx = nil
	return b, nil
}

// ctxErr returns the error of the context Parse runs under, so that long
// stages can stop early.
func (b *Binary) ctxErr() error {
	if b.ctx == nil {
		return nil
	}
	return b.ctx.Err()
}

// Close releases the memory mapping (and file) of a Binary returned by
// Open; the Binary must not be used afterwards. It is a no-op for a Binary
// returned by Parse.
func (b *Binary) Close() error {
	if b.closer == nil {
		return nil
	}
	c := b.closer
	b.closer = nil
	return c.Close()
}

// Section returns the section containing rva, or nil.
func (b *Binary) Section(rva uint32) *Section {
	if i := b.sectionIndex(rva); i >= 0 {
		return &b.Sections[i]
	}
	return nil
}

// sectionIndex returns the index of the section containing rva, or -1.
func (b *Binary) sectionIndex(rva uint32) int {
	i := sort.Search(len(b.Sections), func(i int) bool { return b.Sections[i].RVA+b.Sections[i].Size > rva })
	for ; i < len(b.Sections); i++ {
		if b.Sections[i].Contains(rva) {
			return i
		}
		if b.Sections[i].RVA > rva {
			break
		}
	}
	// Section tables are usually sorted; fall back to a scan if this one is not.
	for i := range b.Sections {
		if b.Sections[i].Contains(rva) {
			return i
		}
	}
	return -1
}

// sectionTag returns the xxh3 of section i's name, which normalized
// operands and data pointers name a section by: computed once per image
// by fingerprintAll.
func (b *Binary) sectionTag(i int) uint64 {
	if i < len(b.secTags) {
		return b.secTags[i]
	}
	return xxh3.HashString(b.Sections[i].Name)
}

// FunctionAt returns the index of the function whose main body or fragment
// contains rva, or -1.
func (b *Binary) FunctionAt(rva uint32) int {
	i := sort.Search(len(b.Functions), func(i int) bool { return b.Functions[i].RVA > rva }) - 1
	if i >= 0 && rva-b.Functions[i].RVA < b.Functions[i].Size {
		return i
	}
	return -1
}

// functionStart returns the index of the function starting exactly at rva, or -1.
func (b *Binary) functionStart(rva uint32) int {
	if b.starts.rvas != nil {
		return b.starts.find(rva)
	}
	// Before discovery has finished: Functions are sorted, not indexed.
	i := sort.Search(len(b.Functions), func(i int) bool { return b.Functions[i].RVA >= rva })
	if i < len(b.Functions) && b.Functions[i].RVA == rva {
		return i
	}
	return -1
}

// rvaIndex indexes sorted RVAs (function starts, relocations) by bucket
// of their address: finding one, or the first at or after an address,
// takes constant time, where a binary search costs a cache miss per step.
type rvaIndex struct {
	rvas  []uint32 // sorted
	first []int32  // first[k-base]: index of the first RVA at or after bucket k
	base  uint32   // bucket of the first RVA
	shift uint8    // log2 of a bucket's size (see bucketBits)
}

// build indexes n sorted RVAs given by rva, reusing x's memory.
func (x *rvaIndex) build(n int, rva func(i int) uint32) {
	rvas := slices.Grow(x.rvas[:0], n)[:n]
	for i := range rvas {
		rvas[i] = rva(i)
	}
	x.index(rvas)
}

// index indexes rvas, which must be sorted, in place.
func (x *rvaIndex) index(rvas []uint32) {
	x.rvas = rvas
	if len(rvas) == 0 {
		x.first = x.first[:0]
		return
	}
	// Buckets of 1 KiB cost 4 bytes of table per KiB of the image; the
	// RVAs of a malformed one may be spread over 4 GiB, so the buckets
	// grow until the table is no larger than a few entries per RVA.
	x.shift = bucketBits
	for (rvas[len(rvas)-1]-rvas[0])>>x.shift > uint32(8*len(rvas)+4096) {
		x.shift++
	}
	x.base = rvas[0] >> x.shift
	buckets := int(rvas[len(rvas)-1]>>x.shift-x.base) + 2
	x.first = slices.Grow(x.first[:0], buckets)[:buckets]
	i := 0
	for k := range x.first {
		for i < len(rvas) && rvas[i]>>x.shift-x.base < uint32(k) {
			i++
		}
		x.first[k] = int32(i)
	}
}

// find returns the index of rva, or -1.
func (x *rvaIndex) find(rva uint32) int {
	k := rva>>x.shift - x.base
	if rva>>x.shift < x.base || int(k)+1 >= len(x.first) {
		return -1
	}
	for i := x.first[k]; i < x.first[k+1]; i++ {
		switch {
		case x.rvas[i] == rva:
			return int(i)
		case x.rvas[i] > rva:
			return -1
		}
	}
	return -1
}

// lowerBound returns the index of the first RVA at or after rva.
func (x *rvaIndex) lowerBound(rva uint32) int {
	switch k := rva>>x.shift - x.base; {
	case len(x.first) == 0 || rva>>x.shift < x.base:
		return 0
	case int(k)+1 >= len(x.first):
		return len(x.rvas)
	default: // in its bucket: all of it lies before the next bucket's
		lo, hi := int(x.first[k]), int(x.first[k+1])
		i, _ := slices.BinarySearch(x.rvas[lo:hi], rva)
		return lo + i
	}
}

// bucketBits is the log2 of an rvaIndex bucket's least size in bytes:
// 1 KiB holds one or two function starts of typical code, so that finding
// one is one or two comparisons after the lookup.
const bucketBits = 10

// in returns the RVAs in [lo, hi).
func (x *rvaIndex) in(lo, hi uint32) []uint32 {
	if lo >= hi {
		return nil
	}
	return x.rvas[x.lowerBound(lo):x.lowerBound(hi)]
}

// readRVA reads len(p) bytes at rva. Bytes past the section's file data
// (but inside its virtual size) read as zero.
func (b *Binary) readRVA(p []byte, rva uint32) error {
	s := b.Section(rva)
	if s == nil {
		return fmt.Errorf("rva %#x outside any section", rva)
	}
	off := rva - s.RVA
	if uint64(off)+uint64(len(p)) > uint64(s.Size) {
		return fmt.Errorf("rva %#x+%d crosses the end of section %s", rva, len(p), s.Name)
	}
	n := 0
	if off < s.FileSize {
		n = min(len(p), int(s.FileSize-off))
		if _, err := b.r.ReadAt(p[:n], s.Offset+int64(off)); err != nil && !(errors.Is(err, io.EOF)) {
			return err
		}
	}
	clear(p[n:])
	return nil
}

// viewer is implemented by readers that can lend their bytes without a
// copy: a memory mapping (see mapping.view).
type viewer interface{ view(off, n int64) []byte }

// view returns the n bytes at rva without copying them when b is
// memory-mapped and they all lie in one section's file data, and nil
// otherwise (callers then read a copy with readRVA). The bytes are
// read-only and valid until Close.
func (b *Binary) view(rva, n uint32) []byte {
	v, ok := b.r.(viewer)
	if !ok {
		return nil
	}
	s := b.Section(rva)
	if s == nil || uint64(rva-s.RVA)+uint64(n) > uint64(s.FileSize) {
		return nil
	}
	return v.view(s.Offset+int64(rva-s.RVA), int64(n))
}

// bytesAt returns the n bytes at rva: in place when b is mapped (see
// view), else a copy.
func (b *Binary) bytesAt(rva, n uint32) ([]byte, error) {
	if p := b.view(rva, n); p != nil {
		return p, nil
	}
	p := make([]byte, n)
	if err := b.readRVA(p, rva); err != nil {
		return nil, err
	}
	return p, nil
}

func enumString(names []string, i int) string {
	if i >= 0 && i < len(names) {
		return names[i]
	}
	return fmt.Sprintf("%d", i)
}

func enumParse(names []string, what string, b []byte, dst *uint8) error {
	for i, n := range names {
		if n == string(b) {
			*dst = uint8(i)
			return nil
		}
	}
	return fmt.Errorf("binarydiff: unknown %s %q", what, b)
}

// String implements fmt.Stringer.
func (f SectionFlags) String() string {
	var parts []string
	for i, n := range []string{"exec", "write", "read", "bss"} {
		if f&(1<<i) != 0 {
			parts = append(parts, n)
		}
	}
	return strings.Join(parts, "|")
}
