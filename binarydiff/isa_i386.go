package binarydiff

import (
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/patchmodel/patchmodel/binarydiff/internal/x86"
	"golang.org/x/arch/x86/x86asm"
)

// i386 fingerprints 32-bit x86 code (PE32 images) with x86asm in 32-bit
// mode. 32-bit code has no RIP-relative operands: its absolute addresses
// are the 4-byte fields the base relocations (IMAGE_REL_BASED_HIGHLOW)
// fix up, which is how they are found and replaced by what they mean.
type i386 struct {
	relocs []uint32 // RVAs of HIGHLOW fixups, sorted
}

func (c i386) fingerprint(b *Binary, f *Function, limit uint32, s *scratch, fp *fingerprint) {
	genericFingerprint(c, b, f, limit, s, fp)
}

func (c i386) decode(b *Binary, code []byte, pc uint32, d *genInsn, _ *decodeState) {
	inst, err := x86asm.Decode(code, 32)
	if err != nil || inst.Len == 0 {
		d.len, d.kind = 1, x86.Bad
		if len(code) > 0 {
			d.loose, d.mnem = uint64(code[0])<<40, uint64(code[0])<<40
		}
		return
	}
	d.len = uint32(inst.Len)
	d.mnem = uint64(inst.Op) * 0x9E3779B97F4A7C15
	d.loose = d.mnem
	var rel int64
	hasRel := false
	for k, a := range inst.Args {
		if a == nil {
			break
		}
		switch a := a.(type) {
		case x86asm.Reg:
			d.loose = mix64(d.loose ^ uint64(k+1)<<8 ^ uint64(a))
		case x86asm.Mem:
			d.loose = mix64(d.loose ^ uint64(k+1)<<8 ^ uint64(a.Base)<<16 ^ uint64(a.Index)<<24 ^ uint64(a.Scale)<<32 ^ 0xABC)
		case x86asm.Rel:
			rel, hasRel = int64(a), true
		case x86asm.Imm:
			if v := uint64(uint32(a)); v >= 0x100 {
				d.imm = v
			}
		}
	}
	switch {
	case hasRel && inst.Op == x86asm.CALL:
		d.kind = x86.Call
	case hasRel && inst.Op == x86asm.JMP:
		d.kind = x86.Jmp
	case hasRel:
		d.kind, d.cond = x86.Jcc, uint32(inst.Op)
	case inst.Op == x86asm.CALL || inst.Op == x86asm.LCALL:
		d.kind = x86.CallIndirect
	case inst.Op == x86asm.JMP || inst.Op == x86asm.LJMP:
		d.kind = x86.JmpIndirect
	case inst.Op == x86asm.RET || inst.Op == x86asm.LRET || inst.Op == x86asm.IRET || inst.Op == x86asm.IRETD:
		d.kind = x86.Ret
	case inst.Op == x86asm.INT && len(code) > 0 && code[0] == 0xCC, inst.Op == x86asm.UD2, inst.Op == x86asm.HLT:
		d.kind = x86.Trap
	}
	if hasRel {
		d.target = b.ImageBase + uint64(int64(pc)+int64(inst.Len)+rel)&0xffffffff
		return
	}
	// Absolute addresses: the relocated 4-byte fields inside the instruction.
	i := sort.Search(len(c.relocs), func(i int) bool { return c.relocs[i] >= pc })
	for ; i < len(c.relocs) && c.relocs[i]+4 <= pc+d.len && d.naddrs < len(d.addrs); i++ {
		o := c.relocs[i] - pc
		if o+4 > 8 || int(o)+4 > len(code) {
			continue // beyond the first 8 bytes: kept raw
		}
		d.addrs[d.naddrs] = addrField{mask: 0xffffffff << (8 * o), va: uint64(binary.LittleEndian.Uint32(code[o:]))}
		d.naddrs++
		d.imm = 0
	}
	d.lea = inst.Op == x86asm.LEA || inst.Op == x86asm.PUSH || inst.Op == x86asm.MOV && d.naddrs > 0 && len(code) > 0 && code[0]&0xF8 == 0xB8
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
