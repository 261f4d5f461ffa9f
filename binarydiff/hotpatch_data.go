package binarydiff

// The data rules of the hotpatchability assessment: data sections aligned
// modulo moves, changed ranges attributed to the functions that read them,
// and judged by the rule table.

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/bits"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/zeebo/xxh3"
)

// maxAttribution is how far before a changed range the reference it is
// attributed to may be (the start of the datum it is part of).
const maxAttribution = 4096

// sectionMetadata returns the metadata ranges of side b that overlap its
// section s (sorted, merged), or nil. Only the sections the data rules
// look at are asked for: computing the metadata of the whole image would
// walk every unwind record.
func (h *assessor) sectionMetadata(b *Binary, s *Section) []Range {
	f := h.facts(b)
	if f == nil || s == nil {
		return nil
	}
	if m, ok := h.meta[s]; ok {
		return m
	}
	if h.meta == nil {
		h.meta = map[*Section][]Range{}
	}
	// The first ask on a side answers for every section of it whose data
	// changed as well: one pass over the exception directory for all.
	secs := []*Section{s}
	if x := h.side(b); !x.metaBatched {
		x.metaBatched = true
		secs = h.changedDataSections(b, s)
	}
	ws := make([][2]uint64, len(secs))
	for k, sec := range secs {
		ws[k] = [2]uint64{uint64(sec.RVA), uint64(sec.RVA) + uint64(sec.Size)}
	}
	gm, _ := h.goRuntime(b)
	for k, m := range f.metadataInEach(ws) {
		if len(gm) > 0 {
			m = mergeRanges(append(slices.Clone(m), overlapping(gm, ws[k][0], ws[k][1])...))
		}
		h.meta[secs[k]] = m
	}
	return h.meta[s]
}

// changedDataSections returns s and the other sections of side b whose
// metadata the data rules will likely ask for: data sections (not code,
// not metadata) whose bytes or size changed, or that one side lacks.
func (h *assessor) changedDataSections(b *Binary, s *Section) []*Section {
	secs := []*Section{s}
	for k := range h.res.Sections {
		sd := &h.res.Sections[k]
		if metadataSection(sd.Name) || len(sd.Changed) == 0 && sd.Old != nil && sd.New != nil && sd.Old.Size == sd.New.Size {
			continue
		}
		os, ns := h.sectionPair(sd)
		sec := os
		if b == h.new {
			sec = ns
		}
		if sec == nil || sec.Flags&SectionExec != 0 || slices.Contains(secs, sec) {
			continue
		}
		if _, ok := h.meta[sec]; !ok {
			secs = append(secs, sec)
		}
	}
	return secs
}

// dataBytes counts the bytes of s that are not loader metadata.
func dataBytes(s *Section, meta []Range) uint64 {
	n := uint64(s.Size)
	end := uint64(s.RVA) + uint64(s.Size)
	for _, m := range meta {
		lo, hi := max(uint64(m.RVA), uint64(s.RVA)), min(uint64(m.RVA)+uint64(m.Size), end)
		if lo < hi {
			n -= hi - lo
		}
	}
	return n
}

// sectionPair finds the old and new Section of a SectionDiff.
func (h *assessor) sectionPair(sd *SectionDiff) (os, ns *Section) {
	if sd.Old != nil {
		os = h.old.Section(sd.Old.RVA)
	}
	if sd.New != nil {
		ns = h.new.Section(sd.New.RVA)
	}
	return os, ns
}

// data applies the data rules (data-changed, data-resized and the
// read-only data rules) to the section diffs of the result plus the
// retargeted pointers. Changes inside metadata ranges are noted, never
// judged as data.
func (h *assessor) data() error {
	defer h.freeAligns()
	for k := range h.res.Sections {
		if err := h.ctx.Err(); err != nil {
			return err
		}
		sd := &h.res.Sections[k]
		if metadataSection(sd.Name) {
			continue // metadataNotes
		}
		os, ns := h.sectionPair(sd)
		if os != nil && os.Flags&SectionExec != 0 || ns != nil && ns.Flags&SectionExec != 0 {
			continue
		}
		if os != nil && ns != nil && os.Size == ns.Size && len(sd.Changed) == 0 && len(h.retargeted(os, ns)) == 0 {
			continue // the common case, decided without the metadata
		}
		h.prepareMetadata(h.old, h.new)
		om, nm := h.sectionMetadata(h.old, os), h.sectionMetadata(h.new, ns)
		var od, nd uint64
		if os != nil {
			od = dataBytes(os, om)
		}
		if ns != nil {
			nd = dataBytes(ns, nm)
		}
		writable := (os != nil && os.Flags&(SectionWrite|SectionBSS) != 0 || ns != nil && ns.Flags&(SectionWrite|SectionBSS) != 0) && !relro(sd.Name)
		var changed []ByteRange
		switch {
		case od == nd:
		case writable && (os == nil || ns == nil):
			what, s, img := "added", ns, "new"
			if ns == nil {
				what, s, img = "removed", os, "old"
			}
			h.add(Finding{Rule: RuleDataResized, Image: img, RVA: s.RVA, Size: uint32(max(od, nd)), Section: sd.Name,
				Message: fmt.Sprintf("writable data section %s with %d bytes of data: new or removed mutable state", what, max(od, nd))})
			continue
		case writable && (os.Size == ns.Size || metadataBytes(os, om) != metadataBytes(ns, nm) && max(od, nd)-min(od, nd) <= maxMetadataPadding):
			// Only metadata (build information) changed size, and the
			// section's alignment padding with it: the data moved, which
			// a patch does not see (the alignment judges its contents).
		case writable:
			h.add(Finding{Rule: RuleDataResized, Image: "new", RVA: ns.RVA, Section: sd.Name,
				Message: fmt.Sprintf("writable data section %s holds %d bytes of data, was %d: globals added, removed or resized", sd.Name, nd, od)})
		case ns == nil:
			continue // read-only data no code of the new image can refer to
		case os == nil:
			changed = h.dropPadding(ns, nonMetadata(ns, nm, 0, ns.Size)) // new constants
		}
		var al *dataAlign
		if os != nil && ns != nil && nd == 0 && len(h.new.relocs.in(ns.RVA, ns.RVA+ns.Size)) == 0 {
			// Metadata only, and no pointer in it: nothing to compare.
			if metadataBytes(ns, nm) > 0 {
				h.metaChanged = append(h.metaChanged, metadataNote(sd.Name, ns, nm))
			}
		} else if os != nil && ns != nil {
			al = h.align(os, ns)
			if !writable {
				// Read-only data is judged as its changes come, and only
				// until the findings are capped (rodataClusters).
				rc := h.newRodataClusters(os, ns, al)
				h.alignedChanges(sd.Name, os, ns, nm, al, rc.add)
				rc.findings(sd.Name)
				continue
			}
			h.alignedChanges(sd.Name, os, ns, nm, al, func(final []ByteRange, _ bool) bool {
				changed = append(changed, final...)
				return false
			})
		}
		if len(changed) > 0 {
			if writable {
				h.writableData(sd.Name, os, ns, changed)
			} else {
				h.rodata(sd.Name, os, ns, al, changed)
			}
		}
	}
	return nil
}

// metadataNote notes the metadata bytes of new section ns, not compared.
func metadataNote(name string, ns *Section, nm []Range) Finding {
	return Finding{Rule: RuleMetadataChanged, Image: "new", RVA: ns.RVA, Section: name,
		Message: fmt.Sprintf("%d bytes of metadata inside %s (unwind, debug, import or Go runtime tables) not compared: regenerated by the patch tooling", metadataBytes(ns, nm), name)}
}

// changeWindow is how many bytes of new offsets alignedChanges compares
// at a time (a variable for the test that varies it).
var changeWindow uint32 = 256 << 10

// alignedChanges compares aligned section pair al (old os, new ns, whose
// metadata ranges are nm) a window of new offsets at a time, and passes
// the changed ranges (offsets in ns) to take as they become final, in
// order, last set on the last call: bytes not where the alignment puts
// them (a pointer they cut into whole), relocated pointers whose targets
// are not, less metadata and padding. It stops when take
// returns true. It then notes the metadata of ns, and how many changed
// pointer bytes were in it.
func (h *assessor) alignedChanges(name string, os, ns *Section, nm []Range, al *dataAlign, take func(final []ByteRange, last bool) bool) {
	end := uint32(len(al.nb))
	par := len(al.ob)+len(al.nb) >= concurrentAlignBytes
	var pending []ByteRange // merged, not yet final
	var inMeta uint64
	for lo := uint32(0); ; {
		hi := end
		if end-lo > changeWindow {
			hi = lo + changeWindow
		}
		// The bytes and the pointers are compared at once in large
		// sections: changed reads only the alignment's bytes and anchors,
		// which pointersChanged leaves alone.
		var bs []ByteRange
		var ps []uint32
		concurrently(par, func() { bs = al.changed(nm, lo, hi) }, func() { ps = h.pointersChanged(al, lo, hi) })
		pending = mergeByteRanges(append(pending, mergePointers(h.wholePointers(ns, bs), ps, h.ptrSize())...))
		// Ranges ending before hi are final: later windows' start at hi
		// or past it.
		k := len(pending)
		if hi < end {
			k = sort.Search(len(pending), func(k int) bool { return pending[k].Off+pending[k].Size >= hi })
		}
		ch := h.dropEqualInferred(al, os, ns, pending[:k])
		pending = pending[k:]
		var n uint64
		ch, n = h.dropMetadata(ns, nm, ch)
		inMeta += n
		// Past the old size, zero runs are alignment padding (see
		// dropPadding); the appended bytes come from the alignment.
		j := sort.Search(len(ch), func(j int) bool { return ch[j].Off+ch[j].Size > os.Size })
		ch = append(ch[:j:j], h.dropPadding(ns, ch[j:])...)
		ch = al.dropInsertedPadding(ch)
		if take(ch, hi == end) && hi < end {
			inMeta = h.pointerBytesInMetadata(al, nm) // of the whole section, not only the windows compared
			break
		}
		if hi == end {
			break
		}
		lo = hi
	}
	if inMeta > 0 {
		h.metaChanged = append(h.metaChanged, Finding{Rule: RuleMetadataChanged, Image: "new", RVA: ns.RVA, Section: name,
			Message: fmt.Sprintf("%d changed pointer bytes in metadata inside %s: regenerated by the patch tooling", inMeta, name)})
	}
	if metadataBytes(ns, nm) > 0 {
		h.metaChanged = append(h.metaChanged, metadataNote(name, ns, nm))
	}
}

// wholePointers widens each changed range rs (offsets in new section ns)
// to the pointers it cuts into: the alignment reads a pointer as two bytes
// naming its target (see sectionBytes), so a retargeted one differs in
// those two bytes only, which shown alone are the pointer's high bytes,
// equal on both sides.
func (h *assessor) wholePointers(ns *Section, rs []ByteRange) []ByteRange {
	ps := h.ptrSize()
	for i, r := range rs {
		slots := pointerSlots(h.new, ns, r.Off, r.Off+r.Size)
		if len(slots) == 0 {
			continue
		}
		lo, hi := min(r.Off, slots[0]), max(r.Off+r.Size, slots[len(slots)-1]+ps)
		rs[i] = ByteRange{Off: lo, Size: min(hi, ns.FileSize) - lo}
	}
	return mergeByteRanges(rs)
}

// dropEqualInferred returns changed (offsets in new section ns, pointers
// whole) less the words taken for pointers only because they look like
// addresses (see pointersInferred and inferPointers) that hold the same
// value on both sides: a number that happens to look like an address
// (Go's runtime tables hold many) reads as what lies there, which differs
// when the sections around it moved, while its bytes did not change.
func (h *assessor) dropEqualInferred(al *dataAlign, os, ns *Section, changed []ByteRange) []ByteRange {
	if !h.new.relocsInferred && !pointersInferred(h.new, ns) || h.ptrSize() != 8 {
		return slices.Clone(changed)
	}
	ow, nw := window{b: h.old, s: os}, window{b: h.new, s: ns}
	var out []ByteRange
	for _, r := range changed {
		var same []Range
		for _, slot := range pointerSlots(h.new, ns, r.Off, r.Off+r.Size) {
			o, ok := al.oldOffset(slot)
			if op, np := ow.at(o, 8), nw.at(slot, 8); ok && op != nil && np != nil && bytes.Equal(op, np) {
				same = append(same, Range{RVA: ns.RVA + slot, Size: 8})
			}
		}
		out = subtract(out, r, ns.RVA, same)
	}
	return out
}

// pointerSlots returns the offsets in section s of b of the pointers that
// sectionBytes marks (its relocations, or the words it infers) whose
// marks overlap [lo, hi), in order.
func pointerSlots(b *Binary, s *Section, lo, hi uint32) []uint32 {
	var out []uint32
	if !pointersInferred(b, s) {
		for _, r := range b.relocs.in(s.RVA+lo-min(lo, 7), s.RVA+hi) {
			out = append(out, r-s.RVA)
		}
		return out
	}
	w := window{b: b, s: s}
	for o := (lo - min(lo, 7) + 7) &^ 7; o < hi; o += 8 {
		if p := w.at(o, 8); p != nil {
			if _, ok := imageAddress(b, binary.LittleEndian.Uint64(p)); ok {
				out = append(out, o)
			}
		}
	}
	return out
}

// retargetNote describes the pointers in changed range r (offsets in new
// section ns) that point to something else than the old pointers where
// the alignment puts them: "; the pointer at .data+0x10 points to b, was
// a", at most maxRetargetNotes of them, else "" (the bytes alone show two
// addresses, not what they denote).
func (h *assessor) retargetNote(os, ns *Section, r ByteRange) string {
	al := h.aligns[ns]
	if al == nil {
		return ""
	}
	ps := h.ptrSize()
	var b strings.Builder
	n := 0
	ow, nw := window{b: h.old, s: os}, window{b: h.new, s: ns}
	for _, slot := range pointerSlots(h.new, ns, r.Off, r.Off+r.Size) {
		o, ok := al.oldOffset(slot)
		op, np := ow.at(o, ps), nw.at(slot, ps)
		if !ok || op == nil || np == nil {
			continue
		}
		ov, nv := h.old.pointerIn(os.RVA+o, op), h.new.pointerIn(ns.RVA+slot, np)
		ot, ook := imageAddress(h.old, ov)
		nt, nok := imageAddress(h.new, nv)
		if ook && nok && h.sameThing(ot, nt) {
			continue
		}
		if n++; n <= maxRetargetNotes {
			fmt.Fprintf(&b, "; the pointer at %s+%#x points to %s, was %s", ns.Name, slot, h.pointee(h.new, nv), h.pointee(h.old, ov))
		}
	}
	if n == maxRetargetNotes+1 {
		b.WriteString("; and 1 more pointer")
	} else if n > maxRetargetNotes {
		fmt.Fprintf(&b, "; and %d more pointers", n-maxRetargetNotes)
	}
	return b.String()
}

const maxRetargetNotes = 2

// pointee names what address v of image b points to: a function (and the
// offset in it), else the section and offset, else nothing (a value that
// is no address in the image: the data there held no pointer).
func (h *assessor) pointee(b *Binary, v uint64) string {
	t, ok := imageAddress(b, v)
	if !ok {
		return fmt.Sprintf("nothing (%#x)", v)
	}
	if k := h.functionIndex(b, t); k >= 0 {
		f := &b.Functions[k]
		if t == f.RVA {
			return funcLabel(f)
		}
		return fmt.Sprintf("%s+%#x", funcLabel(f), t-f.RVA)
	}
	s := h.section(b, t)
	return fmt.Sprintf("%s+%#x", s.Name, t-s.RVA)
}

// pointerBytesInMetadata counts the bytes of the changed relocated
// pointers of al's new section that lie in its metadata ranges nm (the
// other changed bytes never do): what the windows alignedChanges did not
// compare would have added to the count.
func (h *assessor) pointerBytesInMetadata(al *dataAlign, nm []Range) uint64 {
	ps, ns := h.ptrSize(), al.ns
	var ptrs []uint32
	for _, m := range nm {
		if m.RVA+m.Size <= ns.RVA || m.RVA >= ns.RVA+uint32(len(al.nb)) {
			continue
		}
		lo := max(m.RVA, ns.RVA+ps-1) - (ps - 1) - ns.RVA
		ptrs = append(ptrs, h.pointersChanged(al, lo, min(m.RVA+m.Size-ns.RVA, uint32(len(al.nb))))...)
	}
	rs := mergePointers(nil, ptrs, ps)
	_, n := h.dropMetadata(ns, nm, rs)
	return n
}

// dataAlign pairs the bytes of an old and a new data section, so that
// data that merely moved (because data was inserted or removed before
// it) is not taken for changed data: each new byte is compared with the
// old byte the shift of the nearest anchors (words unique on both sides,
// in the same order, and the common prefix and suffix) puts it on.
// Relocated pointers read as what they point to (a paired function, or
// the data there), so a pointer to moved data is unchanged.
type dataAlign struct {
	hint    int     // the anchor anchorBefore found last
	pages   []int32 // see anchorPages, made on first need
	os, ns  *Section
	dm      *dataMap
	ob, nb  []byte
	anchors []dataAnchor // by new offset, the prefix and suffix included
}

// align returns the alignment of old section os and new section ns,
// made on first need and kept until the data rules are done (pointers of
// other sections are judged through it).
func (h *assessor) align(os, ns *Section) *dataAlign {
	if al, ok := h.aligns[ns]; ok {
		return al
	}
	// Relocated pointers read as what they point to: a paired function
	// (the same on both sides), an unpaired one (never equal), or the
	// section of the data (pointersChanged judges where in it).
	id := func(b *Binary) func(rva uint32) uint64 {
		names := make([]uint64, len(b.Sections)) // hashed once: there may be a pointer to data per 8 bytes
		for i := range b.Sections {
			names[i] = xxh3.HashString(b.Sections[i].Name) | 1
		}
		return func(rva uint32) uint64 {
			k := b.functionStart(rva)
			if k < 0 {
				if i := b.sectionIndex(rva); i >= 0 {
					return names[i]
				}
				return 1
			}
			return h.functionID(b, k)
		}
	}
	// The two sides of large sections are read concurrently, as the diff
	// reads them.
	both := func(f, g func()) { concurrently(uint64(os.FileSize)+uint64(ns.FileSize) >= concurrentAlignBytes, f, g) }
	dm := newSectionPair(h.old, h.new, os, ns, id(h.old), id(h.new), both)
	al := &dataAlign{dm: dm, ob: dm.ob, nb: dm.nb, os: os, ns: ns}
	if as, ok := diffAnchors(h.res)[[2]uint32{os.RVA, ns.RVA}]; ok {
		dm.anchors = as // the diff's, found on the same bytes but for its pointers' names
	} else if p := int(dm.prefix); p < min(len(al.ob), len(al.nb)) {
		// The diff settled every reference into this section by its own
		// bytes, without anchors: find them as the diff would, but not in
		// large tables of loader metadata (a Go program's pclntab and
		// funcdata are most of its .rdata): they are not compared, and
		// their words would steer the anchor chain. Small metadata
		// (unwind records between the data) moves with the data around
		// it and anchors it.
		h.prepareMetadata(h.old, h.new)
		dm.buildAnchorsOutside(h.largeMetadata(os, h.old), h.largeMetadata(ns, h.new))
	}
	al.anchors = append(al.anchors, dataAnchor{0, 0})
	for _, a := range dm.anchors {
		if a.old >= dm.prefix && a.new >= dm.prefix && int(a.new)+8 <= len(al.nb)-int(dm.suffix) {
			al.anchors = append(al.anchors, a)
		}
	}
	sfx := min(int(dm.suffix), len(al.ob), len(al.nb))
	al.anchors = append(al.anchors, dataAnchor{uint32(len(al.ob) - sfx), uint32(len(al.nb) - sfx)})
	if h.aligns == nil {
		h.aligns = map[*Section]*dataAlign{}
	}
	h.aligns[ns] = al
	return al
}

// functionID is what a relocated pointer to function k of side b reads
// as in the alignment: for a pair the old function's address (the same on
// both sides), else k on its side (never equal). It is asked once per
// pointer, 160,000 times per side on a large Go program, each a look at
// the function's diff at random: past a sixteenth of the functions, the
// answers are made for all of them in one pass in order.
func (h *assessor) functionID(b *Binary, k int) uint64 {
	x := h.side(b)
	if x.funcIDs == nil {
		if x.idLookups < len(b.Functions)/16 {
			x.idLookups++
			return h.functionIDOf(b, k)
		}
		x.funcIDs = make([]uint64, len(b.Functions))
		for j := range x.funcIDs {
			x.funcIDs[j] = h.functionIDOf(b, j)
		}
	}
	return x.funcIDs[k]
}

// functionIDOf is functionID, looked up.
func (h *assessor) functionIDOf(b *Binary, k int) uint64 {
	if fd, ok := h.fdOf(b, k); ok && fd.Kind != Added && fd.Kind != Removed {
		return uint64(fd.Old.RVA) + 1 // a pair: the same on both sides
	}
	return uint64(k) + 1<<40 + uint64(len(b.Functions))<<41*btoi(b == h.new)
}

// pointersChanged returns the offsets in [lo, hi) of new section ns of
// relocated pointers to data that do not point to the aligned place of what the old
// pointer at the aligned offset pointed to (the alignment reads every
// pointer into a section as equal: this tells them apart).
func (h *assessor) pointersChanged(al *dataAlign, lo, hi uint32) []uint32 {
	os, ns := al.os, al.ns
	ps := h.ptrSize()
	var out []uint32
	as := al.anchors
	k := max(sort.Search(len(as), func(k int) bool { return as[k].new > lo })-1, 0)
	ow, nw := window{b: h.old, s: os}, window{b: h.new, s: ns}
	for _, r := range h.new.relocs.in(ns.RVA+lo, ns.RVA+min(hi, uint32(len(al.nb)))) {
		n := r - ns.RVA
		for k+1 < len(as) && as[k+1].new <= n { // relocations come in address order
			k++
		}
		o := int64(n) - int64(as[k].new) + int64(as[k].old)
		if o < 0 || uint64(n)+uint64(ps) > uint64(len(al.nb)) || uint64(o)+uint64(ps) > uint64(len(al.ob)) {
			continue
		}
		op, np := ow.at(uint32(o), ps), nw.at(n, ps)
		if op == nil || np == nil {
			continue
		}
		ov, nv := h.old.pointerIn(os.RVA+uint32(o), op), h.new.pointerIn(ns.RVA+n, np)
		if ov < h.old.ImageBase || nv < h.new.ImageBase || ov-h.old.ImageBase >= 1<<32 || nv-h.new.ImageBase >= 1<<32 {
			continue
		}
		ot, nt := uint32(ov-h.old.ImageBase), uint32(nv-h.new.ImageBase)
		ts, tn := h.section(h.old, ot), h.section(h.new, nt)
		if ts == nil || tn == nil || ts.Name != tn.Name || ts.Flags&SectionExec != 0 {
			continue // code, or another section: the alignment compared these
		}
		if inRanges(h.sectionMetadata(h.old, ts), ot) && inRanges(h.sectionMetadata(h.new, tn), nt) {
			continue // into metadata on both sides (Go's funcdata and GC bitmaps): regenerated with it
		}
		if !h.alignedPointer(ts, tn, ot-ts.RVA, nt-tn.RVA) && !h.sameRTTI(ot, nt) && !h.sameGoString(&ow, &nw, uint32(o), n, ot, nt) {
			out = append(out, n)
		}
	}
	return out
}

// maxGoString bounds the strings sameGoString compares.
const maxGoString = 1 << 16

// sameGoString reports whether the pointers at old offset o (window ow)
// and new offset n (nw), to old ot and new nt, are the data words of Go
// string headers of one length whose bytes are equal: the same string
// value, wherever the linker put its bytes (it lays them out by length,
// so one moves whenever a string is added among them). A header whose
// third word equals its length may be a slice's, whose length counts
// elements, not bytes: it is left to the alignment.
func (h *assessor) sameGoString(ow, nw *window, o, n, ot, nt uint32) bool {
	if _, types := h.goRuntime(h.new); types.Size == 0 {
		return false
	}
	op, np := ow.at(o+8, 16), nw.at(n+8, 16)
	if op == nil || np == nil {
		return false
	}
	le := binary.LittleEndian
	ln := le.Uint64(op)
	if ln != le.Uint64(np) || ln == 0 || ln > maxGoString || le.Uint64(op[8:]) == ln || le.Uint64(np[8:]) == ln {
		return false
	}
	ob, nb := make([]byte, ln), make([]byte, ln)
	return h.readRVA(h.old, ob, ot) && h.readRVA(h.new, nb, nt) && bytes.Equal(ob, nb)
}

// alignedPointer reports whether new offset nt of section tn is where the
// alignment of (ts, tn) puts old offset ot: either neighbouring anchor's
// shift, the one the alignment compares bytes with.
func (h *assessor) alignedPointer(ts, tn *Section, ot, nt uint32) bool {
	if ts.FileSize == 0 || tn.FileSize == 0 || ot >= ts.FileSize || nt >= tn.FileSize {
		return ot == nt || int64(nt)-int64(ot) == int64(tn.Size)-int64(ts.Size) // uninitialized: no bytes to align by
	}
	al := h.align(ts, tn)
	k := al.anchorBefore(nt)
	as := al.anchors
	for _, j := range []int{k, k + 1} {
		if j >= 0 && j < len(as) && int64(nt)-int64(as[j].new) == int64(ot)-int64(as[j].old) {
			return true
		}
	}
	return false
}

// resultAnchors holds, for each Result of Diff still alive, the anchors of
// the data maps the diff built (words unique on both sides, in order), by
// old and new section RVA: the assessment aligns the data sections by
// them instead of finding them again. They stay out of Result, whose
// fields are all exported (go-cmp compares them), and go with it.
var resultAnchors sync.Map // weak.Pointer[Result] → map[[2]uint32][]dataAnchor

// keepAnchors records the anchors of r's data maps until r is collected.
func keepAnchors(r *Result, anchors map[[2]uint32][]dataAnchor) {
	if len(anchors) == 0 {
		return
	}
	wp := weak.Make(r)
	resultAnchors.Store(wp, anchors)
	keptAnchors.Add(1)
	runtime.AddCleanup(r, func(wp weak.Pointer[Result]) {
		resultAnchors.Delete(wp)
		keptAnchors.Add(-1)
	}, wp)
}

// keptAnchors counts the entries of resultAnchors: with none, diffAnchors
// looks nothing up (weak.Make gives r a weak handle, at a cost).
var keptAnchors atomic.Int64

// diffAnchors returns the anchors keepAnchors recorded for r, or nil (a
// Result read from JSON, or made otherwise).
func diffAnchors(r *Result) map[[2]uint32][]dataAnchor {
	if keptAnchors.Load() == 0 {
		return nil
	}
	if v, ok := resultAnchors.Load(weak.Make(r)); ok {
		return v.(map[[2]uint32][]dataAnchor)
	}
	return nil
}

// concurrentAlignBytes is the size of a section pair from which its two
// sides are read, and its bytes and pointers compared, concurrently.
const concurrentAlignBytes = 1 << 20

// concurrently runs f and g, at once when par is set: f in a goroutine
// whose memory faults (a mapped file cut short) are raised again here.
func concurrently(par bool, f, g func()) {
	if !par {
		f()
		g()
		return
	}
	var faults faultRelay
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer faults.catch(debug.SetPanicOnFault(true))
		f()
	}()
	g()
	<-done
	faults.rethrow()
}

func btoi(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// freeAligns releases the alignments' copies of the sections.
func (h *assessor) freeAligns() {
	for _, al := range h.aligns {
		al.dm.free()
	}
	h.aligns = nil
}

// changed returns the new offsets in [lo, hi) whose byte is not the old
// byte that either neighbouring anchor's shift puts it on, as ranges,
// outside the ranges skip (RVAs, sorted). Whether a byte is reported
// depends on it alone, so the ranges of consecutive windows, joined, are
// those of the whole.
func (al *dataAlign) changed(skip []Range, lo, hi uint32) []ByteRange {
	var out []ByteRange
	ob, nb, as := al.ob, al.nb, al.anchors
	start := max(int(al.dm.prefix), int(lo))
	end := min(len(nb)-min(int(al.dm.suffix), len(ob), len(nb)), int(hi))
	k := max(sort.Search(len(as), func(k int) bool { return int(as[k].new) > start })-1, 0) // as[k] is the last anchor at or before n
	base := int64(al.ns.RVA)
	for n := start; n < end; {
		// Metadata (sorted RVA ranges) is skipped: it is not judged.
		for len(skip) > 0 && int64(skip[0].RVA)+int64(skip[0].Size)-base <= int64(n) {
			skip = skip[1:]
		}
		if len(skip) > 0 && int64(skip[0].RVA)-base <= int64(n) {
			n = int(int64(skip[0].RVA) + int64(skip[0].Size) - base)
			continue
		}
		for k+1 < len(as) && int(as[k+1].new) <= n {
			k++
		}
		// Eight bytes at a time while they are where the anchor before
		// puts them (most bytes), then byte by byte. A byte is reported
		// by what it is, so how far the words go is free: up to the next
		// anchor, past metadata (never reported) when it is equal too.
		if o := n - int(as[k].new) + int(as[k].old); o >= 0 {
			lim := min(end, n+len(ob)-o)
			if k+1 < len(as) {
				lim = min(lim, int(as[k+1].new))
			}
			m := n
			for m+8 <= lim {
				if x := binary.LittleEndian.Uint64(nb[m:]) ^ binary.LittleEndian.Uint64(ob[m-n+o:]); x != 0 {
					m += bits.TrailingZeros64(x) / 8 // the equal bytes before the first that differs
					break
				}
				m += 8
			}
			if m > n {
				n = m
				continue
			}
		}
		if !al.sameAt(n, as[k]) && !(k+1 < len(as) && al.sameAt(n, as[k+1])) {
			out = appendRange(out, ByteRange{Off: uint32(n), Size: 1})
		}
		n++
	}
	return out
}

// sameAt reports whether new byte n equals the old byte anchor a's shift
// puts it on.
func (al *dataAlign) sameAt(n int, a dataAnchor) bool {
	o := n - int(a.new) + int(a.old)
	return o >= 0 && o < len(al.ob) && al.ob[o] == al.nb[n]
}

// anchorBefore returns the index of the last anchor at or before new
// offset n, or -1: the previous answer when it still holds (pointers in
// tables point near each other), else by a search among the anchors of
// n's page (see pages).
func (al *dataAlign) anchorBefore(n uint32) int {
	as, k := al.anchors, al.hint
	if k >= 0 && k < len(as) && as[k].new <= n && (k+1 == len(as) || as[k+1].new > n) {
		return k
	}
	if al.pages == nil {
		al.pages = anchorPages(as)
	}
	// The answer is the page's first candidate or one of the anchors
	// that start within the page.
	lo, hi := 0, len(as)
	if p := int(n >> anchorPageBits); p+1 < len(al.pages) {
		lo, hi = int(al.pages[p]), int(al.pages[p+1])+1
	} else if len(al.pages) > 0 {
		lo = int(al.pages[len(al.pages)-1])
	}
	lo = max(lo, 0)
	for lo < hi { // the first anchor past n
		mid := int(uint(lo+hi) >> 1)
		if as[mid].new > n {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	al.hint = lo - 1
	return lo - 1
}

// anchorPageBits is log2 of the bytes of new offsets one entry of
// dataAlign.pages covers.
const anchorPageBits = 12

// anchorPages returns, for each page of new offsets up to the last
// anchor's, the index of the last anchor at or before the page's start
// (-1 if none).
func anchorPages(as []dataAnchor) []int32 {
	if len(as) == 0 {
		return []int32{}
	}
	pages := make([]int32, as[len(as)-1].new>>anchorPageBits+1)
	k := -1
	for p := range pages {
		for k+1 < len(as) && as[k+1].new <= uint32(p)<<anchorPageBits {
			k++
		}
		pages[p] = int32(k)
	}
	return pages
}

// oldOffset returns the old offset the shift of the anchor before new
// offset n puts it on.
func (al *dataAlign) oldOffset(n uint32) (uint32, bool) {
	as := al.anchors
	k := al.anchorBefore(n)
	if k < 0 {
		return 0, false
	}
	o := int64(n) - int64(as[k].new) + int64(as[k].old)
	if o < 0 || o >= int64(len(al.ob)) {
		return 0, false
	}
	return uint32(o), true
}

// maxMetadataPadding is how far the data of a writable section may seem
// to grow or shrink when metadata inside it changed size: the alignment
// padding after the metadata (Go aligns what follows its build
// information to 32 bytes).
const maxMetadataPadding = 64

// metadataBytes counts the bytes of section s the metadata ranges cover.
func metadataBytes(s *Section, meta []Range) uint64 {
	return uint64(s.Size) - dataBytes(s, meta)
}

// mergePointers merges the sorted ranges rs and the sorted offsets of
// changed pointers of ps bytes into sorted, merged ranges.
func mergePointers(rs []ByteRange, ptrs []uint32, ps uint32) []ByteRange {
	if len(ptrs) == 0 {
		return rs
	}
	out := make([]ByteRange, 0, len(rs)+len(ptrs))
	i := 0
	for _, p := range ptrs {
		for i < len(rs) && rs[i].Off <= p {
			out = append(out, rs[i])
			i++
		}
		out = append(out, ByteRange{Off: p, Size: ps})
	}
	return mergeByteRanges(append(out, rs[i:]...))
}

// dropMetadata removes from changed (offsets in new section ns) the
// metadata ranges nm, and returns how many bytes fell in them.
func (h *assessor) dropMetadata(ns *Section, nm []Range, changed []ByteRange) ([]ByteRange, uint64) {
	if len(nm) == 0 || len(changed) == 0 {
		return changed, 0
	}
	before := sumBytes(changed)
	var out []ByteRange
	for _, r := range changed {
		out = subtract(out, r, ns.RVA, nm)
	}
	in := before - sumBytes(out)
	return h.dropMetadataPadding(ns, nm, out), in
}

// dropMetadataPadding removes the ranges of zero bytes (section offsets of
// ns) that start less than maxMetadataPadding after the end of a metadata
// range: the alignment after metadata that grew (Go's build information),
// where the old data used to start.
func (h *assessor) dropMetadataPadding(ns *Section, nm []Range, changed []ByteRange) []ByteRange {
	var buf [maxMetadataPadding]byte
	out := changed[:0]
	for _, r := range changed {
		rva := ns.RVA + r.Off
		i := sort.Search(len(nm), func(i int) bool { return nm[i].RVA > rva }) - 1
		if i >= 0 && r.Size <= maxMetadataPadding && rva >= nm[i].End() && rva-nm[i].End() < maxMetadataPadding {
			if p := buf[:r.Size]; h.readRVA(h.new, p, rva) && !slices.ContainsFunc(p, func(c byte) bool { return c != 0 }) {
				continue
			}
		}
		out = append(out, r)
	}
	return out
}

// writableData reports the changed ranges of a writable section as
// data-changed findings, a cluster of nearby ranges each, with the
// functions that refer to them.
func (h *assessor) writableData(name string, os, ns *Section, changed []ByteRange) {
	cl := clusters(changed)
	var spans []span
	for _, c := range cl {
		if len(spans) >= maxFindingsPerRule {
			break
		}
		spans = append(spans, span{lo: ns.RVA + c.Off, hi: ns.RVA + c.Off + c.Size})
	}
	h.readers(ns, spans)
	al := h.aligns[ns]
	for i, c := range cl {
		f := Finding{Rule: RuleDataChanged, Image: "new", RVA: ns.RVA + c.Off, Size: c.Size, Section: name}
		// Bytes the new image inserted are new globals, or an existing
		// one grown: new mutable state.
		added := al != nil && al.insertion(c, maxShownInsertion, func([]byte) bool { return true })
		if added {
			f.Rule = RuleDataResized
		}
		if i < len(spans) {
			f.Readers = h.names(h.new, spans[i].all)
			f.OldBytes, f.NewBytes = h.shownBytes(os, ns, c)
			if added {
				f.Message = fmt.Sprintf("%s of initialized writable data inserted at %s+%#x: new mutable state, or a global grown", nBytes(c.Size), name, c.Off)
			} else {
				f.Message = fmt.Sprintf("%s of initialized writable data changed at %s+%#x: the running process keeps the old values", nBytes(c.Size), name, c.Off) + h.retargetNote(os, ns, c)
			}
		}
		h.add(f)
	}
}

// clusters merges changed ranges less than clusterGap apart: one finding
// each.
func clusters(changed []ByteRange) []ByteRange {
	var out []ByteRange
	for _, r := range changed {
		if k := len(out) - 1; k >= 0 && r.Off-(out[k].Off+out[k].Size) <= clusterGap {
			out[k].Size = r.Off + r.Size - out[k].Off
			continue
		}
		out = append(out, r)
	}
	return out
}

// span is an RVA range of data whose readers are wanted, and what
// readers found.
type span struct {
	lo, hi    uint32
	all       []int32 // new functions referring into [lo, hi), at most maxReaders+1
	unpatched []int32 // of which neither changed nor added
	patched   bool    // some changed or added function refers into it
	via       uint32  // when the readers are those of a pointer to it (throughPointers), the pointer's RVA
	mutable   uint32  // the RVA of such a pointer held in writable data, 0 if none
}

// readers fills the readers of spans (sorted by lo, in section s of the
// new image): one pass over every function's data references.
func (h *assessor) readers(s *Section, spans []span) {
	b := h.new
	if len(spans) == 0 || len(b.fps) != len(b.Functions) {
		return
	}
	ps := h.patchedSet()
	// Most references miss every span: one range check rejects them.
	lo, size := spans[0].lo, uint32(0)
	for _, sp := range spans {
		lo = min(lo, sp.lo)
	}
	for _, sp := range spans {
		size = max(size, sp.hi-lo)
	}
	size = min(size, s.RVA+s.Size-min(lo, s.RVA+s.Size))
	// The references of all functions lie in one list, in function
	// order: it is walked alone, and the function of a reference that
	// hits is found from the last one's (most miss every span).
	i := 0
	for j, r := range b.drefs {
		if r-lo >= size {
			continue
		}
		if fp := &b.fps[i]; uint32(j)-fp.drefOff >= fp.drefN {
			i = drefFunction(b.fps, i, uint32(j))
		}
		k := sort.Search(len(spans), func(k int) bool { return spans[k].hi > r })
		for ; k < len(spans) && spans[k].lo <= r; k++ {
			sp := &spans[k]
			if j := len(sp.all) - 1; j >= 0 && sp.all[j] == int32(i) {
				continue
			}
			if len(sp.all) <= maxReaders {
				sp.all = append(sp.all, int32(i))
			}
			if ps[i/64]&(1<<(i%64)) != 0 {
				sp.patched = true
			} else if len(sp.unpatched) <= maxReaders {
				sp.unpatched = append(sp.unpatched, int32(i))
			}
		}
	}
}

// drefFunction returns the function whose data references hold index j
// of Binary.drefs, searching fps from function i on (j is past i's).
func drefFunction(fps []fingerprint, i int, j uint32) int {
	// The last function whose references start at or before j: the one
	// holding j (those before it with none start there too). Hits are
	// mostly a few functions apart: a few steps from i, then galloping.
	for range 4 {
		if i+1 == len(fps) || fps[i+1].drefOff > j {
			return i
		}
		i++
	}
	lo, step := i, 1 // fps[lo].drefOff <= j
	for lo+step < len(fps) && fps[lo+step].drefOff <= j {
		lo += step
		step *= 2
	}
	hi := min(lo+step, len(fps)) // fps[hi].drefOff > j, or the end
	return lo + sort.Search(hi-lo, func(k int) bool { return fps[lo+k].drefOff > j }) - 1
}

// maxHops bounds the pointers throughPointers follows.
const maxHops = 4096

// throughPointers finds readers for the spans (of one section of the new
// image, sorted) that no function's code refers to: the readers of the
// relocated pointers to them, one hop away (a table of strings, a
// structure pointing to its constants). Spans in the Go type descriptors
// are left alone: the runtime reaches those through its own tables.
func (h *assessor) throughPointers(spans []span) { h.throughPointersReaching(spans, maxStringReach) }

// throughPointersReaching is throughPointers taking the pointers to at
// most reach bytes before a span (the string holding it) as pointers to
// it.
func (h *assessor) throughPointersReaching(spans []span, reach uint32) {
	_, types := h.goRuntime(h.new)
	var todo []int
	mutableOnly := true // every span is in Go's type data: only pointers from mutable data count (see pointsInto)
	for k := range spans {
		if len(spans[k].all) == 0 {
			todo = append(todo, k)
			mutableOnly = mutableOnly && types.Size > 0 && spans[k].lo-types.RVA < types.Size
		}
	}
	if len(todo) == 0 {
		return
	}
	b, ps := h.new, h.ptrSize()
	lo, hi := spans[todo[0]].lo, spans[todo[len(todo)-1]].hi
	type hop struct {
		k    int    // the span pointed into
		slot uint32 // the pointer's RVA
	}
	var hops []hop
	var sec *Section
	var win window
	relocs := b.relocs.rvas
	if len(relocs) == 0 {
		// No relocation at all (a Go program for Windows built as an
		// executable): the words of data that hold an address in the
		// image, as sectionBytes infers them, found once.
		if !h.inferred.done {
			h.inferred.done, h.inferred.slots = true, inferredSlots(b)
		}
		relocs = h.inferred.slots
	}
	for i := 0; i < len(relocs) && len(hops) < maxHops; i++ {
		r := relocs[i]
		if sec == nil || !sec.Contains(r) {
			sec, win = h.section(b, r), window{b: b, s: h.section(b, r)}
			if sec != nil && (sec.Flags&SectionExec != 0 || metadataSection(sec.Name) || mutableOnly && !mutableData(sec)) {
				// Code, metadata, or no pointer that counts: skip the
				// section's relocations (sorted).
				end := uint64(sec.RVA) + uint64(sec.Size)
				i += sort.Search(len(relocs)-i, func(j int) bool { return uint64(relocs[i+j]) >= end }) - 1
				continue
			}
		}
		if sec == nil {
			continue
		}
		p := win.at(r-sec.RVA, ps)
		if p == nil {
			continue
		}
		v := b.pointerIn(r, p)
		if v < b.ImageBase || v-b.ImageBase >= 1<<32 {
			continue
		}
		t := uint32(v - b.ImageBase)
		if uint64(t)+uint64(reach) < uint64(lo) || t >= hi {
			continue
		}
		j := sort.Search(len(todo), func(j int) bool { return spans[todo[j]].hi > t })
		if j >= len(todo) {
			continue
		}
		if h.pointsInto(&win, r, t, &spans[todo[j]], reach) {
			hops = append(hops, hop{todo[j], r})
		}
	}
	// The readers of each pointer, section by section (hops come in
	// address order): those referring to it, or to the datum it is part of.
	for i := 0; i < len(hops); {
		s := h.section(b, hops[i].slot)
		j := i
		for j < len(hops) && s.Contains(hops[j].slot) {
			j++
		}
		ix := h.newRefIndex(s)
		slots := make([]span, j-i)
		for k, hp := range hops[i:j] {
			start := hp.slot
			if at, ok := ix.before(hp.slot, s.RVA); ok && hp.slot-at <= maxAttribution {
				start = at
			}
			slots[k] = span{lo: start, hi: hp.slot + ps}
		}
		h.readers(s, slots)
		for k, hp := range hops[i:j] {
			sp, from := &spans[hp.k], &slots[k]
			if len(from.all) == 0 {
				continue
			}
			if sp.via == 0 {
				sp.via = hp.slot
			}
			if sp.mutable == 0 && mutableData(s) && !h.metadataBetween(s, hp.slot, hp.slot+ps) {
				sp.mutable = hp.slot
			}
			sp.all = appendReaders(sp.all, from.all)
			sp.unpatched = appendReaders(sp.unpatched, from.unpatched)
			sp.patched = sp.patched || from.patched
		}
		i = j
	}
}

// pointsInto reports whether the pointer at RVA r (in win's section), to
// t, is one to the data of span sp: it points into sp, or, when reach is
// set, to a string or table before sp that holds it: a Go string (or
// slice) whose length, after the pointer, takes it in, or else a C string
// with no NUL before it (sameString; Go strings have none) or a table of
// pointers (pointerTable). Go's type data holds
// type descriptors, which pointers from anywhere (interfaces, itabs,
// other descriptors) reach and which the runtime reaches through its own
// tables: a pointer is taken there only as a global string's or slice's,
// from mutable data, its length taking sp in.
func (h *assessor) pointsInto(win *window, r, t uint32, sp *span, reach uint32) bool {
	_, types := h.goRuntime(h.new)
	off := r - win.s.RVA
	switch {
	case types.Size > 0 && sp.lo-types.RVA < types.Size:
		return mutableData(win.s) && h.lengthCovers(win, off, t, sp) && !h.metadataBetween(win.s, r, r+h.ptrSize())
	case sp.lo <= t:
		return true
	case reach == 0:
		return false
	case types.Size > 0:
		return h.lengthCovers(win, off, t, sp)
	}
	return h.sameString(t, sp.lo) || h.pointerTable(t, sp.lo)
}

// pointerTable reports whether new RVAs [t, lo) hold relocated pointers
// only, one a word: a table of pointers (a vtable) that runs into a change
// at lo, of which a pointer to t points to the start.
func (h *assessor) pointerTable(t, lo uint32) bool {
	ps := h.ptrSize()
	if lo <= t || lo-t > maxStringReach || (lo-t)%ps != 0 || len(h.new.relocs.rvas) == 0 {
		return false
	}
	in := h.new.relocs.in(t, lo)
	if uint32(len(in)) != (lo-t)/ps {
		return false
	}
	for k, r := range in {
		if r != t+uint32(k)*ps {
			return false
		}
	}
	return true
}

// inferredSlots returns the RVAs of the 8-byte aligned words of the data
// sections of b which hold an address inside the image, in address
// order: the pointers of an image without relocations.
func inferredSlots(b *Binary) []uint32 {
	var out []uint32
	for i := range b.Sections {
		s := &b.Sections[i]
		if s.Flags&SectionExec != 0 || s.FileSize == 0 || metadataSection(s.Name) || b.Arch == Arch386 {
			continue
		}
		p, err := b.bytesAt(s.RVA, s.FileSize)
		if err != nil {
			continue
		}
		for o := 0; o+8 <= len(p); o += 8 {
			if _, ok := imageAddress(b, binary.LittleEndian.Uint64(p[o:])); ok {
				out = append(out, s.RVA+uint32(o))
			}
		}
	}
	slices.Sort(out)
	return out
}

// mutableData reports whether section s holds data the program may
// write: writable, and not RELRO.
func mutableData(s *Section) bool { return s.Flags&SectionWrite != 0 && !relro(s.Name) }

// relro reports whether a section of this name is RELRO (.data.rel.ro*):
// writable for the loader's relocations only, read-only after.
func relro(name string) bool { return strings.HasPrefix(name, ".data.rel.ro") }

// lengthCovers reports whether the pointer at offset off of win's section,
// to t, is followed by a length that takes in the whole of span sp and
// stays inside its section: the header of a Go string or slice whose
// bytes hold it (a slice's length counts elements, so one of larger
// elements may be missed). A word that is an address is no length.
func (h *assessor) lengthCovers(win *window, off, t uint32, sp *span) bool {
	ps := h.ptrSize()
	p := win.at(off+ps, ps)
	ts := h.section(h.new, t)
	if p == nil || ts == nil || t > sp.lo {
		return false
	}
	n := uint64(binary.LittleEndian.Uint32(p))
	if ps == 8 {
		n = binary.LittleEndian.Uint64(p)
	}
	if _, ok := imageAddress(h.new, n); ok {
		return false
	}
	return uint64(sp.hi) <= uint64(t)+n && uint64(t)+n <= uint64(ts.RVA)+uint64(ts.FileSize)
}

// maxStringReach is how far before a changed range a pointer may point
// and still be to the string holding it.
const maxStringReach = 256

// sameString reports whether the new image's bytes from t up to lo hold no
// NUL: a pointer to t points to the string that goes on to lo.
func (h *assessor) sameString(t, lo uint32) bool {
	if lo < t || lo-t > maxStringReach {
		return false
	}
	var buf [maxStringReach]byte
	p := buf[:lo-t]
	return h.readRVA(h.new, p, t) && bytes.IndexByte(p, 0) < 0
}

// appendReaders adds the functions of more to fs that are not in it, up
// to maxReaders+1.
func appendReaders(fs, more []int32) []int32 {
	for _, f := range more {
		if len(fs) > maxReaders {
			break
		}
		if !slices.Contains(fs, f) {
			fs = append(fs, f)
		}
	}
	return fs
}

// names names functions of b for a finding: at most maxReaders, then "…".
func (h *assessor) names(b *Binary, fs []int32) []string {
	var out []string
	for k, i := range fs {
		if k == maxReaders {
			out = append(out, "…")
			break
		}
		out = append(out, funcLabel(&b.Functions[i]))
	}
	return out
}

// funcLabel is a function's name, or sub_<rva>.
func funcLabel(f *Function) string {
	if f.Name != "" {
		return f.Name
	}
	return fmt.Sprintf("sub_%x", f.RVA)
}

// shownBytes returns the old and new bytes of range r (offsets in the new
// section; the old bytes where the alignment puts them) in hex when it is
// small; "" for a side that lacks them.
func (h *assessor) shownBytes(os, ns *Section, r ByteRange) (string, string) {
	if r.Size > maxShownBytes {
		return "", ""
	}
	var buf [maxShownBytes]byte
	read := func(b *Binary, s *Section, off uint32) string {
		if s == nil || uint64(off)+uint64(r.Size) > uint64(s.Size) {
			return ""
		}
		p := buf[:r.Size]
		if !h.readRVA(b, p, s.RVA+off) {
			return ""
		}
		b.loadedBytes(s.RVA+off, p) // a pointer the file leaves zero shows as loaded
		return hex.EncodeToString(p)
	}
	// The old bytes are those the alignment compared the new ones with:
	// where the anchor before them puts them, when the data moved; none
	// when the new ones were inserted.
	old := r.Off
	if al := h.aligns[ns]; al != nil {
		if al.insertion(r, maxShownInsertion, func([]byte) bool { return true }) {
			return "", read(h.new, ns, r.Off)
		}
		if o, ok := al.oldOffset(r.Off); ok {
			old = o
		}
	}
	return read(h.old, os, old), read(h.new, ns, r.Off)
}

// maxShownInsertion bounds the inserted bytes shownBytes looks for a
// finding's bytes among (a search of as many places).
const maxShownInsertion = 4096

// minSkippedMetadata is the size from which a metadata range is left out
// of the anchors of an alignment.
const minSkippedMetadata = 64 << 10

// largeMetadata returns the metadata ranges of side b in its section s of
// at least minSkippedMetadata bytes, as offsets in s.
func (h *assessor) largeMetadata(s *Section, b *Binary) []ByteRange {
	rs := sectionOffsets(s, h.sectionMetadata(b, s))
	return slices.DeleteFunc(rs, func(r ByteRange) bool { return r.Size < minSkippedMetadata })
}

// sectionOffsets returns the parts of ranges rs (RVAs, sorted, merged)
// inside section s, as offsets in it.
func sectionOffsets(s *Section, rs []Range) []ByteRange {
	var out []ByteRange
	end := uint64(s.RVA) + uint64(s.Size)
	for _, r := range rs {
		lo, hi := max(uint64(r.RVA), uint64(s.RVA)), min(uint64(r.RVA)+uint64(r.Size), end)
		if lo < hi {
			out = append(out, ByteRange{Off: uint32(lo - uint64(s.RVA)), Size: uint32(hi - lo)})
		}
	}
	return out
}

// nonMetadata returns the offsets in [lo, hi) of section s that are not
// loader metadata, as ranges.
func nonMetadata(s *Section, meta []Range, lo, hi uint32) []ByteRange {
	return subtract(nil, ByteRange{Off: lo, Size: hi - lo}, s.RVA, meta)
}

// maxPadding is the longest run of zero bytes between pieces of metadata
// taken for alignment padding rather than data.
const maxPadding = 16

// dropPadding removes from ranges of section s of the new image the short
// runs of zero bytes that alignment leaves before loader metadata or the
// section end.
func (h *assessor) dropPadding(s *Section, rs []ByteRange) []ByteRange {
	var buf [maxPadding]byte
	out := rs[:0]
	for _, r := range rs {
		if r.Size < maxPadding && h.new.readRVA(buf[:r.Size], s.RVA+r.Off) == nil && allZero(buf[:r.Size]) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// dropInsertedPadding removes from ranges rs (offsets in the new section
// of al) the short runs of zero bytes the linker inserted to align data
// that moved by an odd amount (see insertion), fewer than maxPadding
// bytes. The alignment compares inserted bytes with whatever old bytes
// either shift puts them on; no unchanged code reads them (the diff pairs
// its references with old data, which had no such bytes).
func (al *dataAlign) dropInsertedPadding(rs []ByteRange) []ByteRange {
	out := rs[:0]
	for _, r := range rs {
		if r.Size >= maxPadding || !al.insertion(r, maxPadding-1, allZero) {
			out = append(out, r)
		}
	}
	return out
}

// insertionContext is how many bytes on either side of inserted bytes
// must equal the old bytes around the place they were inserted.
const insertionContext = 8

// insertion reports whether changed range r (offsets in the new section)
// lies in bytes the new side inserted, at most maxLen of them, that
// accept takes: the shifts of the anchors around r differ by the number
// of bytes inserted, n, and for some p the new bytes [p, p+n) cover r
// and are accepted, and the insertionContext bytes before p and after
// p+n are the old bytes before and after where the left shift puts p.
func (al *dataAlign) insertion(r ByteRange, maxLen int, accept func([]byte) bool) bool {
	as := al.anchors
	k := al.anchorBefore(r.Off)
	if k < 0 || k+1 >= len(as) {
		return false
	}
	d := as[k+1].delta() - as[k].delta()
	if d < int64(r.Size) || d > int64(maxLen) {
		return false
	}
	ob, nb, n, c := al.ob, al.nb, int(d), insertionContext
	for p := int(r.Off+r.Size) - n; p <= int(r.Off); p++ {
		o := p - int(as[k].delta())
		if p < c || o < c || p+n+c > len(nb) || o+c > len(ob) {
			continue
		}
		if bytes.Equal(nb[p-c:p], ob[o-c:o]) && bytes.Equal(nb[p+n:p+n+c], ob[o:o+c]) && accept(nb[p:p+n]) {
			return true
		}
	}
	return false
}

// allZero reports whether every byte of p is 0.
func allZero(p []byte) bool {
	for _, c := range p {
		if c != 0 {
			return false
		}
	}
	return true
}

// subtract appends to out the parts of r (offsets from a section at
// secRVA) that no range of meta (sorted, merged RVAs) covers.
func subtract(out []ByteRange, r ByteRange, secRVA uint32, meta []Range) []ByteRange {
	lo, hi := uint64(secRVA)+uint64(r.Off), uint64(secRVA)+uint64(r.Off)+uint64(r.Size)
	i := sort.Search(len(meta), func(i int) bool { return uint64(meta[i].RVA)+uint64(meta[i].Size) > lo })
	for ; i < len(meta) && lo < hi; i++ {
		mlo, mhi := uint64(meta[i].RVA), uint64(meta[i].RVA)+uint64(meta[i].Size)
		if mlo >= hi {
			break
		}
		if mlo > lo {
			out = appendRange(out, ByteRange{Off: uint32(lo - uint64(secRVA)), Size: uint32(mlo - lo)})
		}
		lo = max(lo, mhi)
	}
	if lo < hi {
		out = appendRange(out, ByteRange{Off: uint32(lo - uint64(secRVA)), Size: uint32(hi - lo)})
	}
	return out
}

// appendRange appends r, merging it with the last range if they touch.
func appendRange(out []ByteRange, r ByteRange) []ByteRange {
	if k := len(out) - 1; k >= 0 && out[k].Off+out[k].Size == r.Off {
		out[k].Size += r.Size
		return out
	}
	return append(out, r)
}

func sumBytes(rs []ByteRange) uint64 {
	var n uint64
	for _, r := range rs {
		n += uint64(r.Size)
	}
	return n
}

// mergeByteRanges merges sorted ranges that overlap or touch.
func mergeByteRanges(rs []ByteRange) []ByteRange {
	out := rs[:0]
	for _, r := range rs {
		if k := len(out) - 1; k >= 0 && uint64(r.Off) <= uint64(out[k].Off)+uint64(out[k].Size) {
			out[k].Size = max(out[k].Off+out[k].Size, r.Off+r.Size) - out[k].Off
			continue
		}
		out = append(out, r)
	}
	return out
}

// ptrSize is the size of an absolute address in the images.
func (h *assessor) ptrSize() uint32 {
	if h.old.Arch == Arch386 {
		return 4
	}
	return 8
}

// retargeted returns the offsets in a section pair of relocated pointers
// present at the same offset on both sides whose targets differ. It reads
// every such pair, changed bytes or not: a pointer whose bytes are equal
// points elsewhere when the code under it moved, and the section diff
// masks relocated pointers. The reads go a window at a time, and targets
// past the last function (data, in most images) need no function search.
func (h *assessor) retargeted(os, ns *Section) []uint32 {
	orel := h.old.relocs.in(os.RVA, os.RVA+os.Size)
	nrel := h.new.relocs.in(ns.RVA, ns.RVA+ns.Size)
	if len(orel) == 0 || len(nrel) == 0 {
		return nil
	}
	ps := h.ptrSize()
	// Read the two sections a window at a time: there may be many
	// pointers, in a few parts of large sections.
	ow, nw := window{b: h.old, s: os}, window{b: h.new, s: ns}
	var out []uint32
	for len(orel) > 0 && len(nrel) > 0 {
		oo, no := orel[0]-os.RVA, nrel[0]-ns.RVA
		switch {
		case oo < no:
			orel = orel[1:]
			continue
		case no < oo:
			nrel = nrel[1:]
			continue
		}
		orel, nrel = orel[1:], nrel[1:]
		op, np := ow.at(oo, ps), nw.at(no, ps)
		if ow.bad || nw.bad {
			return nil
		}
		if op == nil || np == nil {
			continue
		}
		ov, nv := h.old.pointerIn(os.RVA+oo, op), h.new.pointerIn(ns.RVA+no, np)
		if ov < h.old.ImageBase || nv < h.new.ImageBase || ov-h.old.ImageBase >= 1<<32 || nv-h.new.ImageBase >= 1<<32 {
			if ov-h.old.ImageBase != nv-h.new.ImageBase {
				out = append(out, oo)
			}
			continue
		}
		if !h.sameTarget(uint32(ov-h.old.ImageBase), uint32(nv-h.new.ImageBase)) {
			out = append(out, oo)
		}
	}
	return out
}

// pointerIn returns the pointer the loader leaves in the slot at rva,
// whose file bytes are p: the file's word, unless a relocation gives the
// slot another value (an ELF linker such as LLVM lld may leave the slot
// of an R_X86_64_RELATIVE relocation zero, its value in the addend).
func (b *Binary) pointerIn(rva uint32, p []byte) uint64 {
	return b.relocatedPointer(rva, leUint(p))
}

func leUint(p []byte) uint64 {
	var v uint64
	for i := len(p) - 1; i >= 0; i-- {
		v = v<<8 | uint64(p[i])
	}
	return v
}
