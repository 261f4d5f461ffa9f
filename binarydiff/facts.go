package binarydiff

import (
	"debug/pe"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/zeebo/xxh3"
)

// ImageFacts are the facts of an image, beyond its functions, that decide
// whether a change to it can be applied in memory: what the loader and
// the runtime read once at load time (imports, exports, TLS, the entry
// point and initialization routines), the load configuration (CFG, CHPE,
// the hotpatch table) and where loader metadata sits among the data.
type ImageFacts struct {
	Format             Format `json:"format"`
	Machine            uint16 `json:"machine"`            // PE FileHeader.Machine, or ELF e_machine
	TimeDateStamp      uint32 `json:"timeDateStamp"`      // PE FileHeader.TimeDateStamp: with CheckSum, how a hotpatch names its base image
	CheckSum           uint32 `json:"checkSum"`           // PE OptionalHeader.CheckSum
	Characteristics    uint16 `json:"characteristics"`    // PE FileHeader.Characteristics
	DllCharacteristics uint16 `json:"dllCharacteristics"` // PE OptionalHeader.DllCharacteristics
	Entry              uint32 `json:"entry"`              // entry point RVA, 0 if none
	ImageBase          uint64 `json:"imageBase"`

	LoadConfig *LoadConfig   `json:"loadConfig,omitempty"` // nil when the image has no load configuration directory
	HotPatch   *HotPatchInfo `json:"hotPatch,omitempty"`   // non-nil when the image is itself a hotpatch image
	CHPE       CHPE          `json:"chpe"`                 // hybrid (Arm64EC, Arm64X, x86 CHPE) or none

	Exports []Export `json:"exports,omitempty"` // sorted by name, then ordinal
	// Imports are "dll!name" or "dll!#ordinal", the DLL name lower-cased
	// (Windows matches DLL names without regard to case), or for ELF the
	// undefined dynamic symbols; sorted, unique.
	Imports []string `json:"imports,omitempty"`
	TLS     *TLS     `json:"tls,omitempty"` // nil when the image has no TLS directory
	// Init lists the RVAs of routines the loader runs before or beside the
	// entry point: PE TLS callbacks, ELF DT_INIT and .init_array entries.
	Init []uint32 `json:"init,omitempty"`
	// Metadata lists the RVA ranges of loader, unwind and debug metadata
	// inside non-code sections (export, import, resource, exception and
	// debug directories, unwind information, guard tables): they change
	// with the code layout and are not data the program reads. Facts
	// fills it; in the facts of an Assessment it is nil (the assessment
	// reads the ranges only inside the data sections that changed) and
	// the JSON encoding computes it.
	Metadata []Range   `json:"metadata,omitempty"`
	Warnings []Warning `json:"warnings,omitempty"`

	// meta computes the metadata ranges on demand while Metadata is
	// deferred (nil once it is set): the assessment needs them only inside
	// the data sections that changed (see metadataIn).
	meta *factsReader
}

// metadata returns f.Metadata, computing it first if it was deferred.
func (f *ImageFacts) metadata() []Range {
	if f.meta != nil {
		f.Metadata, f.meta = f.meta.metadataIn(0, 1<<32), nil
	}
	return f.Metadata
}

// prepareMetadata reads the parts of the metadata ranges that do not
// depend on a window (directories, import tables, guard tables, whole
// metadata sections), with their warnings, if they were deferred.
func (f *ImageFacts) prepareMetadata() {
	if f.meta != nil {
		f.meta.baseMetadata()
	}
}

// metadataIn returns the metadata ranges that overlap [lo, hi), sorted and
// merged: within the window their union is that of Metadata. While
// Metadata is deferred, only the unwind records that can reach the window
// are read, so that a window over one data section costs a pass over the
// exception directory, not a read of every unwind record.
func (f *ImageFacts) metadataIn(lo, hi uint64) []Range {
	return f.metadataInEach([][2]uint64{{lo, hi}})[0]
}

// metadataInEach returns metadataIn of each window ws[k] = [lo, hi): while
// Metadata is deferred, in one pass over the exception directory for all
// of them.
func (f *ImageFacts) metadataInEach(ws [][2]uint64) [][]Range {
	if f.meta != nil {
		return f.meta.metadataInEach(ws)
	}
	out := make([][]Range, len(ws))
	for k, w := range ws {
		out[k] = overlapping(f.Metadata, w[0], w[1])
	}
	return out
}

// MarshalJSON encodes the facts with their metadata ranges, computed
// first if they were deferred (the facts of an Assessment).
func (f *ImageFacts) MarshalJSON() ([]byte, error) {
	type plain ImageFacts
	p := (*plain)(f)
	if f.meta != nil {
		c := *p
		c.Metadata, c.meta = f.meta.metadataIn(0, 1<<32), nil
		p = &c
	}
	return json.Marshal(p)
}

// overlapping returns the ranges of rs (sorted, merged) that overlap
// [lo, hi).
func overlapping(rs []Range, lo, hi uint64) []Range {
	i := sort.Search(len(rs), func(i int) bool { return uint64(rs[i].RVA)+uint64(rs[i].Size) > lo })
	j := i
	for j < len(rs) && uint64(rs[j].RVA) < hi {
		j++
	}
	return rs[i:j]
}

// IsHotpatch reports whether the image is itself a hotpatch image: its
// load configuration points to an IMAGE_HOT_PATCH_INFO (HotPatchTableOffset
// of winnt.h's IMAGE_LOAD_CONFIG_DIRECTORY).
func (f *ImageFacts) IsHotpatch() bool {
	return f.LoadConfig != nil && f.LoadConfig.HotPatchTableOffset != 0
}

// Export is one name of an export table entry, or an entry exported by
// ordinal only (or an exported ELF dynamic symbol). An entry exported
// under several names is one Export per name: each is a name the loader
// resolves.
type Export struct {
	Name      string `json:"name,omitempty"` // "" for an export by ordinal only
	Ordinal   uint32 `json:"ordinal,omitempty"`
	RVA       uint32 `json:"rva"`                 // 0 for a forwarder
	Forwarder string `json:"forwarder,omitempty"` // "dll.name" of a forwarded export
}

// TLS describes an image's thread-local storage: the template copied into
// every new thread, and the callbacks run at thread and process start.
type TLS struct {
	Template        Range    `json:"template"` // RVA range of the initialized template
	ZeroFill        uint32   `json:"zeroFill"`
	Characteristics uint32   `json:"characteristics"`
	Callbacks       []uint32 `json:"callbacks,omitempty"` // RVAs
	Hash            uint64   `json:"hash"`                // xxh3 of the template bytes
}

// Limits on tables read for the facts; real images stay far below.
const (
	maxTLSCallbacks = 1024
	maxImports      = 1 << 20
	maxDebugEntries = 64
	maxUnwindWalk   = 1 << 22
)

// Facts reads the image facts of b. For a PE image it reads the load
// configuration, exports, imports, TLS and metadata ranges from the
// image's bytes, through the headers and section table the parse read;
// problems that leave the rest readable are Warnings on the returned
// facts.
func (b *Binary) Facts() (*ImageFacts, error) {
	f, err := b.facts()
	if err == nil {
		f.metadata()
	}
	return f, err
}

// facts is Facts with the metadata ranges deferred.
func (b *Binary) facts() (*ImageFacts, error) {
	switch {
	case b.Format == FormatPE:
		return peFacts(newPEImage(b.r, b.size, b.pe, b.Sections)), nil
	case b.Format == FormatELF && b.elf != nil:
		return elfFacts(b), nil
	}
	return nil, fmt.Errorf("facts of a %v image: %w", b.Format, ErrUnsupportedFormat)
}

// ReadPEFacts reads the image facts of a PE image of any machine (PE32 or
// PE32+) held by r.
func ReadPEFacts(r io.ReaderAt, size int64) (*ImageFacts, error) {
	f, err := readPEFacts(r, size)
	if err != nil {
		return nil, err
	}
	f.metadata()
	return f, nil
}

// readPEFacts reads the facts but defers the metadata ranges.
func readPEFacts(r io.ReaderAt, size int64) (*ImageFacts, error) {
	// The parser warns about the headers; facts only need them clipped.
	im, err := readPEImage(r, size, func(int64, string, ...any) {})
	if err != nil {
		return nil, err
	}
	return peFacts(im), nil
}

// peFacts reads the facts of im but defers the metadata ranges.
func peFacts(im *peImage) *ImageFacts {
	f := &ImageFacts{
		Format: FormatPE, Machine: im.machine, TimeDateStamp: im.stamp, CheckSum: im.checksum,
		Characteristics: im.chars, DllCharacteristics: im.dllChars, Entry: im.entry, ImageBase: im.base,
	}
	fr := &factsReader{im: im, f: f}
	fr.loadConfig()
	fr.exports()
	fr.imports()
	fr.tls()
	f.meta = fr
	f.CHPE = chpeKind(im.machine, f.LoadConfig)
	return f
}

type factsReader struct {
	im *peImage
	f  *ImageFacts
	// importRanges are the import tables and names, found by imports:
	// metadata for baseMetadata.
	importRanges []Range
	// base holds the metadata ranges but the unwind records, sorted and
	// merged, once baseDone.
	base     []Range
	baseDone bool
}

// unwindBufs holds the buffers metadataIn reads the exception directory
// through, a piece at a time: an assessment asks a few windows of each
// image, and a buffer each would be most of what it allocates.
var unwindBufs = sync.Pool{New: func() any { return new([unwindBufSize]byte) }}

const unwindBufSize = 4032 // a multiple of both entry sizes

func (fr *factsReader) warn(format string, args ...any) {
	fr.f.Warnings = append(fr.f.Warnings, Warning{Off: -1, Msg: fmt.Sprintf(format, args...)})
}

// dir returns the bytes of data directory i, or nil (with a warning when
// the directory is present but unreadable).
func (fr *factsReader) dir(i int, name string) []byte {
	return fr.im.dir(i, name, fr.warn)
}

func (fr *factsReader) loadConfig() {
	p := fr.dir(pe.IMAGE_DIRECTORY_ENTRY_LOAD_CONFIG, "load config")
	if p == nil {
		return
	}
	// Some linkers record 64 or 0x40 as the directory size; the structure's
	// own Size field is authoritative (bounded by its section).
	if len(p) >= 4 {
		if n := binary.LittleEndian.Uint32(p); n > uint32(len(p)) {
			p = fr.im.upTo(fr.im.dirs[pe.IMAGE_DIRECTORY_ENTRY_LOAD_CONFIG].VirtualAddress, n)
		}
	}
	lc, warns, err := ParseLoadConfig(p, fr.im.plus)
	fr.f.Warnings = append(fr.f.Warnings, warns...)
	if err != nil {
		fr.warn("load config: %v; ignored", err)
		return
	}
	fr.f.LoadConfig = lc
	if lc.HotPatchTableOffset == 0 {
		return
	}
	hp := fr.im.upTo(lc.HotPatchTableOffset, 1<<20)
	if hp == nil {
		fr.warn("hotpatch table at %#x outside any section", lc.HotPatchTableOffset)
		return
	}
	info, err := ParseHotPatchInfo(hp)
	if err != nil {
		fr.warn("hotpatch table at %#x: %v", lc.HotPatchTableOffset, err)
		return
	}
	fr.f.HotPatch = info
}

// exports reads the export table, sorted by name then ordinal.
func (fr *factsReader) exports() {
	fr.f.Exports = slices.Collect(fr.im.exports(fr.warn))
	slices.SortFunc(fr.f.Exports, func(a, b Export) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return cmpU32(a.Ordinal, b.Ordinal)
	})
}

// imports reads the canonical import names (see peImportDLL) and, in the
// same walk, the ranges of the import tables and names for the metadata.
func (fr *factsReader) imports() {
	ps := fr.im.ptrSize()
	var out []string
	var ms rangeList
	for d := range fr.im.importDLLs(fr.warn) {
		ms.add(d.nameRVA, uint32(len(d.name))+1)
		// The loader writes one IAT slot per lookup table entry; both
		// tables end with a zero entry.
		n := uint32(len(d.thunks)) + 1
		ms.add(d.lookup, n*ps)
		ms.add(d.iat, n*ps)
		for i, t := range d.thunks {
			if sym, ok := d.symbol(i); ok {
				out = append(out, sym)
			}
			if t.name != "" {
				// Hint, name, NUL, padded to an even size.
				ms.add(t.hint, 2+uint32(len(t.name))+1+uint32(len(t.name)+1)%2)
			}
		}
	}
	slices.Sort(out)
	fr.f.Imports = slices.Compact(out)
	fr.importRanges = ms
}

func (fr *factsReader) tls() {
	raw := fr.dir(pe.IMAGE_DIRECTORY_ENTRY_TLS, "TLS")
	ps := int(fr.im.ptrSize())
	if len(raw) < 4*ps+8 {
		return
	}
	start, end := fr.im.ptr(raw), fr.im.ptr(raw[ps:])
	cbs := fr.im.ptr(raw[3*ps:])
	t := &TLS{ZeroFill: binary.LittleEndian.Uint32(raw[4*ps:]), Characteristics: binary.LittleEndian.Uint32(raw[4*ps+4:])}
	if s, ok := fr.im.vaToRVA(start); ok && end >= start && end-start < 1<<32 {
		t.Template = Range{RVA: s, Size: uint32(end - start)}
		if p, err := fr.im.rvaBytes(s, t.Template.Size); err == nil {
			t.Hash = xxh3.Hash(p)
		} else {
			fr.warn("TLS template: %v", err)
		}
	}
	if rva, ok := fr.im.vaToRVA(cbs); ok && cbs != 0 {
		p := fr.im.upTo(rva, uint32(ps*maxTLSCallbacks))
		for i := 0; (i+1)*ps <= len(p); i++ {
			va := fr.im.ptr(p[i*ps:])
			if va == 0 {
				break
			}
			if cb, ok := fr.im.vaToRVA(va); ok {
				t.Callbacks = append(t.Callbacks, cb)
			}
		}
	}
	fr.f.TLS = t
	fr.f.Init = append(fr.f.Init, t.Callbacks...)
}

// metadataSection reports whether a whole section holds loader, unwind or
// debug metadata rather than program data.
func metadataSection(name string) bool {
	switch name {
	case ".pdata", ".xdata", ".reloc", ".edata", ".idata", ".rsrc", ".buildid", ".gfids", ".giats", ".gljmp", ".gehcont", ".voltbl", ".symtab", ".eh_frame",
		// Go's own build information and lists of types and itabs (the
		// pclntab is found by its header, and judged through the moduledata).
		".go.buildinfo", ".typelink", ".itablink", ".data.rel.ro.typelink", ".data.rel.ro.itablink":
		return true
	}
	return strings.HasPrefix(name, ".debug") || strings.HasPrefix(name, ".zdebug")
}

// rangeList collects ranges, extending the last one when the next one
// starts inside or right after it (unwind records come in address order
// and mostly back to back), so that the list stays short.
type rangeList []Range

func (ms *rangeList) add(rva, size uint32) {
	if size == 0 || uint64(rva)+uint64(size) > 1<<32 {
		return
	}
	if k := len(*ms) - 1; k >= 0 && rva >= (*ms)[k].RVA && uint64(rva) <= uint64((*ms)[k].RVA)+uint64((*ms)[k].Size) {
		(*ms)[k].Size = max((*ms)[k].Size, rva+size-(*ms)[k].RVA)
		return
	}
	*ms = append(*ms, Range{rva, size})
}

// baseMetadata computes fr.base: every metadata range but the unwind
// records. It is cheap: a few directories, the import tables, the guard
// tables and whole sections.
func (fr *factsReader) baseMetadata() {
	if fr.baseDone {
		return
	}
	fr.baseDone = true
	im, f := fr.im, fr.f
	var ms rangeList
	for _, i := range []int{pe.IMAGE_DIRECTORY_ENTRY_EXPORT, pe.IMAGE_DIRECTORY_ENTRY_IMPORT, pe.IMAGE_DIRECTORY_ENTRY_RESOURCE,
		pe.IMAGE_DIRECTORY_ENTRY_EXCEPTION, pe.IMAGE_DIRECTORY_ENTRY_BASERELOC, pe.IMAGE_DIRECTORY_ENTRY_DEBUG,
		pe.IMAGE_DIRECTORY_ENTRY_TLS, pe.IMAGE_DIRECTORY_ENTRY_LOAD_CONFIG, pe.IMAGE_DIRECTORY_ENTRY_IAT, pe.IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT} {
		ms.add(im.dirs[i].VirtualAddress, im.dirs[i].Size)
	}
	// Debug data (CodeView records carry a per-build GUID).
	if dbg := fr.dir(pe.IMAGE_DIRECTORY_ENTRY_DEBUG, "debug"); dbg != nil {
		for off := 0; off+28 <= len(dbg) && off/28 < maxDebugEntries; off += 28 {
			ms.add(binary.LittleEndian.Uint32(dbg[off+20:]), binary.LittleEndian.Uint32(dbg[off+16:]))
		}
	}
	// Import lookup tables and hint/name entries.
	ms = append(ms, fr.importRanges...)
	// The exception directory is read window by window (unwind); check it
	// here, where the other directories warn.
	if d := im.dirs[pe.IMAGE_DIRECTORY_ENTRY_EXCEPTION]; d.VirtualAddress != 0 && d.Size != 0 {
		if _, err := im.rvaCheck(d.VirtualAddress, d.Size); err != nil {
			fr.warn("%s directory: %v; ignored", "exception", err)
		}
	}
	// Guard tables list function RVAs: they change whenever code moves.
	if lc := f.LoadConfig; lc != nil {
		stride := uint64(lc.guardStride())
		for _, t := range [][2]uint64{{lc.GuardCFFunctionTable, lc.GuardCFFunctionCount}, {lc.GuardEHContinuationTable, lc.GuardEHContinuationCount}} {
			if rva, ok := im.vaToRVA(t[0]); ok && t[0] != 0 && t[1] < 1<<28 {
				ms.add(rva, uint32(min(t[1]*stride, 1<<31)))
			}
		}
	}
	for _, s := range im.secs {
		if metadataSection(s.Name) {
			ms.add(s.RVA, s.Size)
		}
	}
	fr.base = mergeRanges(ms)
}

// Bounds on the size of one unwind record, from its header fields: x64
// UNWIND_INFO (4-byte header, up to 255 code slots rounded up to even, a
// chained RUNTIME_FUNCTION), and Arm64 .xdata (two header words, 16-bit
// epilog count, 8-bit code word count, the handler RVA).
const (
	maxX64Unwind   = 4 + 2*256 + 12
	maxArm64Unwind = 8 + 4*0xffff + 4*0xff + 4
)

// metadataIn returns the metadata ranges overlapping [lo, hi), sorted and
// merged: the base ranges that overlap it, and the unwind records that can
// reach it. The exception directory is read a piece at a time, and only
// the records starting less than a record's largest size before hi are
// decoded.
func (fr *factsReader) metadataIn(lo, hi uint64) []Range {
	return fr.metadataInEach([][2]uint64{{lo, hi}})[0]
}

// metadataInEach returns metadataIn of each window ws[k] = [lo, hi), in
// one pass over the exception directory: each window gets the records
// that can reach it, in the order metadataIn alone adds them.
func (fr *factsReader) metadataInEach(ws [][2]uint64) [][]Range {
	fr.baseMetadata()
	if len(ws) == 0 {
		return nil
	}
	im := fr.im
	ms := make([]rangeList, len(ws))
	for k, w := range ws {
		ms[k] = rangeList(slices.Clone(overlapping(fr.base, w[0], w[1])))
	}
	merged := func() [][]Range {
		out := make([][]Range, len(ws))
		for k := range ms {
			out[k] = mergeRanges(ms[k])
		}
		return out
	}
	d := im.dirs[pe.IMAGE_DIRECTORY_ENTRY_EXCEPTION]
	stride, reach := uint32(0), uint64(0)
	switch im.machine {
	case pe.IMAGE_FILE_MACHINE_AMD64:
		stride, reach = 12, maxX64Unwind
	case pe.IMAGE_FILE_MACHINE_ARM64:
		stride, reach = 8, maxArm64Unwind
	}
	if stride == 0 || d.VirtualAddress == 0 || d.Size == 0 {
		return merged()
	}
	s, err := im.rvaCheck(d.VirtualAddress, d.Size)
	if err != nil {
		return merged()
	}
	// A record is looked at only when it can reach some window.
	lo, hi := ws[0][0], ws[0][1]
	for _, w := range ws {
		lo, hi = min(lo, w[0]), max(hi, w[1])
	}
	// Unwind information of x64 and Arm64 exception directories.
	buf := unwindBufs.Get().(*[unwindBufSize]byte)
	defer unwindBufs.Put(buf)
	n := min(d.Size, stride*maxUnwindWalk)
	n -= n % stride
	for done := uint32(0); done < n; {
		p := buf[:min(n-done, uint32(len(buf)))]
		im.readRVA(s, d.VirtualAddress+done, p)
		done += uint32(len(p))
		if stride == 12 {
			for off := 8; off+4 <= len(p); off += 12 {
				ua := binary.LittleEndian.Uint32(p[off : off+4])
				if uint64(ua) >= hi || uint64(ua)+reach <= lo || ua&1 != 0 {
					continue
				}
				size := uint32(0) // 0 until decoded
				for k, w := range ws {
					if uint64(ua) >= w[1] || uint64(ua)+reach <= w[0] {
						continue
					}
					if size == 0 {
						h := im.view(ua, 4)
						if len(h) != 4 {
							break
						}
						size = 4 + 2*(uint32(h[2])+uint32(h[2])&1)
						if flags := h[0] >> 3; flags&UNW_FLAG_CHAININFO != 0 {
							size += 12
						} else if flags&3 != 0 {
							size += 4 // exception handler RVA; its language-specific data is not sized
						}
					}
					ms[k].add(ua, size)
				}
			}
			continue
		}
		for off := 4; off+4 <= len(p); off += 8 {
			w := binary.LittleEndian.Uint32(p[off : off+4])
			if uint64(w) >= hi || uint64(w)+reach <= lo || w&3 != 0 {
				continue
			}
			size, ok, decoded := uint32(0), false, false
			for k, win := range ws {
				if uint64(w) >= win[1] || uint64(w)+reach <= win[0] {
					continue
				}
				if !decoded {
					size, ok = arm64XdataSize(im.view(w, 8))
					decoded = true
				}
				if ok {
					ms[k].add(w, size)
				}
			}
		}
	}
	return merged()
}

// rvaCheck returns the section of the n bytes at rva, or the error
// rvaBytes would give reading them.
func (im *peImage) rvaCheck(rva, n uint32) (*Section, error) {
	s := im.section(rva)
	if s == nil {
		return nil, fmt.Errorf("rva %#x outside any section", rva)
	}
	if uint64(rva-s.RVA)+uint64(n) > uint64(s.Size) {
		return nil, fmt.Errorf("rva range [%#x,+%#x) crosses the end of section %q", rva, n, s.Name)
	}
	if int64(n) > im.size {
		return nil, fmt.Errorf("rva range [%#x,+%#x) larger than the file", rva, n)
	}
	return s, nil
}

// readRVA fills p with the bytes at rva in section s (checked by
// rvaCheck); bytes past the section's file data, or unreadable, are zero.
func (im *peImage) readRVA(s *Section, rva uint32, p []byte) {
	off := rva - s.RVA
	k := 0
	if off < s.FileSize {
		k = int(min(uint32(len(p)), s.FileSize-off))
		if got, err := im.r.ReadAt(p[:k], s.Offset+int64(off)); err != nil && err != io.EOF {
			k = got
		}
	}
	clear(p[k:])
}

// arm64XdataSize returns the size of an Arm64 .xdata record from its
// header words: the header (one or two words), the epilog scopes, the
// unwind code words, and the exception handler RVA if X is set.
func arm64XdataSize(h []byte) (uint32, bool) {
	if len(h) < 4 {
		return 0, false
	}
	w := binary.LittleEndian.Uint32(h)
	epilogs, words := w>>22&0x1f, w>>27&0x1f
	n := uint32(4)
	if epilogs == 0 && words == 0 {
		if len(h) < 8 {
			return 0, false
		}
		w2 := binary.LittleEndian.Uint32(h[4:])
		epilogs, words = w2&0xffff, w2>>16&0xff
		n = 8
	}
	if w>>21&1 == 0 { // E clear: epilog scopes follow
		n += 4 * epilogs
	}
	n += 4 * words
	if w>>20&1 != 0 { // X: exception handler RVA (and data of unknown size)
		n += 4
	}
	return n, true
}

// mergeRanges sorts ranges and merges overlapping or adjacent ones.
func mergeRanges(rs []Range) []Range {
	byRVA := func(a, b Range) int { return cmpU32(a.RVA, b.RVA) }
	if !slices.IsSortedFunc(rs, byRVA) {
		slices.SortFunc(rs, byRVA)
	}
	out := rs[:0]
	for _, r := range rs {
		if k := len(out) - 1; k >= 0 && uint64(r.RVA) <= uint64(out[k].RVA)+uint64(out[k].Size) {
			if end := uint64(r.RVA) + uint64(r.Size); end > uint64(out[k].RVA)+uint64(out[k].Size) {
				out[k].Size = uint32(min(end-uint64(out[k].RVA), 1<<32-1))
			}
			continue
		}
		out = append(out, r)
	}
	return out
}

// inRanges reports whether rva lies in one of the sorted, merged ranges.
func inRanges(rs []Range, rva uint32) bool {
	i := sort.Search(len(rs), func(i int) bool { return rs[i].RVA > rva }) - 1
	return i >= 0 && rva-rs[i].RVA < rs[i].Size
}
