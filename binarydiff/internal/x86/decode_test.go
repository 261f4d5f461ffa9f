package x86

import (
	"testing"

	"golang.org/x/arch/x86/x86asm"
	"pgregory.net/rapid"
)

// TestDecodeMatchesX86asm cross-checks the table decoder against x86asm on
// random byte strings: wherever both decode, they must agree on the length
// and on the position of the PC-relative field.
func TestDecodeMatchesX86asm(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		code := rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, "code")
		checkAgainstX86asm(t, code, rapid.Bool().Draw(t, "32-bit"))
	})
}

// TestDecodeCommonEncodings biases the first bytes towards prefixes, REX and
// the 0F map so the property reaches the interesting table rows.
func TestDecodeCommonEncodings(t *testing.T) {
	prefixes := []byte{0x66, 0x67, 0xF2, 0xF3, 0x48, 0x4C, 0x41, 0x0F, 0xC5, 0xC4, 0xF0, 0x64}
	rapid.Check(t, func(t *rapid.T) {
		pre := rapid.SliceOfN(rapid.SampledFrom(prefixes), 0, 3).Draw(t, "prefix")
		rest := rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, "rest")
		checkAgainstX86asm(t, append(pre, rest...)[:16], rapid.Bool().Draw(t, "32-bit"))
	})
}

// TestDecodeNeverFails checks that Decode and Decode32 return an
// instruction of 1 to 15 bytes that fits its input, for any input.
func TestDecodeNeverFails(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		code := rapid.SliceOfN(rapid.Byte(), 1, 20).Draw(t, "code")
		for _, in := range []Inst{Decode(code), Decode32(code)} {
			if in.Len < 1 || in.Len > 15 || int(in.Len) > len(code) {
				t.Fatalf("% x: length %d", code, in.Len)
			}
		}
	})
}

func checkAgainstX86asm(t *rapid.T, code []byte, m32 bool) {
	var inst Inst
	if !decodeFast(code, m32, &inst) {
		return
	}
	mode := 64
	if m32 {
		mode = 32
		if inst.RIP {
			t.Fatalf("% x: RIP-relative in 32-bit mode", code)
		}
	}
	xi, err := x86asm.Decode(code, mode)
	if err != nil || xi.Op == 0 {
		return // undecodable, or x86asm's lone-prefix pseudo-instruction
	}
	if int(inst.Len) != xi.Len {
		t.Fatalf("% x (%d-bit): length %d, x86asm %d (%v)", code[:xi.Len], mode, inst.Len, xi.Len, xi)
	}
	if m32 {
		// Only relative branches are PC-relative in 32-bit mode.
		_, rel := xi.Args[0].(x86asm.Rel)
		if rel != (inst.RelSize > 0) || rel && int(inst.RelOff) != xi.PCRelOff {
			t.Fatalf("% x (32-bit): branch field %d+%d, x86asm %v at %d (%v)", code[:xi.Len], inst.RelOff, inst.RelSize, rel, xi.PCRelOff, xi)
		}
		return
	}
	if xi.PCRel > 0 {
		off := int(inst.RelOff)
		if inst.RIP {
			off = int(inst.DispOff)
		}
		if off != xi.PCRelOff {
			t.Fatalf("% x: pc-relative field at %d, x86asm %d (%v)", code[:xi.Len], off, xi.PCRelOff, xi)
		}
	} else if (inst.RIP && !hasAddr32(code[:inst.OpOff])) || inst.RelSize > 0 {
		t.Fatalf("% x: pc-relative field not seen by x86asm (%v)", code[:xi.Len], xi)
	}
}

func hasAddr32(prefix []byte) bool {
	for _, b := range prefix {
		if b == 0x67 {
			return true
		}
	}
	return false
}
