// Package myers computes shortest edit scripts between sequences of
// interned tokens with Myers' O(ND) algorithm ("An O(ND) Difference
// Algorithm and Its Variations", Algorithmica 1986).
package myers

import "sync"

// Op is one step of an edit script.
type Op uint8

const (
	Equal  Op = iota // a[i] == b[j]; advance both
	Delete           // a[i] only; advance a
	Insert           // b[j] only; advance b
)

// Edit is a run of N steps of the same Op.
type Edit struct {
	Op Op
	N  int
}

// MaxD bounds the edit distance explored. Past it the remaining middle is
// reported as one deletion and one insertion, which keeps time and memory
// at O((N+M)·MaxD) on unrelated inputs.
const MaxD = 1024

// Diff returns an edit script turning a into b, as runs. Common prefixes
// and suffixes are stripped first, so near-identical inputs cost O(N).
func Diff(a, b []uint32) []Edit {
	var out []Edit
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	out = add(out, Equal, pre)
	out = middle(out, a[pre:len(a)-suf], b[pre:len(b)-suf])
	return add(out, Equal, suf)
}

func add(out []Edit, op Op, n int) []Edit {
	if n == 0 {
		return out
	}
	if k := len(out) - 1; k >= 0 && out[k].Op == op {
		out[k].N += n
		return out
	}
	return append(out, Edit{op, n})
}

// buffers holds the V vector and the trace of one middle search, reused
// across calls: the trace is O(D²) and would otherwise dominate the
// allocations of an explanation.
type buffers struct {
	v, trace []int32
}

var pool = sync.Pool{New: func() any { return new(buffers) }}

// middle runs the greedy forward search, keeping one V vector per d for
// the backtrack.
func middle(out []Edit, a, b []uint32) []Edit {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return add(add(out, Delete, n), Insert, m)
	}
	maxD := min(n+m, MaxD)
	off := maxD + 1
	buf := pool.Get().(*buffers)
	defer pool.Put(buf)
	if cap(buf.v) < 2*maxD+3 {
		buf.v = make([]int32, 2*maxD+3)
	}
	v := buf.v[:2*maxD+3]
	clear(v)
	// trace holds, for each d, V before step d over k in [-d-1, d+1]
	// (2d+3 entries), back to back.
	trace := buf.trace[:0]
	start := func(d int) int { return d * (d + 2) } // sum of (2i+3) for i < d
	found := -1
	for d := 0; d <= maxD && found < 0; d++ {
		trace = append(trace, v[off-d-1:off+d+2]...)
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || k != d && v[off+k-1] < v[off+k+1] {
				x = int(v[off+k+1])
			} else {
				x = int(v[off+k-1]) + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			v[off+k] = int32(x)
			if x >= n && y >= m {
				found = d
				break
			}
		}
	}
	buf.trace = trace
	if found < 0 {
		return add(add(out, Delete, n), Insert, m)
	}
	// Backtrack from (n, m) to (0, 0), collecting steps in reverse.
	var rev []Edit
	x, y := n, m
	for d := found; d > 0; d-- {
		prev := trace[start(d) : start(d)+2*d+3] // V before step d, covering k in [-d-1, d+1]
		at := func(k int) int { return int(prev[k+d+1]) }
		k := x - y
		var pk int
		if k == -d || k != d && at(k-1) < at(k+1) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := at(pk)
		py := px - pk
		// The step lands on (px, py+1) for an insertion or (px+1, py) for a
		// deletion; a snake of equal tokens then leads to (x, y).
		op, midx := Insert, px
		if pk == k-1 {
			op, midx = Delete, px+1
		}
		rev = add(rev, Equal, x-midx)
		rev = add(rev, op, 1)
		x, y = px, py
	}
	rev = add(rev, Equal, x)
	for i := len(rev) - 1; i >= 0; i-- {
		out = add(out, rev[i].Op, rev[i].N)
	}
	return out
}
