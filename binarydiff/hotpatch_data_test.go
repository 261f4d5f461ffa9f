package binarydiff

import (
	"sort"
	"testing"

	"pgregory.net/rapid"
)

// TestAnchorBefore checks anchorBefore against its definition (the last
// anchor at or before the offset, by a search of them all), asked in any
// order, so that both its remembered answer and its page search are used.
func TestAnchorBefore(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 200).Draw(t, "n")
		var as []dataAnchor
		at := uint32(rapid.IntRange(0, 10).Draw(t, "first"))
		for range n {
			as = append(as, dataAnchor{old: at, new: at}) // old offsets do not matter here
			// Gaps from none (equal offsets) to several pages.
			at += uint32(rapid.SampledFrom([]int{0, 1, 7, 100, 4095, 4096, 4097, 20000}).Draw(t, "gap"))
		}
		al := &dataAlign{anchors: as}
		for range 50 {
			q := uint32(rapid.IntRange(0, int(at)+2*(1<<anchorPageBits)).Draw(t, "q"))
			want := sort.Search(len(as), func(k int) bool { return as[k].new > q }) - 1
			if got := al.anchorBefore(q); got != want {
				t.Fatalf("anchorBefore(%d) = %d, want %d (anchors %v)", q, got, want, as)
			}
		}
	})
}
