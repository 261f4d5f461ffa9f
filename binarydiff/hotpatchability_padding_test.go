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

// TestPaddingStream checks that padding measured through a padStream
// (the code read a chunk at a time, as the redirect room does when the
// changed functions are dense) is what it measures reading each window
// alone, for every function of a built image and for every 7th (its code
// spans many chunks; the reads skip ahead and go back a little).
func TestPaddingStream(t *testing.T) {
	b := fxOpen(t, fxV1)
	for _, every := range []int{1, 7} {
		alone, streamed := &assessor{old: b, new: b}, &assessor{old: b, new: b}
		streamed.stream = padStream{buf: make([]byte, streamChunk)}
		for i := 0; i < len(b.Functions); i += every {
			if got, want := streamed.padding(b, i), alone.padding(b, i); got != want {
				t.Fatalf("every %d: function %d (%s): %+v streamed, %+v alone", every, i, b.Functions[i].Name, got, want)
			}
		}
		if !alone.side(b).disjoint || streamed.stream.s == nil {
			t.Fatalf("every %d: sections not disjoint or no chunk read: the stream was not tried", every)
		}
	}
}
