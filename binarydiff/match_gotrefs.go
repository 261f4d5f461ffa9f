package binarydiff

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
)

// gotReads returns, for the functions of an ELF image, the GOT slots
// among sym that each reaches through a RIP-relative operand: a load of a
// function's address from its R_X86_64_GLOB_DAT slot, or a call through a
// PLT stub that jumps through its R_X86_64_JUMP_SLOT slot (the stub is
// attributed to its callers: a linker's .plt is often one function to
// discovery, every stub in it). Position-independent code reaches a
// function of its own shared object that way when the function may be
// preempted (a template instance, any default-visibility symbol), and the
// fingerprint records such a read like a call to an import: by the slot's
// symbol name, not as a reference to the function. Without these edges
// the referrer passes see no one use the function.
//
// The code is scanned for the instruction forms that do it (REX.W MOV r64
// from [RIP+disp32]; JMP or CALL through [RIP+disp32]; CALL or JMP rel32
// to a stub), whose displacement ends the instruction; a byte sequence
// that only looks like one would also have to land exactly on a slot of
// sym or on a stub.
func gotReads(b *Binary, sym map[uint32]uint64) map[int32][]uint32 {
	if b.elf == nil || len(sym) == 0 {
		return nil
	}
	out := map[int32][]uint32{}
	stubs := map[uint32]uint32{} // PLT stub RVA → its slot
	scan := func(visit func(i int, rva uint32, code []byte, k int)) {
		for i, f := range b.Functions {
			if code, err := b.bytesAt(f.RVA, f.Size); err == nil {
				for k := 0; k+5 <= len(code); k++ {
					visit(i, f.RVA, code, k)
				}
			}
		}
	}
	scan(func(i int, rva uint32, code []byte, k int) {
		var end int // offset past the displacement, 0 if no match
		switch {
		case k+6 <= len(code) && code[k] == 0xff && (code[k+1] == 0x25 || code[k+1] == 0x15):
			end = k + 6
		case k+7 <= len(code) && code[k]&0xf8 == 0x48 && code[k+1] == 0x8b && code[k+2]&0xc7 == 0x05:
			end = k + 7
		default:
			return
		}
		slot, ok := ripTarget(rva, code, end)
		if _, in := sym[slot]; !ok || !in {
			return
		}
		if code[k+1] != 0x25 {
			out[int32(i)] = append(out[int32(i)], slot)
			return
		}
		// A stub: JMP, after BND and ENDBR64 when the linker adds them.
		s := k
		if s >= 1 && code[s-1] == 0xf2 {
			s--
		}
		if s >= 4 && bytes.Equal(code[s-4:s], []byte{0xf3, 0x0f, 0x1e, 0xfa}) {
			s -= 4
		}
		stubs[rva+uint32(s)] = slot
	})
	if len(stubs) > 0 {
		scan(func(i int, rva uint32, code []byte, k int) {
			if code[k] != 0xe8 && code[k] != 0xe9 {
				return
			}
			if t, ok := ripTarget(rva, code, k+5); ok {
				if slot, in := stubs[t]; in {
					out[int32(i)] = append(out[int32(i)], slot)
				}
			}
		})
	}
	return out
}

// ripTarget returns the RVA that the 32-bit displacement ending at
// code[end] reaches, relative to the end of its instruction at rva+end.
func ripTarget(rva uint32, code []byte, end int) (uint32, bool) {
	t := int64(rva) + int64(end) + int64(int32(binary.LittleEndian.Uint32(code[end-4:])))
	return uint32(t), t >= 0 && t < 1<<32
}

// gotEdges returns the extra referrer edges of b's functions (see
// referrers): function i refers to the functions whose GOT slots it reads
// (see gotReads). It does nothing for an image without such slots.
func gotEdges(b *Binary) func(i int, f func(t int32)) {
	slots := symbolPointers(b, elf.R_X86_64_GLOB_DAT, elf.R_X86_64_JMP_SLOT)
	reads := gotReads(b, slots)
	return func(i int, f func(t int32)) {
		for _, s := range reads[int32(i)] {
			if va := slots[s]; va >= b.ImageBase && va-b.ImageBase < 1<<32 {
				if t := b.functionStart(uint32(va - b.ImageBase)); t >= 0 {
					f(int32(t))
				}
			}
		}
	}
}
