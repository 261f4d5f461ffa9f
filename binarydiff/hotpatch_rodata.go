package binarydiff

// The read-only data rules of the hotpatchability assessment: changed
// ranges of a read-only section, less the words that hold code addresses
// which merely moved, clustered and attributed to the functions that read
// them.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
	"sort"
)

// refIndex lists the addresses in one section of the new image that
// functions refer to: the starts of the data they read, by which a
// changed range is attributed to the datum it is part of.
type refIndex struct {
	base uint32   // the section's RVA
	offs []uint32 // referenced offsets in the section, sorted, unique
}

// newRefIndex collects the references into section sec in one pass over
// every function's references: marked a byte per offset of a small
// section, or radix sorted.
func (h *assessor) newRefIndex(sec *Section) *refIndex {
	ix := &refIndex{base: sec.RVA}
	b := h.new
	if len(b.fps) != len(b.Functions) {
		return ix
	}
	lo, size := sec.RVA, sec.Size
	if uint64(size) <= 4*uint64(len(b.drefs)) {
		// One past the end of the marks takes the references outside
		// sec, without a branch; only stores (the references come in
		// no order: a load of each mark would wait for its cache line).
		// The marks are counted after, in order, to allocate the list
		// once.
		marks := make([]byte, size+1)
		for _, r := range b.drefs {
			marks[min(r-lo, size)] = 1
		}
		ix.offs = make([]uint32, 0, bytes.Count(marks[:size], []byte{1}))
		for off, m := range marks[:size] {
			if m != 0 {
				ix.offs = append(ix.offs, uint32(off))
			}
		}
		return ix
	}
	// Counted first: the lists are allocated once (a large image's code
	// has hundreds of thousands of references).
	n := 0
	for _, r := range b.drefs {
		if r-lo < size {
			n++
		}
	}
	keys := make([]uint64, 0, n)
	for _, r := range b.drefs {
		if r-lo < size {
			keys = append(keys, uint64(r-lo))
		}
	}
	ix.offs = make([]uint32, 0, n)
	for _, k := range radixSort(keys, 0, max(bits.Len64(uint64(size)), 1)) {
		if n := len(ix.offs); n == 0 || ix.offs[n-1] != uint32(k) {
			ix.offs = append(ix.offs, uint32(k))
		}
	}
	return ix
}

// search returns the index of the first referenced offset at or after
// rva's.
func (ix *refIndex) search(rva uint32) int {
	if rva < ix.base {
		return 0
	}
	i, _ := slices.BinarySearch(ix.offs, rva-ix.base)
	return i
}

// before returns the nearest referenced address at or before rva, not
// before lo.
func (ix *refIndex) before(rva, lo uint32) (uint32, bool) {
	if rva < ix.base {
		return 0, false
	}
	i, found := slices.BinarySearch(ix.offs, rva-ix.base)
	if found {
		i++
	}
	if i == 0 {
		return 0, false
	}
	best := ix.base + ix.offs[i-1]
	if best < lo {
		return 0, false
	}
	return best, true
}

// maxDerivedWords bounds the words of a section checked for addresses
// that only moved: past the budget, changed words count as data. The C++
// exception tables of lightningcss (Rust, MSVC target) take 2^16 to 2^17.
const maxDerivedWords = 1 << 17

// derivedWords holds what drop needs of a read-only section pair: the
// aligned bytes and the references into the new section.
type derivedWords struct {
	h      *assessor
	os, ns *Section
	al     *dataAlign
	refs   *refIndex // see refIndex
	budget int
}

// derived reports whether the 32-bit word at new offset off holds an
// address that changed only because what it points to moved: an
// image-relative RVA of code (MSVC jump tables, SEH scope and C++
// exception tables) or of the section's own data (MSVC x64 RTTI, see
// sameOwnOffset), or an offset relative to the start of its table (GCC
// jump tables), the table being the nearest address before the word that
// code refers to.
func (c *derivedWords) derived(off uint32) bool {
	if c.budget <= 0 || c.al == nil || uint64(off)+4 > uint64(len(c.al.nb)) {
		return false
	}
	o, ok := c.al.oldOffset(off)
	if !ok || uint64(o)+4 > uint64(len(c.al.ob)) {
		return false
	}
	c.budget--
	h := c.h
	ov, nv := binary.LittleEndian.Uint32(c.al.ob[o:]), binary.LittleEndian.Uint32(c.al.nb[off:])
	if h.functionIndex(h.old, ov) >= 0 && h.sameTarget(ov, nv) || h.sameCode(ov, nv) || h.sameOwnOffset(c.os, c.ns, ov, nv) {
		return true
	}
	base, ok := c.refIndex().before(c.ns.RVA+off, c.ns.RVA)
	if !ok {
		return false
	}
	ob, ok := c.al.oldOffset(base - c.ns.RVA)
	if !ok {
		return false
	}
	to, tn := c.os.RVA+ob+ov, base+nv // wrapping adds a signed offset
	return h.functionIndex(h.old, to) >= 0 && h.sameTarget(to, tn)
}

// refIndex returns the references into the new section, found on first
// need.
func (c *derivedWords) refIndex() *refIndex {
	if c.refs == nil {
		c.refs = c.h.newRefIndex(c.ns)
	}
	return c.refs
}

// sameCodeBytes is how many bytes of code sameCode compares.
const sameCodeBytes = 16

// sameCode reports whether old RVA a and new RVA b, both in code no
// function covers (exception filters, handler fragments), are code that
// moved: they start the same bytes, or they moved as far as the function
// before a did.
func (h *assessor) sameCode(a, b uint32) bool {
	os, ns := h.section(h.old, a), h.section(h.new, b)
	if os == nil || ns == nil || os.Flags&SectionExec == 0 || ns.Flags&SectionExec == 0 || h.functionIndex(h.old, a) >= 0 {
		return false
	}
	var x, y [sameCodeBytes]byte
	if h.readRVA(h.old, x[:], a) && h.readRVA(h.new, y[:], b) && x == y {
		return true
	}
	fs := h.old.Functions
	k := sort.Search(len(fs), func(k int) bool { return fs[k].RVA > a }) - 1
	if k < 0 {
		return false
	}
	fd, ok := h.fdOf(h.old, k)
	return ok && fd.New != nil && int64(fd.New.RVA)-int64(fd.Old.RVA) == int64(b)-int64(a)
}

// drop returns the parts of r whose words are not code-derived.
func (c *derivedWords) drop(out []ByteRange, r ByteRange) []ByteRange {
	for w := r.Off &^ 3; w < r.Off+r.Size; w += 4 {
		if c.budget <= 0 {
			lo := max(w, r.Off)
			return appendRange(out, ByteRange{Off: lo, Size: r.Off + r.Size - lo})
		}
		if !c.derived(w) {
			lo, hi := max(w, r.Off), min(w+4, r.Off+r.Size)
			out = appendRange(out, ByteRange{Off: lo, Size: hi - lo})
		}
	}
	return out
}

// clusterGap is how far apart two changed byte ranges of one section may
// be and still be reported as one finding.
const clusterGap = 16

// rodata judges the changed ranges of a read-only section (os is nil for
// an added section), cluster by cluster (see rodataClusters).
func (h *assessor) rodata(name string, os, ns *Section, al *dataAlign, changed []ByteRange) {
	rc := h.newRodataClusters(os, ns, al)
	rc.add(changed, true)
	rc.findings(name)
}

// rodataClusters gathers the clusters of the changed ranges of a read-only
// section as the ranges come, after dropping code-derived words.
type rodataClusters struct {
	h       *assessor
	c       *derivedWords
	changed []ByteRange   // the ranges so far
	next    int           // the first of changed in no cluster yet
	kept    []ByteRange   // scratch
	cl      []ByteRange   // the clusters
	parts   [][]ByteRange // the changed ranges of each cluster
	capped  bool          // no more clusters are wanted
}

func (h *assessor) newRodataClusters(os, ns *Section, al *dataAlign) *rodataClusters {
	return &rodataClusters{h: h, c: &derivedWords{h: h, os: os, ns: ns, al: al, budget: maxDerivedWords}}
}

// add takes the next changed ranges (sorted, after those before), last
// set if no more will come, and clusters those it can: a cluster ends at
// a gap of more than clusterGap, which the last range cannot tell before
// the next comes. It reports whether the clusters are capped: the rest
// would not be listed, so no more are judged (findings says so).
func (rc *rodataClusters) add(changed []ByteRange, last bool) bool {
	if rc.capped {
		return true
	}
	rc.changed = append(rc.changed, changed...)
	ch, c := rc.changed, rc.c
	for i := rc.next; i < len(ch); {
		// A cluster: ranges less than clusterGap apart.
		j := i + 1
		for j < len(ch) && ch[j].Off-(ch[j-1].Off+ch[j-1].Size) <= clusterGap {
			j++
		}
		if j == len(ch) && !last {
			break
		}
		rc.next = j
		kept := rc.kept[:0]
		if c.os != nil && c.budget > 0 {
			for _, r := range ch[i:j] {
				kept = c.drop(kept, r)
			}
		} else {
			kept = append(kept, ch[i:j]...)
		}
		rc.kept = kept
		i = j
		if len(kept) == 0 {
			continue
		}
		lo, hi := kept[0].Off, kept[len(kept)-1].Off+kept[len(kept)-1].Size
		rc.cl = append(rc.cl, ByteRange{Off: lo, Size: hi - lo})
		rc.parts = append(rc.parts, slices.Clone(kept))
		if len(rc.cl) >= 4*maxFindingsPerRule {
			for _, r := range rodataRules {
				rc.h.atLeast[r] = true
			}
			rc.capped = true
			return true
		}
	}
	return false
}

// rodataRules are the rules findings files clusters under.
var rodataRules = [...]Rule{RuleConstPointer, RuleGoTypesChanged, RuleMetadataChanged, RuleRodataUnattributed, RuleRodataPrivate, RuleRodataChanged}

// findings judges the clusters of read-only section name: a cluster
// holding a pointer to writable data is const-pointer-changed; else, by
// the functions that refer to it, it is rodata-private (only changed or
// added ones), rodata-changed (some unchanged one, named) or
// rodata-unattributed (none).
func (rc *rodataClusters) findings(name string) {
	h, c, cl, parts := rc.h, rc.c, rc.cl, rc.parts
	os, ns := c.os, c.ns
	if len(cl) == 0 {
		return
	}
	refs := c.refIndex()
	// The readers of each cluster: the references inside it, or else
	// those of the relocated pointers into it (a table of strings), or
	// else those of the nearest referenced address before it (the start
	// of the datum it is part of, a guess the pointers overrule).
	spans := make([]span, len(cl))
	var near, pointed []span // the clusters attributed by proximity, and the same unextended
	for k, r := range cl {
		lo, hi := ns.RVA+r.Off, ns.RVA+r.Off+r.Size
		if k := refs.search(lo); k >= len(refs.offs) || refs.base+refs.offs[k] >= hi {
			if at, ok := refs.before(lo-1, ns.RVA); ok && lo > ns.RVA && lo-at <= maxAttribution && !h.metadataBetween(ns, at, lo) {
				pointed = append(pointed, span{lo: lo, hi: hi})
				lo = at
				near = append(near, span{lo: lo, hi: hi})
			}
		}
		spans[k] = span{lo: lo, hi: hi}
	}
	h.throughPointersReaching(pointed, maxStringReach) // pointers into them, or to the strings that run into them
	for i, j := 0, 0; i < len(pointed); i++ {
		for spans[j].hi != near[i].hi || spans[j].lo != near[i].lo {
			j++
		}
		if len(pointed[i].all) > 0 {
			spans[j] = pointed[i]
		}
	}
	h.readers(ns, spans)
	h.throughPointers(spans)
	_, types := h.goRuntime(h.new)
	layoutShown := map[uint32]bool{} // Go type descriptors found changed in layout
	for k, r := range cl {
		sp := &spans[k]
		f := Finding{Rule: RuleRodataChanged, Image: "new", RVA: ns.RVA + r.Off, Size: r.Size, Section: name}
		f.OldBytes, f.NewBytes = h.shownBytes(os, ns, r)
		where := fmt.Sprintf("%s of read-only data at %s+%#x", nBytes(r.Size), name, r.Off)
		if target, ok := h.mutableTarget(ns, parts[k]); ok {
			f.Rule = RuleConstPointer
			f.Readers = h.names(h.new, sp.all)
			f.Message = fmt.Sprintf("%s changed, holding a pointer to mutable data at %s: constant data pointing to mutable globals cannot be hotpatched", where, target)
			h.add(f)
			continue
		}
		if len(sp.unpatched) > 0 && h.seenMoved(os, ns, c.al, r, sp.unpatched) {
			continue
		}
		if sp.mutable != 0 {
			// The pointer lives in a mutable global, which stays in the
			// base image (the patch reaches it through a __ref_ pointer):
			// it keeps pointing to the old constants there.
			f.Rule = RuleDataChanged
			f.Readers = h.names(h.new, sp.all)
			f.Message = fmt.Sprintf("%s changed, pointed to by the initialized writable data at %s+%#x: the running process keeps the old values", where, secName(h.new, sp.mutable), sp.mutable-h.section(h.new, sp.mutable).RVA)
			h.add(f)
			continue
		}
		// In Go's type data, a change inside a type descriptor is never
		// the patch's private constant: the type's values live on.
		inTypes := types.Size > 0 && f.RVA-types.RVA < types.Size
		var heads []uint32
		if inTypes {
			heads = h.typeHeads(f.RVA, f.RVA+f.Size)
		}
		layout, shown := "", len(heads) > 0
		for _, t := range heads {
			if shown = shown && layoutShown[t]; !layoutShown[t] && layout == "" {
				// Looked up by name (an index of the old type data) only
				// for the types changed code uses: the new layout's users.
				if layout = h.typeLayoutChange(os, ns, c.al, t, sp.patched); layout != "" {
					layoutShown[t] = true
				}
			}
		}
		switch {
		case shown:
			continue // its types' layout findings stand for it
		case layout != "":
			f.Rule = RuleGoTypeLayout
			f.Readers = h.names(h.new, sp.all)
			f.Message = where + " changed: " + layout + "; objects of the old layout live on in the running process"
		case inTypes && (len(sp.unpatched) > 0 || len(sp.all) == 0 || len(heads) > 0):
			f.Rule = RuleGoTypesChanged
			f.Readers = h.names(h.new, sp.all)
			f.Message = where + " changed, among Go's type data (runtime.types to runtime.etypes: the type descriptors, and the strings and tables after them)"
		case len(sp.all) == 0 && h.goFunc[1] != 0 && f.RVA >= h.goFunc[1] && h.section(h.new, h.goFunc[1]) == ns:
			f.Rule = RuleMetadataChanged
			f.Message = where + " changed, past the Go funcdata start (go:func.*) and referred to by no code: taken for funcdata, which the pclntab refers to"
		case len(sp.all) == 0:
			f.Rule = RuleRodataUnattributed
			f.Message = where + " changed; no function's code refers to it: who reads it is not known"
		case len(sp.unpatched) == 0:
			f.Rule = RuleRodataPrivate
			f.Readers = h.names(h.new, sp.all)
			f.Message = where + " changed, read only by changed or added code: the patch carries it"
		default:
			f.Readers = h.names(h.new, sp.unpatched)
			f.Message = where + " changed: the unchanged code that reads it would keep the old values"
		}
		if sp.via != 0 && f.Rule != RuleRodataUnattributed {
			f.Message += fmt.Sprintf(" (read through the pointer at %s+%#x)", secName(h.new, sp.via), sp.via-h.section(h.new, sp.via).RVA)
		}
		if h.shown(f.Rule) {
			f.Message += h.retargetNote(os, ns, r)
		}
		h.add(f)
	}
	if rc.capped {
		// What was not judged may hold the only blocker: never Patchable.
		h.add(Finding{Rule: RuleRodataUnattributed, Image: "new", RVA: ns.RVA + cl[len(cl)-1].Off, Section: name,
			Message: fmt.Sprintf("the changes of read-only data in %s after the first %d clusters were not judged (the findings are capped): who reads them is not known", name, len(cl))})
	}
}

// metadataBetween reports whether metadata of the new image lies in
// [lo, hi) of section s: a datum does not span it.
func (h *assessor) metadataBetween(s *Section, lo, hi uint32) bool {
	return len(overlapping(h.sectionMetadata(h.new, s), uint64(lo), uint64(hi))) > 0
}

// mutableTarget reports whether a relocated pointer of read-only section
// s of the new image whose bytes changed (it overlaps one of the ranges,
// section offsets) points into writable data, and names where.
func (h *assessor) mutableTarget(s *Section, changed []ByteRange) (string, bool) {
	ps := h.ptrSize()
	for _, r := range changed {
		lo := s.RVA + r.Off
		for _, rva := range h.new.relocs.in(lo-min(lo-s.RVA, ps-1), lo+r.Size) {
			var buf [8]byte
			if !h.readRVA(h.new, buf[:ps], rva) {
				continue
			}
			v := h.new.pointerIn(rva, buf[:ps])
			if v < h.new.ImageBase || v-h.new.ImageBase >= 1<<32 {
				continue
			}
			t := h.section(h.new, uint32(v-h.new.ImageBase))
			if t != nil && t.Flags&(SectionWrite|SectionBSS) != 0 && t.Flags&SectionExec == 0 && !relro(t.Name) {
				return fmt.Sprintf("%s+%#x", t.Name, uint32(v-h.new.ImageBase)-t.RVA), true
			}
		}
	}
	return "", false
}
