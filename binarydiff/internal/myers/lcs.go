package myers

import (
	"math/bits"
	"sync"
)

// LCSLength returns the length of a longest common subsequence of a and
// b: the equal tokens of a shortest edit script (Diff's Equal runs add up
// to it). It runs the bit-parallel algorithm of Allison and Dix ("A
// bit-string longest-common-subsequence algorithm", Information
// Processing Letters 23, 1986) in the form of Crochemore et al. ("A fast
// and practical bit-vector algorithm for the longest common subsequence
// problem", Information Processing Letters 80, 2001): one pass over a,
// updating a bit vector of len(b) bits per token, O(len(a)·len(b)/64)
// whatever the two have in common, where Myers' search costs
// O((N+M)·D) and D approaches N+M for unrelated inputs.
func LCSLength(a, b []uint32) int {
	if len(a) < len(b) {
		a, b = b, a // the shorter one sets the vector's width
	}
	if len(b) == 0 {
		return 0
	}
	w := (len(b) + 63) / 64
	s := lcsPool.Get().(*lcsScratch)
	defer lcsPool.Put(s)
	clear(s.at)
	s.masks = s.masks[:0]
	// masks[at[t]*w:][:w] has bit j set where b[j] == t.
	for j, t := range b {
		k, ok := s.at[t]
		if !ok {
			k = int32(len(s.masks) / w)
			s.at[t] = k
			for range w {
				s.masks = append(s.masks, 0)
			}
		}
		s.masks[int(k)*w+j/64] |= 1 << (j % 64)
	}
	v := s.v[:0]
	for range w {
		v = append(v, ^uint64(0))
	}
	s.v = v
	for _, t := range a {
		k, ok := s.at[t]
		if !ok {
			continue // no match: V stays
		}
		m := s.masks[int(k)*w : int(k)*w+w]
		var carry uint64
		for i := range v {
			u := v[i] & m[i]
			var sum uint64
			sum, carry = bits.Add64(v[i], u, carry)
			v[i] = sum | (v[i] &^ m[i])
		}
	}
	// Each zero among the first len(b) bits is one token of the LCS.
	ones := 0
	for i, x := range v {
		if i == w-1 && len(b)%64 != 0 {
			x &= 1<<(len(b)%64) - 1
		}
		ones += bits.OnesCount64(x)
	}
	return len(b) - ones
}

// lcsScratch holds LCSLength's token index, match masks and vector,
// reused across calls.
type lcsScratch struct {
	at    map[uint32]int32
	masks []uint64
	v     []uint64
}

var lcsPool = sync.Pool{New: func() any { return &lcsScratch{at: map[uint32]int32{}} }}
