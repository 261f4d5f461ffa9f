package binarydiff

import (
	"fmt"

	"golang.org/x/arch/x86/x86asm"
)

// i386 fingerprints 32-bit x86 code (PE32 images) with the table decoder
// in 32-bit mode (see fingerprintX86). 32-bit code has no RIP-relative
// operands: its absolute addresses are the 4-byte fields the base
// relocations (IMAGE_REL_BASED_HIGHLOW) fix up, which is how they are
// found and replaced by what they mean.
type i386 struct{}

func (i386) fingerprint(b *Binary, f *Function, limit uint32, s *scratch, fp *fingerprint) {
	fingerprintX86(b, f, limit, s, fp, true)
}

func (i386) disasm(b *Binary, code []byte, rva uint32) string {
	inst, err := x86asm.Decode(code, 32)
	if err != nil {
		return fmt.Sprintf(".byte %#x", code[:min(len(code), 1)])
	}
	return x86asm.IntelSyntax(inst, b.ImageBase+uint64(rva), func(addr uint64) (string, uint64) {
		return b.symbolize(addr - b.ImageBase)
	})
}
