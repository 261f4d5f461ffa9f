package binarydiff

import (
	"testing"

	"pgregory.net/rapid"
)

// TestCoarsen checks that coarsen keeps at most max ranges, covers every
// original range, and bridges only gaps no wider than any it keeps.
func TestCoarsen(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 200).Draw(t, "n")
		var rs []ByteRange
		off := uint32(0)
		for range n {
			off += rapid.Uint32Range(1, 1000).Draw(t, "gap") // disjoint, not touching
			size := rapid.Uint32Range(1, 50).Draw(t, "size")
			rs = append(rs, ByteRange{Off: off, Size: size})
			off += size
		}
		max := rapid.IntRange(1, 250).Draw(t, "max")
		in := append([]ByteRange(nil), rs...)
		out, widest := coarsen(rs, max)
		if len(out) > max || len(out) > len(in) {
			t.Fatalf("%d ranges from %d, max %d", len(out), len(in), max)
		}
		if len(in) <= max && len(out) != len(in) {
			t.Fatalf("%d ranges within the budget became %d", len(in), len(out))
		}
		k := 0
		for _, r := range in {
			for k < len(out) && out[k].Off+out[k].Size <= r.Off {
				k++
			}
			if k == len(out) || r.Off < out[k].Off || r.Off+r.Size > out[k].Off+out[k].Size {
				t.Fatalf("%+v not covered by %+v", r, out)
			}
		}
		for i := 1; i < len(out); i++ {
			if gap := out[i].Off - (out[i-1].Off + out[i-1].Size); gap < widest {
				t.Fatalf("kept gap %d narrower than bridged gap %d", gap, widest)
			}
		}
	})
}
