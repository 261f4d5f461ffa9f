package binarydiff

import (
	"slices"
	"sync/atomic"
	"testing"

	"pgregory.net/rapid"
)

// TestFastShared checks that the shared table of fast's answers gives
// fast's answer for every claim, asked once or again, whatever the claims
// that share its slots.
func TestFastShared(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ob := rapid.SliceOfN(rapid.ByteRange(0, 3), 0, 300).Draw(t, "old")
		nb := slices.Clone(ob)
		for _, i := range rapid.SliceOfN(rapid.IntRange(0, max(0, len(nb)-1)), 0, 8).Draw(t, "changed") {
			if i < len(nb) {
				nb[i]++
			}
		}
		nb = append(nb, rapid.SliceOfN(rapid.ByteRange(0, 3), 0, 20).Draw(t, "appended")...)
		m := &dataMap{ob: ob, nb: nb, sizeDelta: int64(len(nb) - len(ob)), both: func(f, g func()) { f(); g() }}
		for m.prefix < uint32(min(len(ob), len(nb))) && ob[m.prefix] == nb[m.prefix] {
			m.prefix++
		}
		for m.suffix < uint32(min(len(ob), len(nb))) && ob[len(ob)-1-int(m.suffix)] == nb[len(nb)-1-int(m.suffix)] {
			m.suffix++
		}
		m.fastSeen = make([]atomic.Uint64, fastSeenSlots)
		claims := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) [2]uint32 {
			return [2]uint32{rapid.Uint32Range(0, uint32(len(ob))+4).Draw(t, "a"), rapid.Uint32Range(0, uint32(len(nb))+4).Draw(t, "b")}
		}), 1, 50).Draw(t, "claims")
		for round := range 2 {
			for _, c := range claims {
				wa, wo := m.fast(c[0], c[1])
				if ga, gok := m.fastShared(c[0], c[1]); ga != wa || gok != wo {
					t.Fatalf("round %d, claim %v: fastShared %v %v, fast %v %v", round, c, ga, gok, wa, wo)
				}
			}
		}
	})
}
