package binarydiff

import (
	"cmp"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestRadixSort checks radixSort against a stable sort by the same bits
// (keys have none above them, as where it is used),
// on lists long enough for the radix passes, with keys drawn so that
// some digits are shared by every key (the passes skipped).
func TestRadixSort(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		from := rapid.IntRange(0, 40).Draw(t, "from")
		to := rapid.IntRange(from+1, 64).Draw(t, "to")
		fixed := rapid.Uint64().Draw(t, "fixed")
		vary := rapid.Uint64().Draw(t, "vary") // the bits that differ between keys
		n := rapid.IntRange(0, 2000).Draw(t, "n")
		seed := rapid.Uint64().Draw(t, "seed")
		mask := uint64(1)<<(to-from) - 1
		if to-from == 64 {
			mask = ^uint64(0)
		}
		a := make([]uint64, n)
		for i := range a {
			seed = mix64(seed + 0x9E3779B97F4A7C15)
			a[i] = (fixed&^vary | seed&vary) & (mask<<from | 1<<from - 1)
		}
		want := slices.Clone(a)
		slices.SortStableFunc(want, func(x, y uint64) int { return cmp.Compare(x>>from&mask, y>>from&mask) })
		got := radixSort(a, from, to)
		if len(a) < 256 {
			// sorted by whole keys: the same order of the bits, ties
			// broken otherwise
			for i := 1; i < len(got); i++ {
				if got[i-1]>>from&mask > got[i]>>from&mask {
					t.Fatalf("not sorted at %d", i)
				}
			}
			return
		}
		if !slices.Equal(got, want) {
			t.Fatalf("radixSort(%d keys, %d, %d) differs from a stable sort", n, from, to)
		}
	})
}
