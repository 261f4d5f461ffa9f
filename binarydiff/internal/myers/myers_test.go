package myers

import (
	"testing"

	"pgregory.net/rapid"
)

// TestDiffIsMinimalScript checks that applying the script to a gives b and
// that its length never exceeds the trivial delete-all/insert-all script.
func TestDiffIsMinimalScript(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := rapid.SliceOfN(rapid.Uint32Range(0, 4), 0, 40).Draw(t, "a")
		b := rapid.SliceOfN(rapid.Uint32Range(0, 4), 0, 40).Draw(t, "b")
		script := Diff(a, b)
		var got []uint32
		i, j, edits := 0, 0, 0
		for _, e := range script {
			switch e.Op {
			case Equal:
				for n := 0; n < e.N; n++ {
					if a[i] != b[j] {
						t.Fatalf("equal step at a[%d]=%d b[%d]=%d", i, a[i], j, b[j])
					}
					got = append(got, a[i])
					i, j = i+1, j+1
				}
			case Delete:
				i += e.N
				edits += e.N
			case Insert:
				got = append(got, b[j:j+e.N]...)
				j += e.N
				edits += e.N
			}
		}
		if i != len(a) || j != len(b) {
			t.Fatalf("script consumed %d/%d and %d/%d", i, len(a), j, len(b))
		}
		if len(got) != len(b) {
			t.Fatalf("script produced %v, want %v", got, b)
		}
		if want := lcsEdits(a, b); edits != want {
			t.Fatalf("edit distance %d, minimal %d", edits, want)
		}
	})
}

// lcsEdits is the reference: len(a)+len(b)-2·LCS by dynamic programming.
func lcsEdits(a, b []uint32) int {
	dp := make([][]int, len(a)+1)
	for i := range dp {
		dp[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	return len(a) + len(b) - 2*dp[0][0]
}

// TestLCSLength checks the bit-parallel LCS length against the
// dynamic-programming reference, on sequences long enough to carry
// across several 64-bit words.
func TestLCSLength(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := rapid.SliceOfN(rapid.Uint32Range(0, 6), 0, 200).Draw(t, "a")
		b := rapid.SliceOfN(rapid.Uint32Range(0, 6), 0, 200).Draw(t, "b")
		want := (len(a) + len(b) - lcsEdits(a, b)) / 2
		if got := LCSLength(a, b); got != want {
			t.Fatalf("LCSLength = %d, want %d", got, want)
		}
	})
}

// BenchmarkLCSUnrelated compares the bit-parallel LCS with Myers' search
// on two unrelated 256-token sequences, the similarity pass's worst case.
func BenchmarkLCSUnrelated(b *testing.B) {
	x, y := make([]uint32, 256), make([]uint32, 256)
	for i := range x {
		x[i], y[i] = uint32(i*7919%61), uint32(i*104729%67)+3
	}
	b.Run("bitparallel", func(b *testing.B) {
		for b.Loop() {
			LCSLength(x, y)
		}
	})
	b.Run("myers", func(b *testing.B) {
		for b.Loop() {
			Diff(x, y)
		}
	})
}
