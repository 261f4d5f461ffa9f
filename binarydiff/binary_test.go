package binarydiff

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestStartIndex checks the page-bucketed index against a search of the
// sorted function starts, for addresses at, between and around them.
func TestStartIndex(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		rvas := rapid.SliceOfNDistinct(rapid.Uint32Range(0x1000, 0x80000), 0, 200, rapid.ID).Draw(t, "rvas")
		slices.Sort(rvas)
		var x startIndex
		x.build(len(rvas), func(i int) uint32 { return rvas[i] })
		probes := append(slices.Clone(rvas), rapid.SliceOf(rapid.Uint32()).Draw(t, "probes")...)
		for _, r := range rvas {
			probes = append(probes, r-1, r+1, r+0x1000)
		}
		for _, p := range probes {
			want := -1
			if i, ok := slices.BinarySearch(rvas, p); ok {
				want = i
			}
			if got := x.find(p); got != want {
				t.Fatalf("find(%#x) = %d, want %d", p, got, want)
			}
		}
	})
}
