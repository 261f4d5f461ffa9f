package binarydiff

import (
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/patchmodel/patchmodel/binarydiff/internal/x86"
	"golang.org/x/arch/arm64/arm64asm"
)

// arm64 fingerprints Arm64 code. Every instruction is 4 bytes; the fields
// that encode addresses are read from the encoding (Arm ARM, A64
// instruction set encoding): B/BL imm26, B.cond/CBZ/CBNZ/LDR-literal
// imm19, TBZ/TBNZ imm14, ADR/ADRP immhi:immlo. An ADRP loads a 4 KiB page
// address into a register; the ADD or LDR/STR that completes it with a
// 12-bit offset is recognised by its base register, and the pair is
// replaced by the address it forms. golang.org/x/arch/arm64/arm64asm names
// the operation (for the mnemonic and loose hashes) and disassembles.
type arm64 struct{}

func (c arm64) fingerprint(b *Binary, f *Function, limit uint32, s *scratch, fp *fingerprint) {
	genericFingerprint(c, b, f, limit, s, fp)
}

// arm64asmMu serializes arm64asm.Decode, which records decoder coverage in
// a package variable (x/arch v0.23.0, decode.go) and so is not safe for
// concurrent use.
var arm64asmMu sync.Mutex

func decodeA64(code []byte) (arm64asm.Inst, error) {
	arm64asmMu.Lock()
	defer arm64asmMu.Unlock()
	return arm64asm.Decode(code)
}

func sext(v uint32, bits uint) int64 { return int64(int32(v<<(32-bits))) >> (32 - bits) }

func (arm64) decode(b *Binary, code []byte, pc uint32, d *genInsn, st *decodeState) {
	d.len = 4
	if len(code) < 4 {
		d.len, d.kind = uint32(len(code)), x86.Bad
		return
	}
	enc := binary.LittleEndian.Uint32(code)
	va := b.ImageBase + uint64(pc)
	// arm64asm (slow, and serialized) only names the operation for the
	// secondary features; without them an undecodable word counts as a
	// plain instruction. Everything else comes from the encoding.
	op := uint64(0)
	if st.full {
		op = d.operation(code, st)
	}
	d.mnem = op*0x9E3779B97F4A7C15 ^ uint64(enc>>21)
	rd, rn := enc&31, enc>>5&31
	switch {
	case enc&0x7C000000 == 0x14000000: // B, BL
		d.kind, d.target = x86.Jmp, va+uint64(sext(enc&0x3FFFFFF, 26)*4)
		if enc>>31 == 1 {
			d.kind = x86.Call
		}
	case enc&0xFF000010 == 0x54000000: // B.cond
		d.kind, d.cond, d.target = x86.Jcc, enc&0xF, va+uint64(sext(enc>>5&0x7FFFF, 19)*4)
	case enc&0x7E000000 == 0x34000000: // CBZ, CBNZ
		d.kind, d.cond, d.target = x86.Jcc, 0x100|enc&0x8100001F, va+uint64(sext(enc>>5&0x7FFFF, 19)*4)
	case enc&0x7E000000 == 0x36000000: // TBZ, TBNZ
		d.kind, d.cond, d.target = x86.Jcc, 0x200|enc&0xFFF8001F, va+uint64(sext(enc>>5&0x3FFF, 14)*4)
	case enc&0xFFFFFC1F == 0xD65F0000: // RET
		d.kind = x86.Ret
	case enc&0xFFFFFC1F == 0xD61F0000: // BR
		d.kind = x86.JmpIndirect
	case enc&0xFFFFFC1F == 0xD63F0000: // BLR
		d.kind = x86.CallIndirect
	case enc&0xFFE0001F == 0xD4200000, enc>>16 == 0: // BRK, UDF
		d.kind = x86.Trap
	case enc&0x9F000000 == 0x90000000: // ADRP
		imm := sext(enc>>29&3|(enc>>5&0x7FFFF)<<2, 21) << 12
		page := uint64(int64(va&^0xFFF) + imm)
		st.page[rd] = page
		d.addrs[0], d.naddrs = addrField{mask: 0x60FFFFE0, va: page, page: true}, 1
	case enc&0x9F000000 == 0x10000000: // ADR
		imm := sext(enc>>29&3|(enc>>5&0x7FFFF)<<2, 21)
		d.addrs[0], d.naddrs, d.lea = addrField{mask: 0x60FFFFE0, va: uint64(int64(va) + imm)}, 1, true
		st.page[rd] = 0
	case enc&0x3B000000 == 0x18000000: // LDR (literal)
		d.addrs[0], d.naddrs = addrField{mask: 0x00FFFFE0, va: va + uint64(sext(enc>>5&0x7FFFF, 19)*4)}, 1
	case enc&0x7F800000 == 0x11000000 && st.page[rn] != 0: // ADD Xd, Xn, #imm12 after ADRP Xn
		imm := uint64(enc >> 10 & 0xFFF)
		if enc>>22&1 == 1 {
			imm <<= 12
		}
		d.addrs[0], d.naddrs, d.lea = addrField{mask: 0x3FFC00, va: st.page[rn] + imm}, 1, true
		st.page[rd] = 0
	case enc&0x3B000000 == 0x39000000 && st.page[rn] != 0: // LDR/STR Rt, [Xn, #imm12] after ADRP Xn
		scale := enc >> 30
		if enc>>26&1 == 1 && enc>>23&1 == 1 {
			scale = 4 // 128-bit SIMD
		}
		d.addrs[0], d.naddrs = addrField{mask: 0x3FFC00, va: st.page[rn] + uint64(enc>>10&0xFFF)<<scale}, 1
	default:
		if enc&0x1F000000 == 0x11000000 || enc&0x1F800000 == 0x12800000 { // ADD/SUB imm, MOVN/MOVZ/MOVK
			if v := uint64(enc >> 5 & 0xFFFF); v >= 0x100 {
				d.imm = v
			}
		}
		if rd < 31 { // also for undecodable words, so that full and fast decodes agree
			st.page[rd] = 0 // any other write of the register ends the ADRP pair (conservatively)
		}
	}
}

// operation decodes an instruction with arm64asm (through the worker's
// cache of operations) for the loose hash (the
// operation and its registers) and returns the operation, 0 with d.kind
// Bad if the word is not an instruction.
func (d *genInsn) operation(code []byte, st *decodeState) uint64 {
	enc := binary.LittleEndian.Uint32(code)
	if st.ops == nil {
		st.ops = new(a64Ops)
	}
	e := &st.ops[mix64(uint64(enc))%uint64(len(st.ops))]
	if !e.valid || e.enc != enc {
		*e = a64Op{enc: enc, valid: true}
		e.op, e.loose, e.bad = decodeOperation(code)
	}
	if e.bad {
		d.kind = x86.Bad
		return 0
	}
	d.loose = e.loose
	return e.op
}

// a64Ops caches the operations of the encodings a worker decoded last,
// direct-mapped by a hash of the encoding: code repeats its encodings
// (prologues, epilogues, moves), and each miss takes arm64asm's lock.
type a64Ops [4096]a64Op

type a64Op struct {
	enc       uint32
	valid     bool
	bad       bool
	op, loose uint64
}

// decodeOperation decodes an instruction with arm64asm and returns its
// operation and loose hash; bad if the word is not an instruction.
func decodeOperation(code []byte) (op, loose uint64, bad bool) {
	inst, err := decodeA64(code[:4])
	if err != nil {
		return 0, 0, true
	}
	op = uint64(inst.Op)
	loose = op * 0x9E3779B97F4A7C15
	for k, a := range inst.Args {
		if a == nil {
			break
		}
		switch a := a.(type) {
		case arm64asm.Reg:
			loose = mix64(loose ^ uint64(k+1)<<8 ^ uint64(a))
		case arm64asm.RegSP:
			loose = mix64(loose ^ uint64(k+1)<<8 ^ uint64(a))
		case arm64asm.Cond:
			loose = mix64(loose ^ uint64(a.Value)<<40)
		}
	}
	return op, loose, false
}

func (arm64) disasm(b *Binary, code []byte, rva uint32) string {
	if len(code) < 4 {
		return fmt.Sprintf(".byte %#x", code)
	}
	inst, err := decodeA64(code[:4])
	if err != nil {
		return fmt.Sprintf(".word %#08x", binary.LittleEndian.Uint32(code))
	}
	return arm64asm.GoSyntax(inst, b.ImageBase+uint64(rva), func(addr uint64) (string, uint64) {
		return b.symbolize(addr - b.ImageBase)
	}, nil)
}
