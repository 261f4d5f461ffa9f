package binarydiff

import (
	"encoding/binary"
	"slices"
	"sort"
)

// dataMap says where the data of an old section went in the new image, so
// that a reference to data that merely moved (because data was inserted
// before it) is told apart from a reference retargeted to other data. It
// is built from the section contents as 8-byte words: the common prefix
// (which stayed), the common suffix (which moved by the size difference),
// and in between the words unique on both sides whose order agrees (the
// longest increasing chain, as in patience diff). Words holding relocated
// pointers compare equal whatever they point to.
type dataMap struct {
	prefix, suffix uint32 // bytes of common prefix and suffix (multiples of 8)
	oldSize        uint32
	sizeDelta      int64
	anchors        []dataAnchor // by old offset, strictly increasing in both
	ow, nw         []uint64     // the words of both sections
}

type dataAnchor struct {
	old   uint32 // offset in the old section
	delta int64  // new offset - old offset
}

// maxDataMapWords bounds the words a data map reads per section side.
const maxDataMapWords = 16 << 20

func newDataMap(old, new *Binary, os, ns *Section) *dataMap {
	ow, nw := sectionWords(old, os), sectionWords(new, ns)
	m := &dataMap{oldSize: uint32(len(ow)) * 8, sizeDelta: int64(len(nw)-len(ow)) * 8, ow: ow, nw: nw}
	p := 0
	for p < len(ow) && p < len(nw) && ow[p] == nw[p] {
		p++
	}
	// The suffix may overlap the prefix: in a run of equal words an
	// insertion could have been anywhere, so both shifts stay possible.
	s := 0
	for s < len(ow) && s < len(nw) && ow[len(ow)-1-s] == nw[len(nw)-1-s] {
		s++
	}
	m.prefix, m.suffix = uint32(p)*8, uint32(s)*8
	s = min(s, len(ow)-p, len(nw)-p)
	mid := func(w []uint64, lo, hi int) map[uint64]int32 {
		pos := make(map[uint64]int32, hi-lo)
		for i := lo; i < hi; i++ {
			if _, dup := pos[w[i]]; dup {
				pos[w[i]] = -1
			} else {
				pos[w[i]] = int32(i)
			}
		}
		return pos
	}
	op, np := mid(ow, p, len(ow)-s), mid(nw, p, len(nw)-s)
	type pair struct{ o, n int32 }
	var pairs []pair
	for i := p; i < len(ow)-s; i++ {
		if oi := op[ow[i]]; oi >= 0 {
			if ni, ok := np[ow[i]]; ok && ni >= 0 {
				pairs = append(pairs, pair{oi, ni})
			}
		}
	}
	// Longest chain increasing in new offsets (pairs are sorted by old).
	tails, prev := []int{}, make([]int, len(pairs))
	for i, pr := range pairs {
		k := sort.Search(len(tails), func(k int) bool { return pairs[tails[k]].n >= pr.n })
		if k > 0 {
			prev[i] = tails[k-1]
		} else {
			prev[i] = -1
		}
		if k == len(tails) {
			tails = append(tails, i)
		} else {
			tails[k] = i
		}
	}
	if len(tails) > 0 {
		for i := tails[len(tails)-1]; i >= 0; i = prev[i] {
			m.anchors = append(m.anchors, dataAnchor{uint32(pairs[i].o) * 8, int64(pairs[i].n-pairs[i].o) * 8})
		}
		slices.Reverse(m.anchors)
	}
	return m
}

// sectionWords reads a section as hashed 8-byte words, relocated pointers
// replaced by one marker.
func sectionWords(b *Binary, s *Section) []uint64 {
	n := min(s.FileSize/8, maxDataMapWords)
	buf := make([]byte, sectionChunk)
	words := make([]uint64, 0, n)
	rel := relocsIn(b.relocs, s.RVA, s.RVA+n*8)
	for off := uint32(0); off < n*8; off += sectionChunk {
		k := min(sectionChunk, n*8-off)
		if readSection(b, s, buf[:k], off) != nil {
			clear(buf[:k])
		}
		for i := uint32(0); i < k; i += 8 {
			w := binary.LittleEndian.Uint64(buf[i:])
			for len(rel) > 0 && rel[0] < s.RVA+off+i {
				rel = rel[1:]
			}
			if len(rel) > 0 && rel[0] == s.RVA+off+i {
				w = 0x9E3779B97F4A7C15 // a pointer: its value moves with its target
			}
			words = append(words, w)
		}
	}
	return words
}

// agrees reports whether old offset a may have become new offset b: the
// shift must lie between the shifts of the anchors around a (the start of
// the section counts as an anchor that did not move, its end as one that
// moved by the size difference), and the word must be the same unless it
// changed in place. Equal words around an insertion make its exact place
// unknowable, so any shift in that range is accepted; in an unchanged
// section the range is {0}.
func (m *dataMap) agrees(a uint32, b int64) bool {
	d := b - int64(a)
	if d%8 != 0 || a/8 >= uint32(len(m.ow)) || b < 0 || b/8 >= int64(len(m.nw)) {
		return false
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
	w := m.ow[a/8]
	if w == m.nw[b/8] {
		return true
	}
	// The word changed. Accept unless an unchanged copy of it sits at one
	// of the other possible shifts: then the reference was retargeted.
	for _, c := range [2]int64{prevD, nextD} {
		if nb := int64(a) + c; c != d && nb >= 0 && nb/8 < int64(len(m.nw)) && m.nw[nb/8] == w {
			return false
		}
	}
	return true
}
