package binarydiff

import "slices"

// maxPositionGap is the most unpaired functions a gap may hold on each
// side for positionPass to pair them by order: beyond it, the functions
// between the two pairs are more likely code added and removed than code
// that changed in place.
const maxPositionGap = 8

// minPositionSize is the size in bytes below which a function paired by
// position must still reach the full Options.Threshold: a small function
// replaced by another in the same place (legacy removed, fresh added where
// it was) looks as much alike as a small one rewritten.
const minPositionSize = 64

// positionPass pairs functions by their position between pairs: where two
// pairs follow each other on both sides with only unpaired functions
// between them, as many on each side, the k-th unpaired old function pairs
// with the k-th new one when their similarity reaches half of
// Options.Threshold (the full threshold below minPositionSize bytes).
// A linker keeps the order of what a compiler emits, so
// a function rewritten beyond the reach of similarity (or a GCC .cold part
// whose hot part changed) still sits between the same neighbours; on
// libduckdb 1.5.5 to 1.5.6 with names ignored, 97 of the 99 pairs so
// proposed were right by the symbol table. It runs after every other pass
// (which run again when it paired any) and returns how many it paired.
func (m *matcher) positionPass() int {
	floor := m.opts.Threshold / 2
	paired := 0
	prevO, prevN := -1, -1
	for oi, ni := range m.o2n {
		if ni < 0 {
			continue
		}
		k := oi - prevO - 1
		if prevO >= 0 && k > 0 && k <= maxPositionGap && int(ni)-prevN-1 == k && m.newUnpaired(prevN+1, int(ni)) {
			for j := range k {
				o, n := prevO+1+j, prevN+1+j
				f := floor
				if min(m.old.Functions[o].Size, m.new.Functions[n].Size) < minPositionSize {
					f = m.opts.Threshold
				}
				if !m.namesDiffer(o, n) && m.similarityAbove(o, n, f) >= f {
					m.pair(o, n, PassAlignment)
					paired++
				}
			}
		}
		prevO, prevN = oi, int(ni)
	}
	return paired
}

// newUnpaired reports whether new functions lo to hi-1 are all unpaired.
func (m *matcher) newUnpaired(lo, hi int) bool {
	for _, o := range m.n2o[lo:hi] {
		if o >= 0 {
			return false
		}
	}
	return true
}

// maxOffsetDistance bounds how far from a pair offsetPass looks for a
// function.
const maxOffsetDistance = 1 << 16

// offsetPass pairs an unpaired old function with the unpaired new function
// that starts at the same distance from the partners of the pairs around
// it, when both have the same size and the same normalized code.
// Functions whose code is equal to others' (Go's promoted-method wrappers
// for each type of a package, template instances) defeat the passes that
// need a unique key, and have no caller to tell them apart; where the code
// around them did not move relative to its pairs, their place does. The
// two nearest pairs on each side vote, each for the new function at its
// distance; the candidate needs two votes and more than any other, so that
// one wrong pair nearby does not mislead it. On the Go 1.22
// windows/amd64 pair of the corpus, 22 wrappers had been paired by
// address-order alignment with another type's wrapper.
func (m *matcher) offsetPass() {
	var anchors []int
	for oi, ni := range m.o2n {
		if ni >= 0 {
			anchors = append(anchors, oi)
		}
	}
	if len(anchors) == 0 {
		return
	}
	var votes [4]struct{ n, count int }
	for oi, ni := range m.o2n {
		if ni >= 0 {
			continue
		}
		fo := m.old.Functions[oi]
		at, _ := slices.BinarySearch(anchors, oi)
		nv := 0
		for _, a := range anchors[max(0, at-2):min(len(anchors), at+2)] {
			n := m.offsetCandidate(oi, a)
			if n < 0 || m.new.Functions[n].Size != fo.Size || m.fp(0, oi).norm != m.fp(1, n).norm || m.namesDiffer(oi, n) {
				continue
			}
			k := 0
			for k < nv && votes[k].n != n {
				k++
			}
			if k == nv {
				votes[k], nv = struct{ n, count int }{n, 0}, nv+1
			}
			votes[k].count++
		}
		best, second := -1, 0
		for k := range nv {
			switch c := votes[k].count; {
			case best < 0 || c > votes[best].count:
				if best >= 0 {
					second = votes[best].count
				}
				best = k
			case c > second:
				second = c
			}
		}
		if best >= 0 && votes[best].count >= 2 && votes[best].count > second {
			m.pair(oi, votes[best].n, PassAlignment)
		}
	}
}

// offsetCandidate returns the unpaired new function at old function oi's
// distance from anchor a, translated to a's partner; -1 if none.
func (m *matcher) offsetCandidate(oi, a int) int {
	ro, ra := m.old.Functions[oi].RVA, m.old.Functions[a].RVA
	var t int64
	switch {
	case ro >= ra && ro-ra <= maxOffsetDistance:
		t = int64(m.new.Functions[m.o2n[a]].RVA) + int64(ro-ra)
	case ro < ra && ra-ro <= maxOffsetDistance:
		t = int64(m.new.Functions[m.o2n[a]].RVA) - int64(ra-ro)
	default:
		return -1
	}
	if t < 0 || t >= 1<<32 {
		return -1
	}
	n := m.new.functionStart(uint32(t))
	if n < 0 || m.n2o[n] >= 0 {
		return -1
	}
	return n
}
