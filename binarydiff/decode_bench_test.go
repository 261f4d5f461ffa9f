package binarydiff

import (
	"testing"

	"github.com/patchmodel/patchmodel/binarydiff/internal/x86"
	"golang.org/x/arch/x86/x86asm"
)

// BenchmarkDecodeText measures the bare length decoder on a linear sweep
// of a real .text section, against x86asm on the same sweep.
func BenchmarkDecodeText(b *testing.B) {
	bin := fxOpen(b, fxV1)
	s := &bin.Sections[0]
	code := make([]byte, s.FileSize)
	if err := bin.readRVA(code, s.RVA); err != nil {
		b.Fatal(err)
	}
	for _, dec := range []struct {
		name string
		len  func([]byte) int
	}{
		{"table", func(p []byte) int { return int(x86.Decode(p).Len) }},
		{"x86asm", func(p []byte) int {
			if in, err := x86asm.Decode(p, 64); err == nil && in.Len > 0 {
				return in.Len
			}
			return 1
		}},
	} {
		b.Run(dec.name, func(b *testing.B) {
			b.SetBytes(int64(len(code)))
			cpu := cpuTime()
			defer func() { reportCPU(b, cpu, int64(len(code))) }()
			for b.Loop() {
				for off := 0; off < len(code); {
					off += dec.len(code[off:])
				}
			}
		})
	}
}
