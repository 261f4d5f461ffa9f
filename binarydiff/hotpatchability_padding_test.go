package binarydiff

import (
	"testing"

	"pgregory.net/rapid"
)

// TestFillerEndsPrefix checks what the padding probe relies on: when
// fillerEnds says the filler found in a prefix ends there, the filler of
// the whole bytes is as long. The bytes are drawn mostly from filler and
// the prefixes, opcodes and modrm bytes of multi-byte nops, so that runs
// cross the prefix's end.
func TestFillerEndsPrefix(t *testing.T) {
	alphabet := []byte{0xCC, 0x90, 0x00, 0x66, 0x2E, 0x0F, 0x1F, 0x44, 0x84, 0x40, 0x80, 0xC0, 0x04, 0x55, 0x48, 0xC3}
	rapid.Check(t, func(t *rapid.T) {
		p := rapid.SliceOfN(rapid.SampledFrom(alphabet), 1, maxPadScan).Draw(t, "p")
		whole := fillerLen(p)
		for m := 1; m <= len(p); m++ {
			if n := fillerLen(p[:m]); fillerEnds(p[:m], n) && n != whole {
				t.Fatalf("% x: prefix of %d: filler %d, said to end there; whole: %d", p, m, n, whole)
			}
		}
	})
}

// TestFillerEndsOpen checks the other side: filler running to the end
// of the bytes, or stopped at a byte that may start a multi-byte nop,
// is not taken as ended.
func TestFillerEndsOpen(t *testing.T) {
	for _, c := range []struct {
		p    []byte
		want bool
	}{
		{[]byte{0xCC, 0xCC}, false},            // all filler: more may follow
		{[]byte{0xCC, 0x66}, false},            // a prefix: a nop may follow
		{[]byte{0x90, 0x0F}, false},            // 0F 1F …: a nop past the end
		{[]byte{0xCC, 0x2E}, false},            // a segment prefix
		{[]byte{0xCC, 0x55, 0x0F, 0x1F}, true}, // push rbp ends it
		{[]byte{0x0F, 0x1F, 0x00, 0x48}, true}, // a 3-byte nop, then code
		{[]byte{0x48, 0x89, 0xE5, 0x90}, true}, // no filler at all
	} {
		if got := fillerEnds(c.p, fillerLen(c.p)); got != c.want {
			t.Errorf("fillerEnds(% x) = %v, want %v", c.p, got, c.want)
		}
	}
}

// TestPaddingProbes checks that the padding the redirect room measures
// from bytes read ahead (probes: streamed a chunk at a time when the
// windows are dense, read one by one when sparse) is what padding
// measures reading each window alone, for the functions of a built image
// (its code spans many chunks).
func TestPaddingProbes(t *testing.T) {
	b := fxOpen(t, fxV1)
	h := &assessor{old: b, new: b}
	for _, every := range []int{1, 2, 50} { // dense, either, sparse
		var ws []padRead
		var idx []int
		for i := 0; i < len(b.Functions); i += every {
			ws = append(ws, h.padWindow(b, i))
			idx = append(idx, i)
		}
		n, lo, hi := probeSpan(ws)
		dense := n > 0 && uint64(hi-lo) <= uint64(n)*denseProbeSpan
		if every == 1 && !dense || every == 50 && dense || n < len(ws)/2 {
			t.Fatalf("every %d: %d windows read of %d, dense %v", every, n, len(ws), dense)
		}
		buf, ok := h.probes(b, ws)
		for k, i := range idx {
			var probe [2][]byte
			for j := range probe {
				if ok[2*k+j] {
					probe[j] = buf[(2*k+j)*padProbe:][:padProbe]
				}
			}
			if got, want := h.measure(b, &ws[k], &probe), h.padding(b, i); got != want {
				t.Fatalf("every %d: function %d (%s): %+v from probes, %+v alone", every, i, b.Functions[i].Name, got, want)
			}
		}
	}
}
