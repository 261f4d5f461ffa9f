package binarydiff

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestRVAIndex checks the page-bucketed index against a search of the
// sorted RVAs, for addresses at, between and around them, and for ranges
// between them.
func TestRVAIndex(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		// A narrow spread, as in an image, or a wide one, as in a
		// malformed image, where the buckets grow.
		top := rapid.SampledFrom([]uint32{0x80000, 0xFFFFFFFF}).Draw(t, "top")
		rvas := rapid.SliceOfNDistinct(rapid.Uint32Range(0x1000, top), 0, 200, rapid.ID).Draw(t, "rvas")
		slices.Sort(rvas)
		var x rvaIndex
		x.build(len(rvas), func(i int) uint32 { return rvas[i] })
		if len(x.first) > 8*len(rvas)+4096+2 {
			t.Fatalf("%d buckets for %d RVAs", len(x.first), len(rvas))
		}
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
			lb, _ := slices.BinarySearch(rvas, p)
			if got := x.lowerBound(p); got != lb {
				t.Fatalf("lowerBound(%#x) = %d, want %d", p, got, lb)
			}
		}
		for k := 0; k+1 < len(probes); k += 2 {
			lo, hi := probes[k], probes[k+1]
			var want []uint32
			for _, r := range rvas {
				if r >= lo && r < hi {
					want = append(want, r)
				}
			}
			if got := x.in(lo, hi); !slices.Equal(got, want) {
				t.Fatalf("in(%#x, %#x) = %v, want %v", lo, hi, got, want)
			}
		}
	})
}
