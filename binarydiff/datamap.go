package binarydiff

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/zeebo/xxh3"
)

// dataMap says whether a data reference of an old function and the
// corresponding one of its paired new function refer to the same data, so
// that a reference to data that merely moved (because data was inserted
// before it) is told apart from a reference retargeted to other data. It
// works from the section contents, relocated pointers replaced by what
// they point to (see sectionBytes), and from the references of all paired
// functions (see the comment before fast). The common prefix and suffix,
// and 8-byte words unique on both sides whose order agrees (the longest
// increasing chain, as in patience diff), anchor it.
type dataMap struct {
	oldRVA, newRVA uint32 // of the two sections
	readOnly       bool   // neither section is writable
	prefix, suffix uint32 // bytes of common prefix and suffix
	sizeDelta      int64
	anchors        []dataAnchor      // by old offset, strictly increasing in both; see buildAnchors
	unique         []dataAnchor      // every pair of words unique on both sides, by old offset
	built          bool              // anchors computed
	both           func(f, g func()) // runs two independent computations (matcher.both)
	ob, nb         []byte            // the contents of both sections
	free           func()            // releases ob and nb, once the map is done

	// The claims to decide (see resolve): old and new offset, and how
	// many references of paired functions make that claim.
	claims  map[[2]uint32]int32
	verdict map[[2]uint32]bool // by old and new offset, once resolved

	cutOnce  sync.Once       // cuts may first be needed by several workers of claimData at once
	fastSeen []atomic.Uint64 // see fastShared
	cutList  []alignCut      // see cuts, computed on first need
	eqBefore []int32         // see cuts
	runs     []equalRun      // see cuts
}

type dataAnchor struct {
	old, new uint32 // offsets in the old and the new section
}

// delta is how far the anchored word moved: new offset - old offset.
func (a dataAnchor) delta() int64 { return int64(a.new) - int64(a.old) }

// prefixMargin is how far from the inner end of the common prefix (or
// suffix), or from an anchor, equal bytes are trusted to mean the data did
// not move.
const prefixMargin = 64

// maxDataMapBytes bounds the bytes a data map reads per section side.
const maxDataMapBytes = 64 << 20

// pointerMark replaces the bytes of a relocated pointer; its last two bytes
// then name what the pointer points to (see sectionBytes).
var pointerMark = [8]byte{0xF4, 0x9E, 0x37, 0x79, 0xB9, 0x7F, 0x4A, 0x7C}

// dataPointerMark5 replaces pointerMark[5] in a pointer to data: its
// identity, a hash of the bytes there, tells data apart for the alignment
// but is no identity of the item (the bytes after a small item are its
// neighbours'), so content compares two pointers to data as equal.
const dataPointerMark5 = 0xFF

// pointerLed reports whether both old offset a and new offset b hold a
// relocated pointer.
func (m *dataMap) pointerLed(a, b uint32) bool {
	return pointerAt(m.ob, a) && pointerAt(m.nb, b)
}

// pointerAt reports whether p holds a relocated pointer at o.
func pointerAt(p []byte, o uint32) bool {
	return uint64(o)+8 <= uint64(len(p)) && bytes.Equal(p[o:o+5], pointerMark[:5]) &&
		(p[o+5] == pointerMark[5] || p[o+5] == dataPointerMark5)
}

// dataPointerAt reports whether p holds a relocated pointer to data at o.
func dataPointerAt(p []byte, o uint32) bool {
	return uint64(o)+8 <= uint64(len(p)) && p[o+5] == dataPointerMark5 && bytes.Equal(p[o:o+5], pointerMark[:5])
}

// oldPtr and newPtr name what a relocated pointer points to (see
// sectionBytes).
func newDataMap(old, new *Binary, os, ns *Section, oldPtr, newPtr func(rva uint32) uint64, both func(f, g func())) *dataMap {
	m := newSectionPair(old, new, os, ns, oldPtr, newPtr, both)
	m.fastSeen = make([]atomic.Uint64, fastSeenSlots)
	return m
}

// newSectionPair is newDataMap without the table of fastShared: the
// contents, prefix and suffix (the hotpatchability assessment aligns by
// them).
func newSectionPair(old, new *Binary, os, ns *Section, oldPtr, newPtr func(rva uint32) uint64, both func(f, g func())) *dataMap {
	var ob, nb []byte
	var freeOld, freeNew func()
	both(func() { ob, freeOld = sectionBytes(old, os, oldPtr) }, func() { nb, freeNew = sectionBytes(new, ns, newPtr) })
	if os.Flags&SectionWrite != 0 {
		ob = ob[:initialized(ob)]
	}
	if ns.Flags&SectionWrite != 0 {
		nb = nb[:initialized(nb)]
	}
	m := &dataMap{sizeDelta: int64(len(nb) - len(ob)), ob: ob, nb: nb, both: both,
		oldRVA: os.RVA, newRVA: ns.RVA, readOnly: (os.Flags|ns.Flags)&SectionWrite == 0}
	m.free = func() {
		m.ob, m.nb = nil, nil
		freeOld()
		freeNew()
	}
	p := 0
	for p < len(ob) && p < len(nb) && ob[p] == nb[p] {
		p++
	}
	// The suffix may overlap the prefix: in a run of equal bytes an
	// insertion could have been anywhere, so both shifts stay possible.
	s := 0
	for s < len(ob) && s < len(nb) && ob[len(ob)-1-s] == nb[len(nb)-1-s] {
		s++
	}
	m.prefix, m.suffix = uint32(p), uint32(s)
	return m
}

// buildAnchors finds the sampled words unique on both sections between the
// common prefix and suffix whose order agrees. It runs on first need: most
// references are settled by the prefix, the suffix or their own bytes.
func (m *dataMap) buildAnchors() {
	p := int(m.prefix)
	m.buildAnchorsAt(sampleRate(max(len(m.ob), len(m.nb)) - p - min(int(m.suffix), len(m.ob)-p, len(m.nb)-p)))
}

// buildAnchorsAt is buildAnchors sampling one byte position in 1<<rate.
func (m *dataMap) buildAnchorsAt(rate uint) {
	m.buildAnchorsIn(rate, nil, nil)
}

// buildAnchorsOutside is buildAnchors taking words only outside the
// ranges oskip and nskip (offsets in the old and new section, sorted,
// merged): bytes that are not compared (loader metadata) do not anchor
// what is. It samples at the rate buildAnchors would, so the words it
// samples are those buildAnchors samples outside the ranges.
func (m *dataMap) buildAnchorsOutside(oskip, nskip []ByteRange) {
	p := int(m.prefix)
	m.buildAnchorsIn(sampleRate(max(len(m.ob), len(m.nb))-p-min(int(m.suffix), len(m.ob)-p, len(m.nb)-p)), oskip, nskip)
}

// buildAnchorsIn is buildAnchorsAt outside the ranges oskip and nskip.
func (m *dataMap) buildAnchorsIn(rate uint, oskip, nskip []ByteRange) {
	m.built = true
	ob, nb := m.ob, m.nb
	p := int(m.prefix)
	s := min(int(m.suffix), len(ob)-p, len(nb)-p)
	// The two sides are independent: hash them concurrently.
	var op, np []uint64
	m.both(func() { op = uniqueWordsIn(ob, outside(p, len(ob)-s, oskip), rate) },
		func() { np = uniqueWordsIn(nb, outside(p, len(nb)-s, nskip), rate) })
	// Merge the two lists (sorted by word hash) into pairs of positions,
	// as old<<wordPosBits|new, then order them by old offset.
	keys := op[:0] // op is read ahead of what is written
	for x, y := 0, 0; x < len(op) && y < len(np); {
		hx, hy := op[x]>>wordPosBits, np[y]>>wordPosBits
		switch {
		case hx < hy:
			x++
		case hx > hy:
			y++
		default:
			keys = append(keys, op[x]&wordPosMask<<wordPosBits|np[y]&wordPosMask)
			x, y = x+1, y+1
		}
	}
	keys = radixSort(keys, wordPosBits, 2*wordPosBits)
	pairs := make([]dataAnchor, len(keys))
	for i, k := range keys {
		pairs[i] = dataAnchor{uint32(k >> wordPosBits), uint32(k & wordPosMask)}
	}
	m.unique = pairs
	m.anchors = increasingChain(pairs)
}

// increasingChain returns the longest chain of pairs (sorted by old offset)
// increasing in new offsets, the one patience sorting finds (of equally
// long ones, the chain ending in the pair that came last), or nil.
func increasingChain(pairs []dataAnchor) []dataAnchor {
	// Longest chain increasing in new offsets (patience: tails[k] is the
	// pair ending the best chain of length k+1 found so far, ends[k] its
	// new offset; both increase with k).
	tails, ends, prev := []int32{}, []uint32{}, make([]int32, len(pairs))
	for i, pr := range pairs {
		// The first tail at or past pr.new: none when pr extends the
		// longest chain (data in order: most pairs), else by a binary
		// search of ends (sort.Search, inlined: this runs for each of up
		// to millions of pairs; ends, apart from the pairs, takes one
		// load a step).
		k := len(ends)
		if k > 0 && ends[k-1] >= pr.new {
			lo, hi := 0, k
			for lo < hi {
				mid := int(uint(lo+hi) >> 1)
				if ends[mid] >= pr.new {
					hi = mid
				} else {
					lo = mid + 1
				}
			}
			k = lo
		}
		prev[i] = -1
		if k > 0 {
			prev[i] = tails[k-1]
		}
		if k == len(tails) {
			tails, ends = append(tails, int32(i)), append(ends, pr.new)
		} else {
			tails[k], ends[k] = int32(i), pr.new
		}
	}
	if len(tails) == 0 {
		return nil
	}
	chain := make([]dataAnchor, len(tails))
	k := len(tails)
	for i := tails[len(tails)-1]; i >= 0; i = prev[i] {
		k--
		chain[k] = pairs[i]
	}
	return chain
}

// sampleRate returns log2 of how many byte positions uniqueWordsIn samples
// one of, for n bytes: one in 8, and fewer past maxDenseSample bytes, so
// that the words of a large section (a Go program's .data runs to tens of
// megabytes) cost at most about maxDenseSample/8 of them.
func sampleRate(n int) uint {
	rate := uint(3)
	for n > maxDenseSample<<(rate-3) && rate < 6 {
		rate++
	}
	return rate
}

const maxDenseSample = 8 << 20

const (
	wordPosBits = 26 // byte positions of sampled words: up to maxDataMapBytes
	wordPosMask = 1<<wordPosBits - 1
)

// uniqueWordsIn returns, sorted, hash<<26|position for each sampled
// 8-byte word inside the spans [lo, hi) of b (sorted, disjoint) that
// occurs once among them (by a 38-bit hash of its value). Words are sampled at about one byte position in 8, chosen by
// their first two bytes: the choice depends on the bytes only, so both
// sides pick the same words however far, and by however odd an amount,
// the data between them shifted (strings are packed byte-aligned). A radix
// sort keeps this linear: a data map may cover megabytes.
func uniqueWordsIn(b []byte, spans [][2]int, rate uint) []uint64 {
	size := 0
	for _, sp := range spans {
		size += max(0, sp[1]-sp[0])
	}
	keys := prefault(make([]uint64, 0, size>>rate+len(spans)))
	// A look at two bytes picks the positions (picks, looked up in a
	// table), the word's hash only for them. The positions of a block are
	// picked without a branch (one in 1<<rate is picked, at random: a
	// branch would be mispredicted often), then hashed.
	pick := pickTables[rate]()
	var picked [1024]uint32
	for _, sp := range spans {
		b := b[:sp[1]]
		for start := sp[0]; start+8 <= len(b); start += len(picked) {
			end := min(start+len(picked), len(b)-7)
			n := pickIn(b[start:end+1], uint32(start), pick, &picked)
			for _, i := range picked[:n] {
				h := mix64(binary.LittleEndian.Uint64(b[i:]))
				keys = append(keys, h>>wordPosBits<<wordPosBits|uint64(i))
			}
		}
	}
	keys = radixSort(keys, wordPosBits, 64) // by hash; the order of equal hashes does not matter
	out := keys[:0]
	for k := 0; k < len(keys); {
		h := keys[k] >> wordPosBits
		e := k + 1
		for e < len(keys) && keys[e]>>wordPosBits == h {
			e++
		}
		if e == k+1 {
			out = append(out, keys[k])
		}
		k = e
	}
	return out
}

// pickIn puts in picked the positions (start plus the index in w) of
// the bytes of w but its last that pick (a pickTables table) chooses by
// that byte and the next, and returns how many. len(w) is at most
// len(picked)+1. It is a function of its own, not inlined, so that the
// count, which every position's store waits on, stays in a register
// (inlined in uniqueWordsIn it was kept on the stack).
//
//go:noinline
func pickIn(w []byte, start uint32, pick *[1 << 16]uint8, picked *[1024]uint32) int {
	pk, pd := pick[:], picked[:] // slices: no nil check of the arrays per position
	n := uint(0)
	for i := 1; i < len(w); i++ {
		x := uint16(w[i-1]) | uint16(w[i])<<8
		pd[n&(1<<10-1)] = start + uint32(i-1)
		n += uint(pk[x])
	}
	return int(n)
}

// outside returns the parts of [lo, hi) that no range of skip (sorted,
// merged) covers.
func outside(lo, hi int, skip []ByteRange) [][2]int {
	var out [][2]int
	for _, r := range skip {
		if a := int(r.Off); a > lo {
			if a >= hi {
				break
			}
			out = append(out, [2]int{lo, a})
		}
		lo = max(lo, int(r.Off)+int(r.Size))
	}
	if lo < hi {
		out = append(out, [2]int{lo, hi})
	}
	return out
}

// picks reports whether uniqueWordsIn samples a position whose first two
// bytes are x and y, at one position in 1<<rate.
func picks(x, y byte, rate uint) bool {
	return (uint32(x)*0x9E3779B1^uint32(y)*0x85EBCA77)>>(32-rate) == 1
}

// pickTables holds, for each rate uniqueWordsIn may sample at (sampleRate
// returns 3 to 6), a byte for each byte pair x|y<<8: 1 if picks chooses
// it, else 0. Made on first use. 64 KiB where a bit each would take 8:
// adding a byte to the count costs less than extracting a bit, and the
// pairs of real data (text, small numbers) use a small part of it.
var pickTables [7]func() *[1 << 16]uint8

func init() {
	for rate := range pickTables {
		pickTables[rate] = sync.OnceValue(func() *[1 << 16]uint8 {
			var t [1 << 16]uint8
			for x := range 1 << 16 {
				if picks(byte(x), byte(x>>8), uint(rate)) {
					t[x] = 1
				}
			}
			return &t
		})
	}
}

// sectionBytes reads a section's initialized bytes, each relocated pointer
// replaced by what it points to: pointerMark with its last two bytes
// replaced by a hash of ptr's identity for its target (equal on both sides
// for paired functions) or of the data there (dataPointerID). A pointer is
// one value, so a pointer retargeted in place differs in two bytes, not
// eight: cheaper to align as changed in place than as moved data.
func sectionBytes(b *Binary, s *Section, ptr func(rva uint32) uint64) (p []byte, free func()) {
	n := min(s.FileSize, maxDataMapBytes)
	relocs := b.relocs.in(s.RVA, s.RVA+n)
	p, free = writableCopy(b, s, n, relocs)
	mark := func(o uint32) {
		t := uint32(b.relocatedPointer(s.RVA+o, binary.LittleEndian.Uint64(p[o:])) - b.ImageBase)
		copy(p[o:], pointerMark[:])
		if id := ptr(t); id != 0 {
			putPointerID(p[o+6:], mix64(id))
		} else if id := dataPointerID(b, t); id != 0 {
			p[o+5] = dataPointerMark5
			putPointerID(p[o+6:], id)
		}
	}
	for _, r := range relocs {
		if o := r - s.RVA; o+8 <= n {
			mark(o)
		}
	}
	if pointersInferred(b, s) {
		for o := uint32(0); o+8 <= n; o += 8 {
			if _, ok := imageAddress(b, binary.LittleEndian.Uint64(p[o:])); ok {
				mark(o)
			}
		}
	}
	return p, free
}

// pointersInferred reports whether sectionBytes takes the aligned words of
// section s that hold an address inside the image for pointers: when no
// relocation names them. With no relocation at all (a Go executable for
// Windows has none; an ELF executable's are inferred as it is read, see
// inferPointers) that is every section without relocations. In an image
// with relocations, only the GOT (.got, .got.plt) holds pointers no
// relocation of ours names (the link-time address of _DYNAMIC, lazily
// bound slots); elsewhere a section without relocations holds no pointer
// (in a shared object's .rodata, the image being at 0, a short string or
// a small number would read as one).
func pointersInferred(b *Binary, s *Section) bool {
	return b.Arch != Arch386 && len(b.relocs.in(s.RVA, s.RVA+s.Size)) == 0 &&
		(len(b.relocs.rvas) == 0 || strings.HasPrefix(s.Name, ".got"))
}

// initialized returns how many bytes of a writable section's file data
// count as initialized: up to its last 8-byte word that is not zero. Zeros after it
// are what the linker padded the file with, or variables that start as
// zero and which it happened to place there: uninitialized data as much as
// what lies past the file data, which may lie on either side of that
// boundary in the other version (as Go's linker lays out .data). A section
// of zeros only is kept whole: there would be nothing left to align.
func initialized(p []byte) int {
	n := len(p)
	for n > 0 && p[n-1] == 0 {
		n--
	}
	if n == 0 {
		return len(p)
	}
	return min(len(p), (n+7)&^7)
}

// putPointerID writes the two bytes of a pointer's identity, neither of
// them NUL: a NUL would end what a reference is taken to read (see
// content), hiding the rest of the identity.
func putPointerID(p []byte, id uint64) {
	p[0], p[1] = byte(id%255)+1, byte(id>>8%255)+1
}

// privateMapper is implemented by readers that can map bytes
// copy-on-write (see mapping.private).
type privateMapper interface {
	private(off, n int64) ([]byte, func(), bool)
}

// writableCopy returns the first n bytes of section s, to be written over
// at the relocations relocs: in a mapped image a copy-on-write mapping, in
// which only the pages written to take memory of their own (mapped in
// ahead, a run of pages per system call: a fault on each costs more); else
// a copy on the heap. free releases it.
func writableCopy(b *Binary, s *Section, n uint32, relocs []uint32) ([]byte, func()) {
	if pm, ok := b.r.(privateMapper); ok {
		if p, free, ok := pm.private(s.Offset, int64(n)); ok {
			populateAt(p, relocs, s.RVA, 8)
			return p, free
		}
	}
	p := prefault(make([]byte, n))
	if readSection(b, s, p, 0) != nil {
		clear(p)
	}
	return p, func() {}
}

// dataPointerID names the data a pointer that starts no function points
// to, by the section's name and the 16 bytes there (pointers among them
// masked, relocated or inferred as sectionBytes infers them; bytes past
// the file data zero): addresses differ between versions, the contents of
// the same data seldom do. It returns 0 for pointers into code or outside
// any section.
func dataPointerID(b *Binary, rva uint32) uint64 {
	i := b.sectionIndex(rva)
	if i < 0 || b.Sections[i].Flags&SectionExec != 0 {
		return 0
	}
	s := &b.Sections[i]
	var buf [16]byte
	off := rva - s.RVA
	if readSection(b, s, buf[:min(16, s.Size-off)], off) != nil {
		return 0
	}
	mask := func(r uint32) {
		for k := max(r, rva); k < min(r+8, rva+16); k++ {
			buf[k-rva] = pointerMark[0]
		}
	}
	for _, r := range b.relocs.in(rva-min(rva, 7), rva+16) {
		mask(r)
	}
	if pointersInferred(b, s) {
		// The aligned words over the 16 bytes that hold an address in
		// the image (a Go program for Windows has no relocations: a
		// table's entries would name the data they point to by where it
		// lies, and so differ wherever that data moved).
		var w [8]byte
		for o := off &^ 7; o < off+16 && o+8 <= s.FileSize; o += 8 {
			if readSection(b, s, w[:], o) == nil {
				if _, ok := imageAddress(b, binary.LittleEndian.Uint64(w[:])); ok {
					mask(s.RVA + o)
				}
			}
		}
	}
	return mix64(xxh3.Hash(buf[:]) ^ b.sectionTag(i))
}

// guess reports whether old offset a may have become new offset b, for
// regions too large to align exactly (see resolve). In the common prefix
// data stayed; in the common suffix it moved by the size difference; a
// reference there that moved otherwise was retargeted. Elsewhere the bytes
// at a found at b moved there (or b holds an equal copy: the code reads
// the same value either way). Otherwise the shift must lie between the
// shifts of the anchors around a (the section's start counts as an anchor
// that did not move, its end as one that moved by the size difference):
// equal bytes around an insertion make its exact place unknowable, so any
// shift in that range is accepted when the bytes agree, or when they
// changed in place. In an unchanged section the range is {0}.
func (m *dataMap) guess(a uint32, b int64) bool {
	d := b - int64(a)
	inPrefix := a < m.prefix
	oldSize := uint32(len(m.ob))
	inSuffix := a >= oldSize-min(m.suffix, oldSize) && a < oldSize
	if inPrefix && d == 0 || inSuffix && d == m.sizeDelta {
		return true
	}
	// Well inside the prefix or suffix data provably stayed (or moved with
	// the end), so a reference that moved otherwise was retargeted. Near
	// their inner ends equal bytes may be a coincidence of moved data.
	identical := m.sizeDelta == 0 && m.prefix == oldSize
	if identical || a+prefixMargin < m.prefix || inSuffix && a >= oldSize-m.suffix+prefixMargin {
		return false
	}
	if a >= uint32(len(m.ob)) || b < 0 || b >= int64(len(m.nb)) {
		return false
	}
	// The same bytes at b: the data moved there, or b holds an equal copy;
	// either way the code reads the same value.
	if m.same(a, d) {
		return true
	}
	if !m.built {
		m.buildAnchors()
	}
	prevD, nextD := int64(0), m.sizeDelta
	i := sort.Search(len(m.anchors), func(i int) bool { return m.anchors[i].old > a })
	if i > 0 {
		prevD = m.anchors[i-1].delta()
		if m.anchors[i-1].old == a {
			return d == prevD
		}
	}
	if i < len(m.anchors) {
		nextD = m.anchors[i].delta()
	}
	if d < min(prevD, nextD) || d > max(prevD, nextD) {
		return false
	}
	// The bytes changed. Accept unless an unchanged copy of them sits at
	// one of the other possible shifts: then the reference was retargeted.
	for _, c := range [2]int64{prevD, nextD} {
		if c != d && m.same(a, c) {
			return false
		}
	}
	return true
}

// content reports whether a reference at old offset a and one at new
// offset b read the same bytes: the (up to) w bytes there, through the
// first NUL of either side if nul (a C string's terminator ends it), relocated
// pointers compared by the functions they point to (pointers to data are
// equal: see dataPointerMark5). in is false
// when either lies past the file bytes (uninitialized data).
func (m *dataMap) content(a, b, w uint32, nul bool) (equal, in bool) {
	if a >= uint32(len(m.ob)) || b >= uint32(len(m.nb)) {
		return false, false
	}
	n := min(w, uint32(len(m.ob))-a, uint32(len(m.nb))-b)
	o, p := m.ob[a:a+n], m.nb[b:b+n]
	for i := uint32(0); i < n; i++ {
		if dataPointerAt(m.ob, a+i) && dataPointerAt(m.nb, b+i) {
			i += 7
			continue
		}
		if o[i] != p[i] {
			return false, true
		}
		if o[i] == 0 && nul {
			break
		}
	}
	return true, true
}

// same reports whether the (up to) 8 bytes at old offset a equal those at
// new offset a+d. A NUL among them ends the comparison: what follows a
// string's terminator is padding or other data, which may differ.
func (m *dataMap) same(a uint32, d int64) bool {
	b := int64(a) + d
	if b < 0 || b >= int64(len(m.nb)) {
		return false
	}
	n := min(8, len(m.ob)-int(a), len(m.nb)-int(b))
	if z := bytes.IndexByte(m.ob[a:int(a)+n], 0); z > 0 {
		n = z + 1
	}
	return bytes.Equal(m.ob[a:int(a)+n], m.nb[b:b+int64(n)])
}

// A data reference of an old function and the corresponding one of its
// paired new function refer to the same data when they point to the same
// item at the same offset within it. Items have no names here, so the data
// map decides from what both images show, symmetrically (diff(a, b) and
// diff(b, a) agree):
//
//   - in initialized data, by aligning the section contents (relocated
//     pointers replaced by what they point to) with the fewest byte edits
//     (insertions, deletions, substitutions): the references agree when
//     some optimal alignment lines up the bytes the reference reads (up to
//     8, up to a NUL) on both sides, matched or changed in place. Data
//     inserted or deleted is aligned with nothing, so a reference into it
//     never agrees with one outside it, and a retarget to equal bytes
//     elsewhere is not mistaken for data that moved. Sections too large to
//     align whole are cut at trusted points (the common prefix and suffix,
//     the unique words of buildAnchors) kept prefixMargin bytes away from
//     the reference; past maxAlignCells a region falls back to guess;
//   - in uninitialized data (.bss, or the tail of a section beyond its
//     file bytes), which has no contents to align, by the references
//     themselves: every pair of references that paired functions with the
//     same code make claims that an old offset became a new one, and a
//     claim agrees when it lies on a heaviest chain of claims increasing on
//     both sides (weighted by the references making them) and no
//     conflicting claim for either offset does, or when no other claim
//     names either offset. Data is mostly laid out in the same order in
//     both images, so a variable that moved keeps its place among the
//     others, and a retarget shows as a claim in conflict with
//     better-supported ones, or out of order; a variable reordered that no
//     other claim contradicts stands.
//
// A reference into initialized data on one side and uninitialized on the
// other never agrees.

// The costs of the edits of an alignment: a byte changed in place is
// likelier than one deleted and another inserted elsewhere (which is how a
// retarget to a neighbour would have to be explained), but a run of changed
// bytes must not pass for data that did not move when an insertion and a
// deletion around it explain it more cheaply.
const (
	indelCost = 2
	subCost   = 3
)

// claimReward is what each reference making a claim takes off the cost of
// an alignment that honours it, for at most maxClaimRewards references
// (see alignRegion).
const (
	claimReward     = 10
	maxClaimRewards = 4
)

// maxAlignCells bounds the size (old bytes × new bytes) of a region the
// data map aligns exactly.
const maxAlignCells = 1 << 22

// fast reports the verdicts that need no alignment: a reference in the
// common prefix that did not move, or in the common suffix that moved by
// the size difference (an alignment matching the common prefix or suffix
// is always among the optimal ones), and one with initialized data on
// one side only. ok is false when the claim must be resolved.
func (m *dataMap) fast(a, b uint32) (agree, ok bool) {
	la, lb := uint32(len(m.ob)), uint32(len(m.nb))
	if a >= la || b >= lb {
		return false, (a >= la) != (b >= lb)
	}
	// A reference reads at most 8 bytes: most are settled before its
	// window is computed.
	if a == b && a+8 <= m.prefix || int64(b)-int64(a) == m.sizeDelta && la-a <= m.suffix {
		return true, true
	}
	large := uint64(la+1)*uint64(lb+1) > maxAlignCells
	// In a large section, equal bytes on the reference's diagonal for
	// prefixMargin around what it reads (or up to the sections' ends
	// together) are trusted as data that did not change.
	equalAround := func(w uint32) bool {
		lo, hi := min(a, b, prefixMargin), min(la-a, lb-b, w+prefixMargin)
		return (lo == prefixMargin || a == b) && (hi == w+prefixMargin || la-a == lb-b) &&
			bytes.Equal(m.ob[a-lo:a+hi], m.nb[b-lo:b+hi])
	}
	if large && equalAround(8) {
		return true, true
	}
	w := m.window(a, b, 1)
	if a == b && a+w <= m.prefix {
		return true, true
	}
	// In a large section, a reference in a region between cuts whose bytes
	// are equal on one diagonal, on that diagonal (see align).
	if large {
		if w < 8 && equalAround(w) {
			return true, true
		}
		m.cuts()
		i := sort.Search(len(m.runs), func(i int) bool { return m.runs[i].end > a }) // runs end increasing
		if i < len(m.runs) {
			r := m.runs[i]
			if r.o <= a && int64(r.n)-int64(r.o) == int64(b)-int64(a) &&
				(r.o == 0 || r.o+prefixMargin <= a) && (r.end == la || a+w+prefixMargin <= r.end) {
				return true, true
			}
		}
	}
	return false, false
}

// fastShared is fast, remembering its answers in a table the workers of
// claimData share: the references of many functions make the same claim
// (a generated image's two million references make five thousand), and
// fast is a function of the claim alone, so a slot holds the claim and its
// answer in one word, written and read atomically, and a race at worst
// computes an answer twice.
func (m *dataMap) fastShared(a, b uint32) (agree, ok bool) {
	if a >= 1<<wordPosBits || b >= 1<<wordPosBits { // past any section's bytes: fast answers at once
		return m.fast(a, b)
	}
	key := uint64(a)<<wordPosBits | uint64(b)
	slot := &m.fastSeen[mix64(key)%fastSeenSlots]
	if e := slot.Load(); e&fastKnown != 0 && e&(1<<(2*wordPosBits)-1) == key {
		return e&fastAgree != 0, e&fastOK != 0
	}
	agree, ok = m.fast(a, b)
	e := key | fastKnown
	if agree {
		e |= fastAgree
	}
	if ok {
		e |= fastOK
	}
	slot.Store(e)
	return agree, ok
}

// A fastSeen slot: the claim in the low 2*wordPosBits bits, then whether
// fast answered, what, and that the slot is in use.
const (
	fastOK = 1 << (2*wordPosBits + iota)
	fastAgree
	fastKnown
	fastSeenSlots = 1 << 14
)

// equalRun is a maximal run of intervals between consecutive cuts whose
// bytes are equal on one diagonal: old [o, end) is new [n, n+end-o).
type equalRun struct{ o, n, end uint32 }

// region returns the cuts around a reference at old offset a that reads w
// bytes: the last at least prefixMargin before it, the first at least
// prefixMargin after what it reads; the section's ends always qualify.
func (m *dataMap) region(a, w uint32) (lo, hi int) {
	cuts := m.cuts()
	lo = sort.Search(len(cuts), func(i int) bool { return cuts[i].o+prefixMargin > a }) - 1
	hi = sort.Search(len(cuts), func(i int) bool { return cuts[i].o >= a+w+prefixMargin })
	return max(lo, 0), min(hi, len(cuts)-1)
}

// equalRegion reports whether the bytes between cuts lo and hi are equal
// on one diagonal: data that moved unchanged.
func (m *dataMap) equalRegion(lo, hi int) bool {
	return int(m.eqBefore[hi]-m.eqBefore[lo]) == hi-lo
}

// window returns how many bytes n references claiming that old offset a
// became new offset b are taken to read on both sides: up to 8, through
// the first NUL on either side (a C string's terminator ends it: what
// follows is other data). Data items need not end there (Go's strings have
// no terminator and may be a byte long), so when at least minRun bytes
// agree from the start, or at least one and several references make the
// claim, the window ends where they stop agreeing: one reference could
// have been retargeted to a byte equal by chance, several hardly all were.
func (m *dataMap) window(a, b uint32, n int32) uint32 {
	w := min(8, uint32(len(m.ob))-a, uint32(len(m.nb))-b)
	for _, p := range [2][]byte{m.ob[a : a+w], m.nb[b : b+w]} {
		if z := bytes.IndexByte(p, 0); z >= 0 {
			w = min(w, uint32(z)+1)
		}
	}
	k := uint32(0)
	for k < w && m.ob[a+k] == m.nb[b+k] {
		k++
	}
	if k >= minRun || k > 0 && n > 1 {
		return k
	}
	return w
}

// minRun is the fewest equal bytes taken for a whole data item: fewer
// agree by chance too often.
const minRun = 3

// claim records that a reference of a paired function claims old offset a
// became new offset b (one fast did not settle).
func (m *dataMap) claim(a, b uint32) {
	if m.claims == nil {
		m.claims = map[[2]uint32]int32{}
	}
	m.claims[[2]uint32{a, b}]++
}

// resolve decides every collected claim.
func (m *dataMap) resolve() {
	if m.verdict == nil {
		m.verdict = map[[2]uint32]bool{}
	}
	var init, bss []dataClaim
	for k, n := range m.claims {
		c := dataClaim{k[0], k[1], n}
		if int(c.a) >= len(m.ob) {
			bss = append(bss, c)
		} else {
			init = append(init, c)
		}
	}
	m.claims = nil
	// Map order is random: sort, so that the result does not depend on it.
	less := func(x, y dataClaim) int {
		if x.a != y.a {
			return cmpU32(x.a, y.a)
		}
		return cmpU32(x.b, y.b)
	}
	slices.SortFunc(init, less)
	slices.SortFunc(bss, less)
	m.chain(bss)
	m.align(init)
}

type dataClaim struct {
	a, b uint32 // old and new offset
	n    int32  // references making the claim
}

// alignCut is a point both alignments of a region pass through.
type alignCut struct{ o, n uint32 }

// align decides claims in initialized data by optimal alignments.
func (m *dataMap) align(cl []dataClaim) {
	if len(cl) == 0 {
		return
	}
	la, lb := uint32(len(m.ob)), uint32(len(m.nb))
	defer m.moved(cl)
	if uint64(la+1)*uint64(lb+1) <= maxAlignCells {
		m.alignRegion(alignCut{0, 0}, alignCut{la, lb}, cl, m.setVerdict)
		return
	}
	cuts := m.cuts()
	type region struct{ lo, hi int }
	var order []region
	groups := map[region][]dataClaim{}
	for _, c := range cl {
		lo, hi := m.region(c.a, m.window(c.a, c.b, c.n))
		r := region{lo, hi}
		if _, ok := groups[r]; !ok {
			order = append(order, r)
		}
		groups[r] = append(groups[r], c)
	}
	var dp []region // regions to align
	for _, r := range order {
		lo, hi := cuts[r.lo], cuts[r.hi]
		// Most regions hold data that moved unchanged: equal bytes on one
		// diagonal, which is then the only alignment of least cost (none).
		// A claim on it agrees; one off it is left to the alignment.
		if d := int64(lo.n) - int64(lo.o); m.equalRegion(r.lo, r.hi) {
			var off []dataClaim
			for _, c := range groups[r] {
				if int64(c.b)-int64(c.a) == d {
					m.verdict[[2]uint32{c.a, c.b}] = true
				} else {
					off = append(off, c)
				}
			}
			if groups[r] = off; len(off) == 0 {
				continue
			}
		}
		if uint64(hi.o-lo.o+1)*uint64(hi.n-lo.n+1) <= maxAlignCells {
			dp = append(dp, r)
			continue
		}
		for _, c := range groups[r] {
			m.verdict[[2]uint32{c.a, c.b}] = m.guess(c.a, int64(c.b))
		}
	}
	// Regions around the same change overlap: align their union once while
	// it stays small.
	slices.SortFunc(dp, func(x, y region) int { return cmp.Or(x.lo-y.lo, x.hi-y.hi) })
	budget := uint64(maxAlignBudget)
	var jobs []alignJob
	for k := 0; k < len(dp); {
		u, claims := dp[k], slices.Clone(groups[dp[k]])
		for k++; k < len(dp) && dp[k].lo < u.hi; k++ {
			hi := max(u.hi, dp[k].hi)
			if uint64(cuts[hi].o-cuts[u.lo].o+1)*uint64(cuts[hi].n-cuts[u.lo].n+1) > maxMergeCells {
				break
			}
			u.hi = hi
			claims = append(claims, groups[dp[k]]...)
		}
		// Past the budget, the rest is guessed: a section pair whose changes
		// are spread everywhere (two releases of a large program) would
		// otherwise cost seconds. Regions go in address order, so the
		// outcome depends on the inputs alone.
		lo, hi := cuts[u.lo], cuts[u.hi]
		if cells := uint64(hi.o-lo.o+1) * uint64(hi.n-lo.n+1); cells <= budget {
			budget -= cells
			jobs = append(jobs, alignJob{lo: lo, hi: hi, claims: claims, cells: cells})
			continue
		}
		for _, c := range claims {
			m.verdict[[2]uint32{c.a, c.b}] = m.guess(c.a, int64(c.b))
		}
	}
	m.runAlignJobs(jobs)
}

// alignJob is a region align decides exactly, and its verdicts.
type alignJob struct {
	lo, hi   alignCut
	claims   []dataClaim
	cells    uint64
	verdicts []dataVerdict
}

type dataVerdict struct {
	a, b  uint32
	agree bool
}

// runAlignJobs aligns the regions in two halves of about equal cells,
// concurrently (the regions are independent), then records the verdicts.
func (m *dataMap) runAlignJobs(jobs []alignJob) {
	var total, half uint64
	for _, j := range jobs {
		total += j.cells
	}
	split := 0
	for split < len(jobs) && 2*half < total {
		half += jobs[split].cells
		split++
	}
	run := func(jobs []alignJob) {
		for k := range jobs {
			j := &jobs[k]
			m.alignRegion(j.lo, j.hi, j.claims, func(a, b uint32, agree bool) {
				j.verdicts = append(j.verdicts, dataVerdict{a, b, agree})
			})
		}
	}
	m.both(func() { run(jobs[:split]) }, func() { run(jobs[split:]) })
	for _, j := range jobs {
		for _, v := range j.verdicts {
			m.setVerdict(v.a, v.b, v.agree)
		}
	}
}

func (m *dataMap) setVerdict(a, b uint32, agree bool) { m.verdict[[2]uint32{a, b}] = agree }

// maxAlignBudget bounds the cells align spends on the regions of one pair
// of sections (about 2 ns each).
const maxAlignBudget = 1 << 26

// maxMergeCells bounds the regions align merges.
const maxMergeCells = 1 << 18

// maxMovedRun bounds how far moved looks along a run of equal bytes.
const maxMovedRun = 4096

// moved accepts the claims an alignment rejected whose bytes are equal on
// both sides and either lie in a run of bytes equal on both sides (up to
// maxMovedRun on either side of the reference) that holds a word found once
// on each side, or are gone from their place (see gone): the same data,
// moved out of order with its neighbours (data of real images is
// reordered, not only inserted and deleted; an alignment cannot see
// moves). Equal bytes alone (zeros, repeated pointers to the same
// function) prove nothing.
func (m *dataMap) moved(cl []dataClaim) {
	for _, c := range cl {
		if m.verdict[[2]uint32{c.a, c.b}] {
			continue
		}
		if !m.built {
			m.buildAnchors()
		}
		w := m.window(c.a, c.b, c.n)
		if !bytes.Equal(m.ob[c.a:c.a+w], m.nb[c.b:c.b+w]) {
			continue
		}
		lo := uint32(0)
		for lo < min(c.a, c.b, maxMovedRun) && m.ob[c.a-lo-1] == m.nb[c.b-lo-1] {
			lo++
		}
		hi := w
		for hi < maxMovedRun && int(c.a+hi) < len(m.ob) && int(c.b+hi) < len(m.nb) && m.ob[c.a+hi] == m.nb[c.b+hi] {
			hi++
		}
		d := int64(c.b) - int64(c.a)
		i := sort.Search(len(m.unique), func(i int) bool { return m.unique[i].old >= c.a-lo })
		for ; i < len(m.unique) && m.unique[i].old+8 <= c.a+hi; i++ {
			if m.unique[i].delta() == d {
				m.verdict[[2]uint32{c.a, c.b}] = true
				break
			}
		}
		if !m.verdict[[2]uint32{c.a, c.b}] && m.gone(c.a, c.b, w) {
			m.verdict[[2]uint32{c.a, c.b}] = true
		}
	}
}

// gone reports whether the w bytes at old offset a are no longer where the
// anchors around a put them in the new section, and the (equal) bytes at
// new offset b were not where the anchors around b put them in the old
// one: then they moved from a to b. A reference retargeted to an equal
// copy of its data leaves the data in place, and the copy was there before.
func (m *dataMap) gone(a, b, w uint32) bool {
	// around returns the shifts of the anchors before and after offset x
	// (of the old side, or of the new side if isNew); the section ends
	// count as anchors that did not move and that moved by the size
	// difference.
	around := func(x int64, isNew bool) [2]int64 {
		at := func(i int) int64 {
			if isNew {
				return int64(m.anchors[i].new)
			}
			return int64(m.anchors[i].old)
		}
		i := sort.Search(len(m.anchors), func(i int) bool { return at(i) > x })
		ds := [2]int64{0, m.sizeDelta}
		if i > 0 {
			ds[0] = m.anchors[i-1].delta()
		}
		if i < len(m.anchors) {
			ds[1] = m.anchors[i].delta()
		}
		return ds
	}
	in := func(p []byte, x int64) bool {
		return x >= 0 && x+int64(w) <= int64(len(p))
	}
	for _, d := range around(int64(a), false) {
		if x := int64(a) + d; in(m.nb, x) && bytes.Equal(m.ob[a:a+w], m.nb[x:x+int64(w)]) {
			return false
		}
	}
	for _, d := range around(int64(b), true) {
		if x := int64(b) - d; in(m.ob, x) && bytes.Equal(m.nb[b:b+w], m.ob[x:x+int64(w)]) {
			return false
		}
	}
	return true
}

// cuts returns the points where a large section pair is cut into regions
// aligned separately, increasing on both sides: the section starts, the
// common prefix up to prefixMargin before its end, the unique words of
// buildAnchors, the common suffix from prefixMargin after its start, and
// the section ends.
func (m *dataMap) cuts() []alignCut {
	m.cutOnce.Do(m.makeCuts)
	return m.cutList
}

// makeCuts computes the cuts, eqBefore and runs, once (see cuts).
func (m *dataMap) makeCuts() {
	if !m.built {
		m.buildAnchors()
	}
	la, lb := uint32(len(m.ob)), uint32(len(m.nb))
	cuts := make([]alignCut, 1, len(m.anchors)+4)
	add := func(o, n uint32) {
		if last := cuts[len(cuts)-1]; o > last.o && n > last.n && o <= la && n <= lb {
			cuts = append(cuts, alignCut{o, n})
		}
	}
	if m.prefix > prefixMargin {
		add(m.prefix-prefixMargin, m.prefix-prefixMargin)
	}
	for _, an := range m.anchors {
		add(an.old, an.new)
	}
	s := min(m.suffix, la-min(m.prefix, la), lb-min(m.prefix, lb))
	if s > prefixMargin {
		add(la-s+prefixMargin, lb-s+prefixMargin)
	}
	if last := cuts[len(cuts)-1]; last.o < la && last.n < lb {
		cuts = append(cuts, alignCut{la, lb})
	} else {
		cuts[len(cuts)-1] = alignCut{la, lb}
	}
	// eqBefore[i]: how many of the intervals between consecutive cuts
	// before cut i hold equal bytes on one diagonal. Comparing them reads
	// both sections whole: in two halves at once, each interval's verdict
	// first in eqBefore[i] itself.
	m.eqBefore = make([]int32, len(cuts))
	equal := func(lo, hi int) {
		for i := max(lo, 1); i < hi; i++ {
			p, q := cuts[i-1], cuts[i]
			if q.o-p.o == q.n-p.n && bytes.Equal(m.ob[p.o:q.o], m.nb[p.n:q.n]) {
				m.eqBefore[i] = 1
			}
		}
	}
	half := len(cuts) / 2
	m.both(func() { equal(0, half) }, func() { equal(half, len(cuts)) })
	for i := 1; i < len(cuts); i++ {
		m.eqBefore[i] += m.eqBefore[i-1]
	}
	for i := 1; i < len(cuts); i++ {
		if m.eqBefore[i] == m.eqBefore[i-1] {
			continue
		}
		p, q := cuts[i-1], cuts[i]
		if k := len(m.runs) - 1; k >= 0 && m.runs[k].end == p.o && m.runs[k].n+(p.o-m.runs[k].o) == p.n {
			m.runs[k].end = q.o
		} else {
			m.runs = append(m.runs, equalRun{p.o, p.n, q.o})
		}
	}
	m.cutList = cuts
}

// alignRegion decides claims whose old offset lies in [lo.o, hi.o), giving
// each verdict to set (so that regions can be aligned concurrently), by the
// alignments of old[lo.o:hi.o] with new[lo.n:hi.n] of least cost: a claim
// agrees when such an alignment aligns the bytes the reference reads on
// both sides with each other. An alignment costs indelCost per byte
// inserted or deleted and subCost per byte changed in place; aligning what
// a reference reads as it claims costs their own least cost (editCost)
// less a reward for each reference making the claim (claimReward, for at
// most maxClaimRewards of them). So the references decide among alignments
// the bytes alone cannot tell apart, and a claim that conflicts with better
// supported ones (the same old offset elsewhere, an order the others
// contradict) loses; the reward stays below what moving a reference to
// other data costs (a deletion and an insertion of as many bytes as it
// reads, at least: the next item may start right after a string's NUL), so
// a reference alone never makes data that did not move read as moved.
// Two rows of the cost table at a time: forward costs F to each claim's
// start, backward costs B from the end of what it reads.
func (m *dataMap) alignRegion(lo, hi alignCut, cl []dataClaim, set func(a, b uint32, agree bool)) {
	o, n := m.ob[lo.o:hi.o], m.nb[lo.n:hi.n]
	type query struct {
		i, j, w int   // claim start in o and n, bytes read
		f, b    int32 // least cost to (i, j), and from (i+w, j+w)
		jump    int32 // cost of aligning what the reference reads, less the reward
		c       dataClaim
	}
	var qs []query
	for _, c := range cl {
		if c.b < lo.n || c.b >= hi.n || c.a < lo.o || c.a >= hi.o {
			set(c.a, c.b, false)
			continue
		}
		i, j := int(c.a-lo.o), int(c.b-lo.n)
		w := min(int(m.window(c.a, c.b, c.n)), len(o)-i, len(n)-j)
		// The reward stays below what moving a reference by its window costs
		// (a reference read up to a NUL may move that far to the next item).
		reward := min(claimReward*min(c.n, maxClaimRewards), 2*indelCost*int32(w)+2)
		jump := editCost(o[i:i+w], n[j:j+w]) - reward
		qs = append(qs, query{i: i, j: j, w: w, jump: jump, c: c})
	}
	if len(qs) == 0 {
		return
	}
	// qs by start; ends indexes qs by end.
	slices.SortFunc(qs, func(x, y query) int { return cmp.Or(x.i-y.i, x.j-y.j) })
	ends := make([]int, len(qs))
	for k := range ends {
		ends[k] = k
	}
	endCmp := func(x, y int) int {
		return cmp.Or(qs[x].i+qs[x].w-qs[y].i-qs[y].w, qs[x].j+qs[x].w-qs[y].j-qs[y].w)
	}
	slices.SortFunc(ends, endCmp)
	// Forward: row i holds the least cost of aligning o[:i] with n[:j]; a
	// claim is an edge from its start to its end.
	row := make([]int32, len(n)+1)
	for j := range row {
		row[j] = int32(j) * indelCost
	}
	// Claims are few next to cells: a row's cells only compare their
	// column with the next claim ending in the row (endIn), if any.
	s, e := 0, 0
	endIn := func(i int) int {
		if e < len(ends) && qs[ends[e]].i+qs[ends[e]].w == i {
			return qs[ends[e]].j + qs[ends[e]].w
		}
		return -1
	}
	for i := 0; ; i++ {
		for ; s < len(qs) && qs[s].i == i; s++ {
			qs[s].f = row[qs[s].j]
		}
		if i == len(o) {
			break
		}
		diag := row[0]
		row[0] += indelCost
		left, oc, next := row[0], o[i], endIn(i+1)
		for j := 1; j <= len(n); j++ {
			up := row[j]
			v := diag
			if n[j-1] != oc {
				v += subCost
			}
			v = min(v, up+indelCost, left+indelCost)
			if j == next {
				for ; e < len(ends) && qs[ends[e]].i+qs[ends[e]].w == i+1 && qs[ends[e]].j+qs[ends[e]].w == j; e++ {
					v = min(v, qs[ends[e]].f+qs[ends[e]].jump)
				}
				next = endIn(i + 1)
			}
			diag, row[j], left = up, v, v
		}
	}
	total := row[len(n)]
	// Backward: row i holds the least cost of aligning o[i:] with n[j:].
	slices.SortFunc(ends, func(x, y int) int { return endCmp(y, x) })
	for j := range row {
		row[j] = int32(len(n)-j) * indelCost
	}
	s, e = len(qs)-1, 0
	startIn := func(i int) int { // column of the next claim starting in row i, right to left
		if s >= 0 && qs[s].i == i {
			return qs[s].j
		}
		return -1
	}
	for i := len(o); ; i-- {
		for ; e < len(ends) && qs[ends[e]].i+qs[ends[e]].w == i; e++ {
			x := &qs[ends[e]]
			x.b = row[x.j+x.w]
		}
		if i == 0 {
			break
		}
		diag := row[len(n)]
		row[len(n)] += indelCost
		right, oc, next := row[len(n)], o[i-1], startIn(i-1)
		for j := len(n) - 1; j >= 0; j-- {
			up := row[j]
			v := diag
			if n[j] != oc {
				v += subCost
			}
			v = min(v, up+indelCost, right+indelCost)
			if j == next {
				for ; s >= 0 && qs[s].i == i-1 && qs[s].j == j; s-- {
					v = min(v, qs[s].jump+qs[s].b)
				}
				next = startIn(i - 1)
			}
			diag, row[j], right = up, v, v
		}
	}
	for _, x := range qs {
		set(x.c.a, x.c.b, x.f+x.jump+x.b == total)
	}
}

// editCost returns the least cost of aligning two short byte strings
// (at most 8 bytes each: the bytes a reference reads).
func editCost(o, n []byte) int32 {
	var row [9]int32
	for j := range len(n) + 1 {
		row[j] = int32(j) * indelCost
	}
	for i := range o {
		diag := row[0]
		row[0] = int32(i+1) * indelCost
		for j := 1; j <= len(n); j++ {
			up := row[j]
			v := diag
			if n[j-1] != o[i] {
				v += subCost
			}
			diag, row[j] = up, min(v, up+indelCost, row[j-1]+indelCost)
		}
	}
	return row[len(n)]
}

// chain decides claims in uninitialized data (see the comment on fast): a
// claim agrees when it lies on a heaviest chain of claims increasing in
// both offsets and no other claim on such a chain shares its old or its
// new offset, or when no other claim at all does. cl is sorted by old
// offset.
func (m *dataMap) chain(cl []dataClaim) {
	if len(cl) == 0 {
		return
	}
	// Ranks of the new offsets, for a Fenwick tree of best chain weights.
	bs := make([]uint32, len(cl))
	for i, c := range cl {
		bs[i] = c.b
	}
	slices.Sort(bs)
	bs = slices.Compact(bs)
	n := len(cl)
	as, rank, w := make([]uint32, n), make([]int, n), make([]int32, n)
	ras, rrank, rw := make([]uint32, n), make([]int, n), make([]int32, n)
	for i, c := range cl {
		r, _ := slices.BinarySearch(bs, c.b)
		as[i], rank[i], w[i] = c.a, r, c.n
		// Backward: the claims in reverse, ranks reversed.
		ras[n-1-i], rrank[n-1-i], rw[n-1-i] = c.a, len(bs)-1-r, c.n
	}
	fwd := chainWeights(as, rank, w, len(bs))
	bwd := chainWeights(ras, rrank, rw, len(bs))
	var top int64
	for _, f := range fwd {
		top = max(top, f)
	}
	on := make([]bool, n)
	perA, perB := map[uint32]int{}, map[uint32]int{}
	for i, c := range cl {
		if fwd[i]+bwd[n-1-i]-int64(c.n) == top {
			on[i] = true
			perA[c.a]++
			perB[c.b]++
		}
	}
	// A claim no other contradicts stands too, in or out of order: data
	// reordered (Go's linker lays out uninitialized variables by size)
	// keeps its claims apart.
	allA, allB := map[uint32]int{}, map[uint32]int{}
	for _, c := range cl {
		allA[c.a]++
		allB[c.b]++
	}
	for i, c := range cl {
		m.verdict[[2]uint32{c.a, c.b}] = on[i] && perA[c.a] == 1 && perB[c.b] == 1 || allA[c.a] == 1 && allB[c.b] == 1
	}
}

// chainWeights returns, for claims in processing order (equal old offsets
// adjacent: they never chain with each other), the weight of the heaviest
// chain ending at each over earlier claims of smaller rank. A Fenwick tree
// of prefix maxima keeps it O(n log n).
func chainWeights(as []uint32, rank []int, w []int32, ranks int) []int64 {
	tree := make([]int64, ranks+1)
	out := make([]int64, len(as))
	for g := 0; g < len(as); {
		e := g
		for e < len(as) && as[e] == as[g] {
			e++
		}
		for i := g; i < e; i++ {
			var v int64
			for r := rank[i]; r > 0; r -= r & -r {
				v = max(v, tree[r])
			}
			out[i] = v + int64(w[i])
		}
		for i := g; i < e; i++ {
			for r := rank[i] + 1; r <= ranks; r += r & -r {
				tree[r] = max(tree[r], out[i])
			}
		}
		g = e
	}
	return out
}
