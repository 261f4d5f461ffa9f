package binarydiff

import (
	"testing"

	"github.com/patchmodel/patchmodel/binarydiff/internal/x86"
)

// BenchmarkDecodeText measures the bare length decoder on a linear sweep
// of a real .text section.
func BenchmarkDecodeText(b *testing.B) {
	bin := fxOpen(b, fxV1)
	s := &bin.Sections[0]
	code := make([]byte, s.FileSize)
	if err := bin.readRVA(code, s.RVA); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(code)))
	cpu := cpuTime()
	defer func() { reportCPU(b, cpu, int64(len(code))) }()
	for b.Loop() {
		for off := 0; off < len(code); {
			in := x86.Decode(code[off:])
			off += int(in.Len)
		}
	}
}
