package binarydiff

import (
	"bytes"
	"encoding/binary"
	"slices"
	"sort"
)

// dataMap says where the data of an old section went in the new image, so
// that a reference to data that merely moved (because data was inserted
// before it) is told apart from a reference retargeted to other data. It
// is built from the section contents: the common prefix (which stayed),
// the common suffix (which moved by the size difference), and in between
// the aligned 8-byte words unique on both sides whose order agrees (the
// longest increasing chain, as in patience diff). Relocated pointers
// compare equal whatever they point to.
type dataMap struct {
	prefix, suffix uint32 // bytes of common prefix and suffix
	oldSize        uint32
	sizeDelta      int64
	anchors        []dataAnchor // by old offset, strictly increasing in both; see buildAnchors
	built          bool         // anchors computed
	ob, nb         []byte       // the contents of both sections
}

type dataAnchor struct {
	old   uint32 // offset in the old section
	delta int64  // new offset - old offset
}

// prefixMargin is how far from the inner end of the common prefix (or
// suffix) equal bytes are trusted to mean the data did not move.
const prefixMargin = 64

// maxDataMapBytes bounds the bytes a data map reads per section side.
const maxDataMapBytes = 64 << 20

// pointerMark replaces the bytes of a relocated pointer.
var pointerMark = [8]byte{0xF4, 0x9E, 0x37, 0x79, 0xB9, 0x7F, 0x4A, 0x7C}

// oldPtr and newPtr name what a relocated pointer points to (see
// sectionBytes).
func newDataMap(old, new *Binary, os, ns *Section, oldPtr, newPtr func(rva uint32) uint64) *dataMap {
	ob, nb := sectionBytes(old, os, oldPtr), sectionBytes(new, ns, newPtr)
	m := &dataMap{oldSize: uint32(len(ob)), sizeDelta: int64(len(nb) - len(ob)), ob: ob, nb: nb}
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

// buildAnchors finds the unique aligned words of both sections between the
// common prefix and suffix whose order agrees. It runs on first need: most
// references are settled by the prefix, the suffix or their own bytes.
func (m *dataMap) buildAnchors() {
	m.built = true
	ob, nb := m.ob, m.nb
	p := int(m.prefix)
	s := min(int(m.suffix), len(ob)-p, len(nb)-p)
	op := uniqueWords(ob, p, len(ob)-s)
	np := uniqueWords(nb, p, len(nb)-s)
	// Merge the two lists (sorted by word hash) into pairs of positions.
	type pair struct{ o, n int32 }
	var pairs []pair
	for x, y := 0, 0; x < len(op) && y < len(np); {
		hx, hy := op[x]>>wordPosBits, np[y]>>wordPosBits
		switch {
		case hx < hy:
			x++
		case hx > hy:
			y++
		default:
			pairs = append(pairs, pair{int32(op[x]&wordPosMask) * 8, int32(np[y]&wordPosMask) * 8})
			x, y = x+1, y+1
		}
	}
	slices.SortFunc(pairs, func(x, y pair) int { return int(x.o - y.o) })
	// Longest chain increasing in new offsets.
	tails, prev := []int{}, make([]int, len(pairs))
	for i, pr := range pairs {
		k := sort.Search(len(tails), func(k int) bool { return pairs[tails[k]].n >= pr.n })
		prev[i] = -1
		if k > 0 {
			prev[i] = tails[k-1]
		}
		if k == len(tails) {
			tails = append(tails, i)
		} else {
			tails[k] = i
		}
	}
	if len(tails) > 0 {
		for i := tails[len(tails)-1]; i >= 0; i = prev[i] {
			m.anchors = append(m.anchors, dataAnchor{uint32(pairs[i].o), int64(pairs[i].n - pairs[i].o)})
		}
		slices.Reverse(m.anchors)
	}
}

const (
	wordPosBits = 24 // positions of aligned words: up to 128 MiB of data
	wordPosMask = 1<<wordPosBits - 1
)

// uniqueWords returns, sorted, hash<<24|position for each aligned 8-byte
// word in b[lo:hi] that occurs once there (by a 40-bit hash of its value).
// A radix sort keeps this linear: a data map may cover megabytes.
func uniqueWords(b []byte, lo, hi int) []uint64 {
	keys := make([]uint64, 0, max(0, (hi-lo)/8+1))
	for i := (lo + 7) &^ 7; i+8 <= hi && i>>3 <= wordPosMask; i += 8 {
		h := mix64(binary.LittleEndian.Uint64(b[i:])) >> wordPosBits
		keys = append(keys, h<<wordPosBits|uint64(i>>3))
	}
	keys = radixSort(keys)
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

// radixSort sorts 64-bit keys by their top 40 bits (the hash; the order
// of equal hashes does not matter), 16-bit digits least significant first.
func radixSort(a []uint64) []uint64 {
	if len(a) < 256 {
		slices.Sort(a)
		return a
	}
	b := make([]uint64, len(a))
	var count [1 << 16]int
	for shift := wordPosBits; shift < 64; shift += 16 {
		clear(count[:])
		for _, v := range a {
			count[v>>shift&0xffff]++
		}
		sum := 0
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		for _, v := range a {
			d := v >> shift & 0xffff
			b[count[d]] = v
			count[d]++
		}
		a, b = b, a
	}
	return a
}

// sectionBytes reads a section's initialized bytes, each relocated pointer
// replaced by what it points to: ptr's identity for its target (equal on
// both sides for paired functions), or pointerMark when ptr returns 0.
func sectionBytes(b *Binary, s *Section, ptr func(rva uint32) uint64) []byte {
	n := min(s.FileSize, maxDataMapBytes)
	p := make([]byte, n)
	if readSection(b, s, p, 0) != nil {
		clear(p)
	}
	for _, r := range relocsIn(b.relocs, s.RVA, s.RVA+n) {
		if o := r - s.RVA; o+8 <= n {
			if id := ptr(uint32(binary.LittleEndian.Uint64(p[o:]) - b.ImageBase)); id != 0 {
				binary.LittleEndian.PutUint64(p[o:], mix64(id))
			} else {
				copy(p[o:], pointerMark[:])
			}
		}
	}
	return p
}

// agrees reports whether old offset a may have become new offset b. In the
// common prefix data stayed; in the common suffix it moved by the size
// difference; a reference there that moved otherwise was retargeted.
// Elsewhere the bytes at a found at b moved there (or b holds an equal
// copy: the code reads the same value either way). Otherwise the shift must lie between the shifts of the
// anchors around a (the section's start counts as an anchor that did not
// move, its end as one that moved by the size difference): equal bytes
// around an insertion make its exact place unknowable, so any shift in
// that range is accepted when the bytes agree, or when they changed in
// place. In an unchanged section the range is {0}.
func (m *dataMap) agrees(a uint32, b int64) bool {
	d := b - int64(a)
	inPrefix := a < m.prefix
	inSuffix := a >= m.oldSize-min(m.suffix, m.oldSize) && a < m.oldSize
	if inPrefix && d == 0 || inSuffix && d == m.sizeDelta {
		return true
	}
	// Well inside the prefix or suffix data provably stayed (or moved with
	// the end), so a reference that moved otherwise was retargeted. Near
	// their inner ends equal bytes may be a coincidence of moved data.
	identical := m.sizeDelta == 0 && m.prefix == m.oldSize
	if identical || a+prefixMargin < m.prefix || inSuffix && a >= m.oldSize-m.suffix+prefixMargin {
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
		prevD = m.anchors[i-1].delta
		if m.anchors[i-1].old == a {
			return d == prevD
		}
	}
	if i < len(m.anchors) {
		nextD = m.anchors[i].delta
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
