package binarydiff

import (
	"encoding/binary"
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

// TestUniqueWordsPicks checks uniqueWords against its definition: the
// words at the positions picks chooses whose hash occurs once, on random
// bytes (with repeats, so that some words are not unique) at every rate
// sampleRate returns.
func TestUniqueWordsPicks(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := rapid.SliceOfN(rapid.ByteRange(0, 7), 0, 4096).Draw(t, "b")
		if rapid.Bool().Draw(t, "wide") {
			b = rapid.SliceOfN(rapid.Byte(), 0, 4096).Draw(t, "wideb")
		}
		lo := rapid.IntRange(0, len(b)).Draw(t, "lo")
		hi := rapid.IntRange(lo, len(b)).Draw(t, "hi")
		rate := uint(rapid.IntRange(3, 6).Draw(t, "rate"))
		count := map[uint64]int{}
		var keys []uint64
		for i := lo; i+8 <= hi; i++ {
			if picks(b[i], b[i+1], rate) {
				h := mix64(binary.LittleEndian.Uint64(b[i:])) >> wordPosBits
				count[h]++
				keys = append(keys, h<<wordPosBits|uint64(i))
			}
		}
		var want []uint64
		for _, k := range keys {
			if count[k>>wordPosBits] == 1 {
				want = append(want, k)
			}
		}
		slices.Sort(want)
		if got := uniqueWords(b, lo, hi, rate); !slices.Equal(got, want) && len(got)+len(want) > 0 {
			t.Fatalf("uniqueWords(rate %d) = %x, want %x", rate, got, want)
		}
	})
}
