package binarydiff

// The Go runtime's own tables inside a Go image's data (its pclntab,
// funcdata, moduledata, build information, type and itab lists): the
// linker makes them, and the hotpatchability assessment takes them for
// metadata, found through the moduledata.

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"iter"
	"slices"
	"strings"
)

// goRuntime locates the Go runtime's tables in image b through its
// moduledata (the runtime's table of its tables, in writable data): the
// pclntab, the findfunctab, the type descriptors, and the moduledata
// itself, which holds the sizes of the others. It returns the ranges
// (metadata: the linker regenerates them) and the type range, or nothing
// for an image that is not Go or whose moduledata is not recognized.
func (h *assessor) goRuntime(b *Binary) (meta []Range, types Range) {
	side := btoi(b == h.new)
	if h.goMetaOK[side] {
		return h.goMeta[side], h.goTypes[side]
	}
	h.goMetaOK[side] = true
	if h.ptrSize() != 8 {
		return nil, Range{}
	}
	va := func(v uint64) (uint32, bool) {
		if v < b.ImageBase || v-b.ImageBase >= 1<<32 {
			return 0, false
		}
		return uint32(v - b.ImageBase), true
	}
	for i := range b.Sections {
		s := &b.Sections[i]
		if s.Flags&SectionWrite == 0 || s.Flags&SectionExec != 0 || s.FileSize == 0 {
			continue
		}
		for r := range goPointerSlots(b, s) {
			var hdr [8]byte
			var md [goModuledataWords * 8]byte
			if !h.readRVA(b, md[:8], r) {
				continue
			}
			pc, ok := va(binary.LittleEndian.Uint64(md[:8]))
			if !ok || !h.readRVA(b, hdr[:], pc) || !goPclnMagic(hdr[:]) || !h.readRVA(b, md[:], r) {
				continue
			}
			w := func(k int) uint64 { return binary.LittleEndian.Uint64(md[8*k:]) }
			text, etext := w(22), w(23)
			if w(20) != text || etext <= text { // minpc is the start of the text
				continue
			}
			info, minor := h.goBuildInfo(b)
			h.goMinor[side] = minor
			lay := goModuledataLayoutOf(binary.LittleEndian.Uint32(hdr[:]), minor, w)
			var ms rangeList
			ms.add(r, lay.size)
			if ftab, ok := va(w(16)); ok {
				// The pclntab runs from its header past the function table.
				if end := uint64(ftab) + w(17)*8; end > uint64(pc) && end-uint64(pc) < 1<<31 {
					ms.add(pc, uint32(end-uint64(pc)))
				}
			}
			for _, k := range []int{1, 4, 7, 10, 13} { // funcnametab, cutab, filetab, pctab, pclntable
				if lo, ok := va(w(k)); ok && w(k+1) < 1<<31 {
					size := w(k + 1)
					if k == 4 {
						size *= 4
					}
					ms.add(lo, uint32(size))
				}
			}
			gofunc, okGofunc := va(w(lay.gofunc))
			okGofunc = okGofunc && lay.gofunc > 0
			if lay.gofunc == 0 {
				// Go 1.16 and 1.17 record no gofunc: the funcdata (go.func.*)
				// starts at the lowest address the functions' records hold.
				gofunc, okGofunc = h.goFuncdataStart(b, w, va)
			}
			if ff, ok := va(w(19)); ok {
				// findfunctab: a bucket of 4+16 bytes per 4 KiB of text.
				// The funcdata (go:func.*, at gofunc) lies between the
				// pclntab's tables and it: all of it is the pclntab's.
				end := uint64(ff) + min((etext-text+4095)/4096*20, 1<<30)
				switch {
				case okGofunc && gofunc > pc && gofunc < ff && end-uint64(pc) < 1<<31:
					ms.add(pc, uint32(end-uint64(pc)))
				case okGofunc && gofunc < ff && end-uint64(gofunc) < 1<<31:
					// The pclntab lies elsewhere (Go 1.16 and 1.17 PIE:
					// in .data.rel.ro), the funcdata and the types' GC
					// bitmaps (runtime.gcbits.*) before the findfunctab.
					ms.add(gofunc, uint32(end-uint64(gofunc)))
				default:
					ms.add(ff, uint32(end-uint64(ff)))
				}
			}
			// The textsectmap ([]textsect, three words a text section:
			// its end moves with the code), typelinks ([]int32) and
			// itablinks ([]*itab) slices: tables the linker makes of the
			// text sections, the types and the itabs.
			for _, sl := range [][3]uint64{{w(lay.typelinks - 3), w(lay.typelinks - 2), 24}, {w(lay.typelinks), w(lay.typelinks + 1), 4}, {w(lay.typelinks + 3), w(lay.typelinks + 4), 8}} {
				if lo, ok := va(sl[0]); ok && sl[1] < 1<<26 {
					ms.add(lo, uint32(sl[1]*sl[2]))
				}
			}
			for _, br := range info {
				ms.add(br.RVA, br.Size)
			}
			t, ok1 := va(w(lay.types))
			et, ok2 := va(w(lay.types + 1))
			if ok1 && ok2 && et > t {
				types = Range{RVA: t, Size: et - t}
			}
			if okGofunc {
				h.goFunc[side] = gofunc
			}
			h.goMeta[side], h.goTypes[side] = mergeRanges(ms), types
			return h.goMeta[side], types
		}
	}
	return nil, Range{}
}

// goFuncdataStart returns the lowest funcdata address in the function
// records of a Go 1.16 or 1.17 pclntab, whose moduledata's words w give
// the function table (16, 17) and the records (13): each record
// (runtime._func) holds its npcdata at byte 32 and nfuncdata at byte 43,
// then the pcdata offsets (4 bytes each) and, 8-aligned, the funcdata
// addresses, absolute (runtime/runtime2.go, runtime/symtab.go of those
// releases).
func (h *assessor) goFuncdataStart(b *Binary, w func(int) uint64, va func(uint64) (uint32, bool)) (uint32, bool) {
	ftab, ok1 := va(w(16))
	tab, ok2 := va(w(13))
	n := w(17)
	if !ok1 || !ok2 || n < 2 || n > 1<<22 {
		return 0, false
	}
	lowest, found := ^uint32(0), false
	var ent [16]byte
	var fn [44]byte
	var fd [8 * 8]byte
	for i := range uint32(n - 1) { // the last entry ends the text
		if !h.readRVA(b, ent[:], ftab+16*i) {
			return 0, false
		}
		off := binary.LittleEndian.Uint64(ent[8:])
		if off >= w(14) || !h.readRVA(b, fn[:], tab+uint32(off)) {
			continue
		}
		npc, nfd := binary.LittleEndian.Uint32(fn[32:]), uint32(fn[43])
		at := tab + uint32(off) + (44+4*npc+7)&^7
		if npc > 1<<10 || nfd == 0 || nfd > 8 || !h.readRVA(b, fd[:8*nfd], at) {
			continue
		}
		for k := range nfd {
			if t, ok := va(b.pointerIn(at+8*k, fd[8*k:8*k+8])); ok && t != 0 && t < lowest {
				lowest, found = t, true
			}
		}
	}
	return lowest, found
}

// goBuildInfoMagic starts the build information a Go linker records (the
// blob named go:buildinfo, at the start of the writable data).
const goBuildInfoMagic = "\xff Go buildinf:"

// goBuildInfo returns the ranges of b's Go build information: the blob
// named go:buildinfo (version and module information, inline since Go
// 1.18) and the copy of the module information that runtime.modinfo
// points to in read-only data. It is what the build recorded (module
// paths and versions, settings), not program data. minor is the Go
// release the build information names (23 for go1.23.12), 0 if it names
// none (before Go 1.18 it holds pointers, not the strings).
func (h *assessor) goBuildInfo(b *Binary) (_ []Range, minor int) {
	for i := range b.Sections {
		s := &b.Sections[i]
		var hdr [32]byte
		if s.Flags&SectionWrite == 0 || s.FileSize < 64 || !h.readRVA(b, hdr[:], s.RVA) || string(hdr[:len(goBuildInfoMagic)]) != goBuildInfoMagic {
			continue
		}
		if hdr[15]&2 == 0 {
			return h.goBuildInfoPointers(b, s.RVA, hdr[:])
		}
		// Two varint-prefixed strings follow: the Go version and the
		// module information.
		p := make([]byte, min(s.FileSize, 1<<16))
		if !h.readRVA(b, p, s.RVA) {
			return nil, 0
		}
		off := 32
		var mod []byte
		for k := 0; k < 2; k++ {
			n, w := binary.Uvarint(p[off:])
			if w <= 0 || n > uint64(len(p)-off-w) {
				return nil, 0
			}
			if k == 0 {
				minor = goMinor(p[off+w : off+w+int(n)])
			} else {
				mod = p[off+w : off+w+int(n)]
			}
			off += w + int(n)
		}
		out := []Range{{RVA: s.RVA, Size: uint32(off)}}
		if len(mod) >= 32 {
			if c := h.findBytes(b, mod); len(c) > 0 {
				out = append(out, c[0])
				// runtime.modinfo, the string header pointing to that copy.
				out = append(out, h.findStringHeader(b, uint64(c[0].RVA)+b.ImageBase, uint64(len(mod)))...)
			}
		}
		return out, minor
	}
	return nil, 0
}

// goBuildInfoPointers is goBuildInfo for the header of Go 1.13 to 1.17
// at rva (hdr its first 32 bytes), which points to the string headers of
// runtime.buildVersion and runtime.modinfo instead of holding the strings:
// the header, both string headers and both strings are metadata.
func (h *assessor) goBuildInfoPointers(b *Binary, rva uint32, hdr []byte) (_ []Range, minor int) {
	if hdr[14] != 8 {
		return nil, 0
	}
	out := []Range{{RVA: rva, Size: 32}}
	for k := uint32(0); k < 2; k++ {
		sh, ok := imageAddress(b, b.pointerIn(rva+16+8*k, hdr[16+8*k:24+8*k]))
		var w [16]byte
		if !ok || !h.readRVA(b, w[:], sh) {
			return out, minor
		}
		data, ok := imageAddress(b, b.pointerIn(sh, w[:8]))
		n := binary.LittleEndian.Uint64(w[8:])
		if !ok || n > 1<<16 {
			return out, minor
		}
		out = append(out, Range{RVA: sh, Size: 16}, Range{RVA: data, Size: uint32(n)})
		if v := make([]byte, min(n, 16)); k == 0 && h.readRVA(b, v, data) {
			minor = goMinor(v)
		}
	}
	return out, minor
}

// goMinor returns the minor release of a Go version string ("go1.23.12",
// "go1.26rc1" → 23, 26), or 0.
func goMinor(v []byte) int {
	rest, ok := bytes.CutPrefix(v, []byte("go1."))
	n := 0
	for _, c := range rest {
		if c < '0' || c > '9' || n > 1000 {
			break
		}
		n = n*10 + int(c-'0')
	}
	if !ok {
		return 0
	}
	return n
}

// findStringHeader returns the range of the first string header (address
// and length words) for the string at va of n bytes in b's writable data.
func (h *assessor) findStringHeader(b *Binary, va, n uint64) []Range {
	for i := range b.Sections {
		s := &b.Sections[i]
		if s.Flags&SectionWrite == 0 || s.Flags&SectionExec != 0 || s.FileSize == 0 {
			continue
		}
		p, err := b.bytesAt(s.RVA, uint32(min(int64(s.FileSize), maxModuledataScan, b.size)))
		if err != nil {
			continue
		}
		for off := 0; off+16 <= len(p); off += 8 {
			if binary.LittleEndian.Uint64(p[off:]) == va && binary.LittleEndian.Uint64(p[off+8:]) == n {
				return []Range{{RVA: s.RVA + uint32(off), Size: 16}}
			}
		}
	}
	return nil
}

// findBytes returns the range of the first copy of p in b's read-only
// data, if any.
func (h *assessor) findBytes(b *Binary, p []byte) []Range {
	for i := range b.Sections {
		s := &b.Sections[i]
		if s.Flags&(SectionWrite|SectionExec|SectionBSS) != 0 || s.FileSize == 0 || metadataSection(s.Name) {
			continue
		}
		data, err := b.bytesAt(s.RVA, uint32(min(int64(s.FileSize), b.size)))
		if err != nil {
			continue
		}
		if k := bytes.Index(data, p); k >= 0 {
			return []Range{{RVA: s.RVA + uint32(k), Size: uint32(len(p))}}
		}
	}
	return nil
}

// maxModuledataScan bounds how far into a writable section of an image
// without relocations goPointerSlots looks for the moduledata (it sits in
// the first part of the data, after the build information).
const maxModuledataScan = 4 << 20

// goPointerSlots yields the RVAs in writable section s that may hold the
// moduledata's first pointer: the relocated pointers, or in an image
// without relocations (a Go executable that is not position
// independent) every aligned word holding an address in the image.
func goPointerSlots(b *Binary, s *Section) iter.Seq[uint32] {
	return func(yield func(uint32) bool) {
		if len(b.relocs.rvas) > 0 {
			for _, r := range b.relocs.in(s.RVA, s.RVA+s.FileSize) {
				if !yield(r) {
					return
				}
			}
			return
		}
		p, err := b.bytesAt(s.RVA, uint32(min(int64(s.FileSize), maxModuledataScan, b.size)))
		if err != nil {
			return
		}
		for off := 0; off+8 <= len(p); off += 8 {
			if v := binary.LittleEndian.Uint64(p[off:]); v > b.ImageBase && v-b.ImageBase < uint64(b.size)<<1 && !yield(s.RVA+uint32(off)) {
				return
			}
		}
	}
}

// goModuledataWords is how many words of a moduledata goRuntime reads:
// up to the itablinks slice of the latest layout.
const goModuledataWords = 51

// goModuledataLayout is where the fields of a moduledata that goRuntime
// reads lie, in words, and its size: runtime.moduledata in
// runtime/symtab.go of each release. Up to etext (word 23) every release
// from Go 1.16 agrees.
type goModuledataLayout struct {
	types     int    // types; etypes follows
	gofunc    int    // gofunc (go:func.*, Go 1.18+), 0 if none
	typelinks int    // typelinks' pointer and length; itablinks' 3 words on
	size      uint32 // all of it is linker-made metadata
}

// goModuledataLayoutOf returns the layout of the moduledata whose pclntab
// has the given magic, in a build whose information names Go release
// minor (0 if unknown); w reads its words. Go 1.20 added covctrs (2
// words), 1.21 inittasks, 1.23 packed the bad flag beside hasmain, 1.26 added epclntab after
// gofunc. The sizes are runtime.firstmoduledata's (`go tool nm -size`
// of a program built with each release).
func goModuledataLayoutOf(magic uint32, minor int, w func(int) uint64) goModuledataLayout {
	switch {
	case magic == go116PclntabMagic: // Go 1.16, 1.17
		return goModuledataLayout{types: 35, typelinks: 40, size: 536}
	case magic == go118PclntabMagic: // Go 1.18, 1.19
		return goModuledataLayout{types: 35, gofunc: 38, typelinks: 42, size: 552}
	case minor == 20:
		return goModuledataLayout{types: 37, gofunc: 40, typelinks: 44, size: 568}
	case minor == 21, minor == 22:
		return goModuledataLayout{types: 37, gofunc: 40, typelinks: 44, size: 592}
	case minor >= 23 && minor <= 25:
		return goModuledataLayout{types: 37, gofunc: 40, typelinks: 44, size: 584}
	case minor >= 26:
		return goModuledataLayout{types: 37, gofunc: 40, typelinks: 45, size: 592}
	}
	// A release the build information does not name: the textsectmap
	// slice (len = cap, a few sections) follows gofunc, or epclntab
	// does first (Go 1.26); the size is the smallest the layout had.
	if n := w(42); n != 0 && n == w(43) && n < 1<<10 {
		return goModuledataLayout{types: 37, gofunc: 40, typelinks: 44, size: 568}
	}
	return goModuledataLayout{types: 37, gofunc: 40, typelinks: 45, size: 592}
}

// goPclnMagic reports whether p starts a Go 1.16+ pclntab header for a
// 64-bit image.
func goPclnMagic(p []byte) bool {
	m := binary.LittleEndian.Uint32(p)
	return (m == go120PclntabMagic || m == go118PclntabMagic || m == go116PclntabMagic) && p[4] == 0 && p[5] == 0 && (p[6] == 1 || p[6] == 2 || p[6] == 4) && p[7] == 8
}

// goType is the head of a Go type descriptor (internal/abi.Type, laid out
// alike from Go 1.14 to 1.26 on 64-bit targets): size, pointer bytes,
// hash, flags, alignments, kind, then the equality function, the GC
// pointer bitmap, the name and the pointer type's offsets.
type goType struct {
	size, ptrBytes uint64
	kind, align    uint8
	gcdata         uint64 // the pointer bitmap's address, 0 if none
	name           string // as its name record spells it, "" if unread
	extraStar      bool   // its name record is its pointer type's, "*" first
}

// goTypeHead is the size of the head goTypeAt reads.
const goTypeHead = 48

// goTypeAt reads the Go type descriptor at rva of image b, whose type data
// is types (runtime.types to etypes), if the bytes there are one (see
// goTypeHeadOK), its name too.
func (h *assessor) goTypeAt(b *Binary, rva uint32, types Range) (goType, bool) {
	var p [goTypeHead]byte
	if h.ptrSize() != 8 || !h.readRVA(b, p[:], rva) || !goTypeHeadOK(p[:], types.Size) {
		return goType{}, false
	}
	le := binary.LittleEndian
	t := goType{size: le.Uint64(p[0:]), ptrBytes: le.Uint64(p[8:]), align: p[21], kind: p[23], extraStar: p[20]&2 != 0}
	for _, k := range [2]uint32{24, 32} { // equal (a func value: its funcval), gcdata
		if v := b.pointerIn(rva+k, p[k:k+8]); v != 0 {
			at, ok := imageAddress(b, v)
			if !ok || h.section(b, at).Flags&SectionExec != 0 {
				return goType{}, false
			}
			if k == 32 {
				t.gcdata = v
			}
		}
	}
	t.name = h.goName(b, types.RVA+le.Uint32(p[40:]), t.extraStar)
	return t, true
}

// goTypeHeadOK reports whether the goTypeHead bytes of p, in type data of
// typesSize bytes, have every field of a type descriptor in its range:
// kind 1 to 26, alignments powers of two, pointer bytes a multiple of 8
// within the size, known flags, the name's and the pointer type's offsets
// inside the type data (goTypeAt then checks that the equality function
// and the pointer bitmap are in the image's data, or nil). Text, numbers
// and tables fail these together.
func goTypeHeadOK(p []byte, typesSize uint32) bool {
	_ = p[goTypeHead-1]
	// The flag, alignment and kind bytes first: they reject most places.
	if kind := p[23]; !goPow2(p[21]) || !goPow2(p[22]) || kind >= 1<<7 || kind&31 == 0 || kind&31 > 26 || p[20] >= 1<<7 {
		return false
	}
	le := binary.LittleEndian
	size, ptrBytes := le.Uint64(p[0:]), le.Uint64(p[8:])
	str, ptrToThis := int32(le.Uint32(p[40:])), int32(le.Uint32(p[44:]))
	return size < 1<<40 && ptrBytes <= size && ptrBytes%8 == 0 &&
		str > 0 && uint32(str) < typesSize && ptrToThis >= 0 && uint32(ptrToThis) < typesSize
}

// goName reads the name record at rva of image b (see goNameIn).
func (h *assessor) goName(b *Binary, rva uint32, extraStar bool) string {
	var p [2 + 1 + 127]byte
	s := h.section(b, rva)
	if s == nil || rva-s.RVA >= s.FileSize {
		return ""
	}
	n := min(uint32(len(p)), s.RVA+s.FileSize-rva)
	if !h.readRVA(b, p[:n], rva) {
		return ""
	}
	return string(goNameIn(p[:n], 0, extraStar))
}

// goNameIn returns the name of the record at off in p (a flags byte,
// then the length: a varint from Go 1.17 on, two bytes big-endian
// before; then the bytes), less the leading "*" when extraStar (a named
// type shares its name record with its pointer type's); nil for a length
// past 127 or bytes that are not printable.
func goNameIn(p []byte, off int, extraStar bool) []byte {
	if off < 0 || off+3 > len(p) {
		return nil
	}
	n, at := int(p[off+1]), off+2
	if n == 0 { // Go 1.16: the high byte of a two-byte length
		n, at = int(p[off+2]), off+3
	}
	if n == 0 || n >= 0x80 || at+n > len(p) {
		return nil
	}
	name := p[at : at+n]
	if extraStar && name[0] == '*' {
		name = name[1:]
	}
	for _, c := range name {
		if c < 0x20 || c >= 0x7f {
			return nil
		}
	}
	return name
}

// goTypeIndex holds an image's Go type data (runtime.types to etypes, as
// far as the file has it).
type goTypeIndex struct {
	types   Range
	p       []byte
	lookups int // goTypeNamed's searches so far
}

// typeIndex returns the type data of image b, read on first need.
func (h *assessor) typeIndex(b *Binary) *goTypeIndex {
	side := btoi(b == h.new)
	if h.goTypeIx[side] != nil {
		return h.goTypeIx[side]
	}
	ix := &goTypeIndex{}
	h.goTypeIx[side] = ix
	_, types := h.goRuntime(b)
	s := h.section(b, types.RVA)
	if types.Size == 0 || s == nil || types.RVA-s.RVA >= s.FileSize || h.ptrSize() != 8 {
		return ix
	}
	if p, err := b.bytesAt(types.RVA, min(types.Size, s.RVA+s.FileSize-types.RVA)); err == nil {
		ix.types, ix.p = types, p
	}
	return ix
}

// heads returns the RVAs of the type descriptor heads at the 8-aligned
// places of [lo, hi) in image b's type data: those goTypeHeadOK takes
// whose equality function and pointer bitmap lie in the image's data.
func (h *assessor) heads(b *Binary, lo, hi uint32) []uint32 {
	ix := h.typeIndex(b)
	base := ix.types.RVA
	lo, hi = max(lo, base), min(hi, base+uint32(len(ix.p)))
	inData := func(rva uint32, w []byte) bool {
		v := b.pointerIn(rva, w)
		if v == 0 {
			return true
		}
		at, ok := imageAddress(b, v)
		return ok && h.section(b, at).Flags&SectionExec == 0
	}
	var out []uint32
	for o := (lo - base + 7) &^ 7; hi > base && o < hi-base && int(o)+goTypeHead <= len(ix.p); o += 8 {
		q := ix.p[o:]
		if goTypeHeadOK(q, ix.types.Size) && inData(base+o+24, q[24:32]) && inData(base+o+32, q[32:40]) {
			out = append(out, base+o)
		}
	}
	return out
}

// maxNamedLookups bounds the descriptors goTypeNamed searches for per
// image: each search reads the whole type data.
const maxNamedLookups = 2

// goTypeNamed returns the head of image b's descriptor of the type named
// name (whose name record is its pointer type's when extraStar), if any:
// the name record's bytes, then the descriptor whose name offset is
// theirs, searched in the type data.
func (h *assessor) goTypeNamed(b *Binary, name string, extraStar bool) (uint32, bool) {
	ix := h.typeIndex(b)
	if ix.lookups >= maxNamedLookups || len(name) == 0 || len(name)+1 >= 0x80 {
		return 0, false
	}
	ix.lookups++
	if extraStar {
		name = "*" + name
	}
	// The record after its flags byte: the length (one byte below 128
	// from Go 1.17 on, two bytes before) and the bytes.
	rec := append([]byte{byte(len(name))}, name...)
	if minor := h.goMinor[btoi(b == h.new)]; minor > 0 && minor < 17 {
		rec = append([]byte{0}, rec...)
	}
	return ix.named(rec, extraStar)
}

// named returns the head of the descriptor whose name record, after its
// flags byte, is rec, and whose flags say extraStar as given.
func (ix *goTypeIndex) named(rec []byte, extraStar bool) (uint32, bool) {
	p, le := ix.p, binary.LittleEndian
	for from := 1; from < len(p); {
		i := bytes.Index(p[from:], rec)
		if i < 0 {
			return 0, false
		}
		// The descriptors naming it: its offset as the 4 bytes at +40 of
		// an 8-aligned head, found by a search for those bytes.
		var want [4]byte
		le.PutUint32(want[:], uint32(from+i-1)) // the flags byte's offset
		for at := 40; at+goTypeHead-40 <= len(p); {
			j := bytes.Index(p[at:], want[:])
			if j < 0 {
				break
			}
			if o := at + j - 40; o%8 == 0 && o+goTypeHead <= len(p) && (p[o+20]&2 != 0) == extraStar && goTypeHeadOK(p[o:], ix.types.Size) {
				return ix.types.RVA + uint32(o), true
			}
			at += j + 1
		}
		from += i + 1
	}
	return 0, false
}

// goPow2 reports whether an alignment is a power of two up to 64.
func goPow2(x uint8) bool { return x&(x-1) == 0 && x != 0 && x <= 64 }

// maxTypeReach is how far before a changed range the head of the type
// descriptor holding it may lie.
const maxTypeReach = 1 << 10

// typeHeads returns the heads of the new image's type descriptors that
// may hold new range [lo, hi): the last at or before lo (at most
// maxTypeReach before it) and those inside it.
func (h *assessor) typeHeads(lo, hi uint32) []uint32 {
	heads := h.heads(h.new, lo-min(lo, maxTypeReach), hi)
	i, found := slices.BinarySearch(heads, lo)
	if !found && i > 0 {
		i--
	}
	return heads[i:]
}

// typeLayoutChange says how the layout of the Go type whose descriptor
// starts at new RVA t (in section ns, aligned with os by al) changed from
// the old descriptor of the same name (where the alignment puts it, or
// else, when byName, found by name): its size, pointer bytes, alignment,
// kind, or pointer bitmap. "" when none did, or the type has no old
// descriptor.
func (h *assessor) typeLayoutChange(os, ns *Section, al *dataAlign, t uint32, byName bool) string {
	_, types := h.goRuntime(h.new)
	_, otypes := h.goRuntime(h.old)
	nt, ok := h.goTypeAt(h.new, t, types)
	o, ok2 := al.oldOffset(t - ns.RVA)
	if !ok || !ok2 || otypes.Size == 0 {
		return ""
	}
	// The old descriptor must be the same type's: types are laid out by
	// size, so one that grew moved among them, and where some were added
	// the alignment may pair two others. Else it is looked up by name.
	ot, ok := h.goTypeAt(h.old, os.RVA+o, otypes)
	if nt.name == "" {
		return ""
	}
	if !ok || ot.name != nt.name || ot.extraStar != nt.extraStar {
		if !byName {
			return ""
		}
		at, found := h.goTypeNamed(h.old, nt.name, nt.extraStar)
		if !found {
			return ""
		}
		ot, _ = h.goTypeAt(h.old, at, otypes)
	}
	var diffs []string
	for _, d := range []struct {
		what     string
		old, new uint64
	}{{"size", ot.size, nt.size}, {"pointer bytes", ot.ptrBytes, nt.ptrBytes}, {"alignment", uint64(ot.align), uint64(nt.align)}, {"kind", uint64(ot.kind & 31), uint64(nt.kind & 31)}} {
		if d.old != d.new {
			diffs = append(diffs, fmt.Sprintf("%s %d → %d", d.what, d.old, d.new))
		}
	}
	if len(diffs) == 0 && ot.ptrBytes > 0 && ot.gcdata != 0 && nt.gcdata != 0 {
		// The same pointer bytes, but the pointers elsewhere among them.
		n := (ot.ptrBytes/8 + 7) / 8
		ob, nb := make([]byte, n), make([]byte, n)
		if n <= 1<<12 && h.readRVA(h.old, ob, uint32(ot.gcdata-h.old.ImageBase)) && h.readRVA(h.new, nb, uint32(nt.gcdata-h.new.ImageBase)) && !bytes.Equal(ob, nb) {
			diffs = append(diffs, "pointer bitmap "+hex.EncodeToString(ob)+" → "+hex.EncodeToString(nb))
		}
	}
	if len(diffs) == 0 {
		return ""
	}
	name := cmpOr(nt.name, fmt.Sprintf("at %s+%#x", ns.Name, t-ns.RVA))
	return fmt.Sprintf("the Go type %s: %s", name, strings.Join(diffs, ", "))
}
