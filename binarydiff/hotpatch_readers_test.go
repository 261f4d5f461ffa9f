package binarydiff

import (
	"testing"

	"pgregory.net/rapid"
)

// TestDrefFunction checks that the function readers finds for a
// reference, galloping from an earlier function, is the one whose slice
// of Binary.drefs holds it: functions with no references (an empty slice
// where the next one starts) never are.
func TestDrefFunction(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		counts := rapid.SliceOfN(rapid.IntRange(0, 5), 1, 200).Draw(t, "counts")
		fps := make([]fingerprint, len(counts))
		total := uint32(0)
		for i, n := range counts {
			fps[i].drefOff, fps[i].drefN = total, uint32(n)
			total += uint32(n)
		}
		if total == 0 {
			return
		}
		j := uint32(rapid.IntRange(0, int(total)-1).Draw(t, "j"))
		want := -1
		for i := range fps {
			if j-fps[i].drefOff < fps[i].drefN {
				want = i
			}
		}
		// Any function at or before the holder, as readers' cursor is.
		from := rapid.IntRange(0, want).Draw(t, "from")
		if got := drefFunction(fps, from, j); got != want {
			t.Fatalf("reference %d from function %d: function %d, want %d", j, from, got, want)
		}
	})
}
