// Package x86 is a table-driven x86-64 instruction length decoder.
//
// It finds what a function fingerprint needs and nothing more: the length of
// each instruction, where its prefixes end, where its displacement and
// immediate fields are, whether the displacement is RIP-relative, and whether
// the instruction is a branch, call or return together with the position of
// its relative target. It does not name instructions; disassembly text comes
// from golang.org/x/arch/x86/x86asm, which is an order of magnitude slower.
//
// Opcodes the tables do not know (rare system, AMD-only or malformed
// encodings) fall back to x86asm, so a caller sees one decoder. The tables
// follow the Intel SDM Volume 2, Appendix A (opcode maps).
package x86

import "golang.org/x/arch/x86/x86asm"

// Kind classifies an instruction's effect on control flow.
type Kind uint8

const (
	Plain        Kind = iota // falls through to the next instruction
	Jcc                      // conditional branch with a relative target (Jcc, LOOP, JRCXZ)
	Jmp                      // unconditional branch with a relative target
	Call                     // call with a relative target
	Ret                      // near or far return, IRET
	JmpIndirect              // jmp r/m
	CallIndirect             // call r/m
	Trap                     // INT3, UD2, HLT: execution does not continue
	Bad                      // undecodable byte; Len is 1
)

// Inst is one decoded instruction. Offsets are relative to the first byte
// of the instruction; a zero size means the field is absent.
type Inst struct {
	Len      uint8
	Kind     Kind
	Cond     uint8 // condition code (low nibble of the opcode) for Jcc, 0x10|n for LOOP/JRCXZ forms
	OpOff    uint8 // first opcode byte, after legacy, REX, VEX and EVEX prefixes
	ModRM    uint8 // offset of the ModRM byte, 0 if none
	DispOff  uint8 // displacement (memory operand or moffs)
	DispSize uint8
	RIP      bool  // displacement is RIP-relative (disp32 at DispOff)
	ImmOff   uint8 // immediate operand(s)
	ImmSize  uint8
	RelOff   uint8 // relative branch target field
	RelSize  uint8
}

// Target returns the relative branch target of inst decoded at pc, when
// inst has one.
func (inst *Inst) Target(code []byte, pc uint64) (uint64, bool) {
	if inst.RelSize == 0 {
		return 0, false
	}
	return pc + uint64(inst.Len) + uint64(inst.rel(code)), true
}

// RIPTarget returns the address a RIP-relative memory operand refers to.
func (inst *Inst) RIPTarget(code []byte, pc uint64) (uint64, bool) {
	if !inst.RIP {
		return 0, false
	}
	d := int32(uint32(code[inst.DispOff]) | uint32(code[inst.DispOff+1])<<8 | uint32(code[inst.DispOff+2])<<16 | uint32(code[inst.DispOff+3])<<24)
	// The displacement is relative to the end of the instruction.
	return pc + uint64(inst.Len) + uint64(int64(d)), true
}

func (inst *Inst) rel(code []byte) int64 {
	o := int(inst.RelOff)
	switch inst.RelSize {
	case 1:
		return int64(int8(code[o]))
	case 2:
		return int64(int16(uint16(code[o]) | uint16(code[o+1])<<8))
	default:
		return int64(int32(uint32(code[o]) | uint32(code[o+1])<<8 | uint32(code[o+2])<<16 | uint32(code[o+3])<<24))
	}
}

// Operand and control-flow attributes of an opcode.
const (
	fModRM   = 1 << iota // ModRM byte follows
	fImm8                // 1-byte immediate
	fImmZ                // 2-byte immediate with 66, else 4 (8 with REX.W for B8+r)
	fImm16               // 2-byte immediate
	fRel8                // 1-byte relative target
	fRel32               // 4-byte relative target
	fMoffs               // 8-byte (4 with 67) absolute address
	fUnknown             // not in the tables: decode with x86asm
)

// oneByte is the primary opcode map in 64-bit mode. Prefix bytes never
// reach it; C4, C5 and 62 are handled as VEX/EVEX before it.
var oneByte = [256]uint8{}

// twoByte is the 0F map.
var twoByte = [256]uint8{}

func init() {
	m := &oneByte
	for op := 0; op < 0x40; op += 8 {
		m[op], m[op+1], m[op+2], m[op+3] = fModRM, fModRM, fModRM, fModRM
		m[op+4] = fImm8
		m[op+5] = fImmZ
	}
	for _, op := range []int{0x06, 0x07, 0x0E, 0x16, 0x17, 0x1E, 0x1F, 0x27, 0x2F, 0x37, 0x3F, 0x60, 0x61, 0x82, 0x9A, 0xCE, 0xD4, 0xD5, 0xD6, 0xEA, 0x8F} {
		m[op] = fUnknown // invalid in 64-bit mode (8F is POP r/m or XOP)
	}
	m[0x63] = fModRM
	m[0x68] = fImmZ
	m[0x69] = fModRM | fImmZ
	m[0x6A] = fImm8
	m[0x6B] = fModRM | fImm8
	for op := 0x70; op <= 0x7F; op++ {
		m[op] = fRel8
	}
	m[0x80] = fModRM | fImm8
	m[0x81] = fModRM | fImmZ
	m[0x83] = fModRM | fImm8
	for op := 0x84; op <= 0x8E; op++ {
		m[op] = fModRM
	}
	m[0xA0], m[0xA1], m[0xA2], m[0xA3] = fMoffs, fMoffs, fMoffs, fMoffs
	m[0xA8] = fImm8
	m[0xA9] = fImmZ
	for op := 0xB0; op <= 0xB7; op++ {
		m[op] = fImm8
	}
	for op := 0xB8; op <= 0xBF; op++ {
		m[op] = fImmZ
	}
	m[0xC0], m[0xC1] = fModRM|fImm8, fModRM|fImm8
	m[0xC2] = fImm16
	m[0xC6] = fModRM | fImm8
	m[0xC7] = fModRM | fImmZ
	m[0xC8] = fImm16 | fImm8
	m[0xCA] = fImm16
	m[0xCD] = fImm8
	for op := 0xD0; op <= 0xD3; op++ {
		m[op] = fModRM
	}
	for op := 0xD8; op <= 0xDF; op++ {
		m[op] = fModRM
	}
	for op := 0xE0; op <= 0xE3; op++ {
		m[op] = fRel8
	}
	for op := 0xE4; op <= 0xE7; op++ {
		m[op] = fImm8
	}
	m[0xE8], m[0xE9] = fRel32, fRel32
	m[0xEB] = fRel8
	m[0xF6], m[0xF7] = fModRM, fModRM // immediate only for /0 and /1, see decode
	m[0xFE], m[0xFF] = fModRM, fModRM

	t := &twoByte
	for op := range t {
		t[op] = fModRM
	}
	for _, op := range []int{0x04, 0x0A, 0x0C, 0x0F, 0x24, 0x25, 0x26, 0x27, 0x36, 0x39, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F,
		0x7A, 0x7B, 0x78, 0x79, 0x20, 0x21, 0x22, 0x23, 0xA6, 0xA7, 0xB8, 0xFF, 0x0E, 0x38, 0x3A, 0x00, 0x01, 0x0D, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0xAE, 0xC7, 0xB9} {
		t[op] = fUnknown
	}
	for _, op := range []int{0x05, 0x06, 0x07, 0x08, 0x09, 0x0B, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x37, 0x77, 0xA0, 0xA1, 0xA2, 0xA8, 0xA9, 0xAA} {
		t[op] = 0
	}
	for op := 0xC8; op <= 0xCF; op++ {
		t[op] = 0
	}
	for op := 0x80; op <= 0x8F; op++ {
		t[op] = fRel32
	}
	for _, op := range []int{0x70, 0x71, 0x72, 0x73, 0xA4, 0xAC, 0xBA, 0xC2, 0xC4, 0xC5, 0xC6} {
		t[op] = fModRM | fImm8
	}
	// Multi-byte NOP (0F 1F /0) and the hint space used by endbr64 (F3 0F 1E FA)
	// are ordinary ModRM forms.
	t[0x1F] = fModRM
	t[0x1E] = fModRM
}

// Decode decodes the 64-bit mode instruction at the start of code. It
// never fails: an undecodable byte is returned as a one-byte instruction
// of Kind Bad.
func Decode(code []byte) Inst { return decode(code, false) }

// Decode32 decodes the 32-bit (protected) mode instruction at the start of
// code, like Decode. In 32-bit mode 40-4F are INC and DEC, not REX
// prefixes, and a ModRM disp32 without base is an absolute address, not
// RIP-relative: RIP is never set.
func Decode32(code []byte) Inst { return decode(code, true) }

func decode(code []byte, m32 bool) Inst {
	var inst Inst
	DecodeInto(&inst, code, m32)
	return inst
}

// DecodeInto decodes like Decode, or Decode32 if m32, into *inst: the
// form for hot loops, which would otherwise copy the result.
func DecodeInto(inst *Inst, code []byte, m32 bool) {
	if len(code) >= 16 {
		if decode16((*[16]byte)(code), m32, inst) {
			return
		}
	} else if decodeFast(code, m32, inst) {
		return
	}
	*inst = decodeSlow(code, m32)
}

func bad() Inst { return Inst{Len: 1, Kind: Bad} }

// decodeFast decodes the common encodings from the tables; ok is false when
// the instruction needs the full decoder.
func decodeFast(code []byte, m32 bool, inst *Inst) bool {
	if len(code) >= 16 {
		return decode16((*[16]byte)(code), m32, inst)
	}
	// Near the end of the input, decode from a zero-padded copy and check
	// the instruction fits.
	var buf [16]byte
	copy(buf[:], code)
	return decode16(&buf, m32, inst) && int(inst.Len) <= len(code)
}

// decode16 decodes from a 16-byte window; indexes are masked so the
// compiler drops bounds checks. No instruction is longer than 15 bytes.
// m32 selects 32-bit mode.
func decode16(c *[16]byte, m32 bool, inst *Inst) bool {
	*inst = Inst{}
	p := 0
	var opsize16, addr32, rexW bool
prefixes:
	for p < 14 {
		switch c[p&15] {
		case 0x66:
			opsize16 = true
		case 0x67:
			addr32 = true
		case 0xF0, 0xF2, 0xF3, 0x2E, 0x36, 0x3E, 0x26, 0x64, 0x65:
		default:
			break prefixes
		}
		p++
	}
	if m32 {
		if addr32 {
			return false // 16-bit addressing: another ModRM table
		}
	} else if c[p&15]&0xF0 == 0x40 { // REX
		rexW = c[p&15]&8 != 0
		p++
	}
	op := c[p&15]
	inst.OpOff = uint8(p)
	twoB := false
	var flags uint8
	switch op {
	case 0xC4, 0xC5, 0x62:
		return false // x86asm first, see decodeSlow
	case 0x0F:
		p++
		op = c[p&15]
		twoB = true
		flags = twoByte[op]
		switch {
		case op == 0x38 || op == 0x3A || op == 0x0F: // 3-byte maps and 3DNow!
			return false
		case flags&fRel32 != 0:
			inst.Kind, inst.Cond = Jcc, op&0xF
		case op == 0x0B:
			inst.Kind = Trap
		}
	default:
		flags = oneByte[op]
		if k := oneByteKind[op]; k != Plain {
			inst.Kind = k
			switch {
			case op >= 0x70 && op <= 0x7F:
				inst.Cond = op & 0xF
			case op >= 0xE0 && op <= 0xE3:
				inst.Cond = 0x10 | op&3
			}
		}
	}
	if flags&fUnknown != 0 {
		return false
	}
	p++
	if flags&fModRM != 0 {
		modrm := c[p&15]
		inst.ModRM = uint8(p)
		p++
		mod, reg, rm := modrm>>6, (modrm>>3)&7, modrm&7
		if !twoB {
			switch op {
			case 0xFF:
				switch reg {
				case 2, 3:
					inst.Kind = CallIndirect
				case 4, 5:
					inst.Kind = JmpIndirect
				case 7:
					return false
				}
			case 0xF6:
				if reg < 2 {
					flags |= fImm8
				}
			case 0xF7:
				if reg < 2 {
					flags |= fImmZ
				}
			case 0xC6, 0xC7:
				if reg != 0 {
					return false // XABORT, XBEGIN
				}
			case 0xFE:
				if reg > 1 {
					return false
				}
			}
		}
		if mod != 3 {
			if rm == 4 {
				sib := c[p&15]
				p++
				if sib&7 == 5 && mod == 0 {
					inst.DispOff, inst.DispSize = uint8(p), 4
				}
			} else if rm == 5 && mod == 0 {
				inst.DispOff, inst.DispSize, inst.RIP = uint8(p), 4, !m32
			}
			switch mod {
			case 1:
				inst.DispOff, inst.DispSize = uint8(p), 1
			case 2:
				inst.DispOff, inst.DispSize = uint8(p), 4
			}
			p += int(inst.DispSize)
		}
	}
	if flags&(fMoffs|fImm16|fImm8|fImmZ|fRel8|fRel32) == 0 {
		inst.Len = uint8(p)
		return p <= 15
	}
	if flags&fMoffs != 0 {
		inst.DispOff, inst.DispSize = uint8(p), 8
		if addr32 || m32 {
			inst.DispSize = 4
		}
		p += int(inst.DispSize)
	}
	imm := 0
	if flags&fImm16 != 0 {
		imm += 2
	}
	if flags&fImm8 != 0 {
		imm++
	}
	if flags&fImmZ != 0 {
		switch {
		case op >= 0xB8 && op <= 0xBF && rexW && !twoB:
			imm += 8
		case opsize16 && !rexW:
			imm += 2
		default:
			imm += 4
		}
	}
	if imm > 0 {
		inst.ImmOff, inst.ImmSize = uint8(p), uint8(imm)
		p += imm
	}
	if flags&(fRel8|fRel32) != 0 {
		if opsize16 {
			return false // 16-bit branch targets differ between vendors
		}
		size := 1
		if flags&fRel32 != 0 {
			size = 4
		}
		inst.RelOff, inst.RelSize = uint8(p), uint8(size)
		p += size
	}
	inst.Len = uint8(p)
	return p <= 15
}

// oneByteKind is the control-flow kind of each primary opcode (FF is
// refined by its ModRM reg field).
var oneByteKind = func() (k [256]Kind) {
	for op := 0x70; op <= 0x7F; op++ {
		k[op] = Jcc
	}
	for op := 0xE0; op <= 0xE3; op++ {
		k[op] = Jcc
	}
	k[0xE8] = Call
	k[0xE9], k[0xEB] = Jmp, Jmp
	k[0xC2], k[0xC3], k[0xCA], k[0xCB], k[0xCF] = Ret, Ret, Ret, Ret, Ret
	k[0xCC], k[0xF4] = Trap, Trap
	return k
}()

// decodeVEX decodes a VEX (C4, C5) or EVEX (62) encoded instruction at code[0].
func decodeVEX(code []byte) (inst Inst, ok bool) {
	n := len(code)
	var mmap uint8
	p := 0
	switch code[0] {
	case 0xC5:
		if n < 3 {
			return inst, false
		}
		mmap, p = 1, 2
	case 0xC4:
		if n < 4 {
			return inst, false
		}
		mmap, p = code[1]&0x1F, 3
	case 0x62:
		// EVEX: 62 P0 P1 P2; the map is in P0[2:0] (1-3 AVX-512, 5-6
		// FP16). Compressed disp8 does not change the length.
		if n < 6 {
			return inst, false
		}
		mmap, p = code[1]&7, 4
		if mmap == 5 || mmap == 6 {
			mmap = 2 // no immediates, like the 0F38 map
		}
	}
	if mmap < 1 || mmap > 3 {
		return inst, false
	}
	inst.OpOff = uint8(p)
	op := code[p]
	p++
	if mmap == 1 && op == 0x77 && code[0] != 0x62 { // VZEROUPPER, VZEROALL
		inst.Len = uint8(p)
		return inst, true
	}
	if p >= n {
		return inst, false
	}
	modrm := code[p]
	inst.ModRM = uint8(p)
	p++
	mod, rm := modrm>>6, modrm&7
	if mod != 3 {
		if rm == 4 {
			if p >= n {
				return inst, false
			}
			sib := code[p]
			p++
			if sib&7 == 5 && mod == 0 {
				inst.DispOff, inst.DispSize = uint8(p), 4
			}
		} else if rm == 5 && mod == 0 {
			inst.DispOff, inst.DispSize, inst.RIP = uint8(p), 4, true
		}
		switch mod {
		case 1:
			inst.DispOff, inst.DispSize = uint8(p), 1
		case 2:
			inst.DispOff, inst.DispSize = uint8(p), 4
		}
		p += int(inst.DispSize)
	}
	imm := mmap == 3
	if mmap == 1 {
		switch op {
		case 0x70, 0x71, 0x72, 0x73, 0xC2, 0xC4, 0xC5, 0xC6:
			imm = true
		}
	}
	if imm {
		inst.ImmOff, inst.ImmSize = uint8(p), 1
		p++
	}
	if p > n {
		return inst, false
	}
	inst.Len = uint8(p)
	return inst, true
}

// decodeSlow decodes with x86asm and derives the fields from its result.
func decodeSlow(code []byte, m32 bool) Inst {
	mode := 64
	if m32 {
		mode = 32
	}
	xi, err := x86asm.Decode(code, mode)
	if err != nil || xi.Len == 0 {
		// x86asm v0.23 knows only part of the VEX space and no EVEX; the tables still
		// give a length, which keeps the linear sweep in sync. (In 32-bit
		// mode C4, C5 and 62 are VEX and EVEX only before a ModRM-like
		// byte of mode 3; otherwise they are LES, LDS and BOUND.)
		if len(code) > 1 && (code[0] == 0xC4 || code[0] == 0xC5 || code[0] == 0x62) && (!m32 || code[1] >= 0xC0) {
			if n := min(len(code), 15); n > 0 {
				if inst, ok := decodeVEX(code[:n]); ok {
					return inst
				}
			}
		}
		return bad()
	}
	inst := Inst{Len: uint8(xi.Len)}
	switch xi.Op {
	case x86asm.RET, x86asm.LRET, x86asm.IRET, x86asm.IRETD, x86asm.IRETQ:
		inst.Kind = Ret
	case x86asm.UD0, x86asm.UD1, x86asm.UD2, x86asm.HLT, x86asm.INT:
		inst.Kind = Trap
	case x86asm.JMP:
		inst.Kind = JmpIndirect
	case x86asm.CALL:
		inst.Kind = CallIndirect
	}
	if xi.PCRel > 0 {
		if _, isRel := xi.Args[0].(x86asm.Rel); isRel {
			inst.RelOff, inst.RelSize = uint8(xi.PCRelOff), uint8(xi.PCRel)
			switch xi.Op {
			case x86asm.JMP:
				inst.Kind = Jmp
			case x86asm.CALL:
				inst.Kind = Call
			default:
				inst.Kind = Jcc
				inst.Cond = 0x20
			}
		} else if xi.PCRel == 4 && !m32 {
			inst.DispOff, inst.DispSize, inst.RIP = uint8(xi.PCRelOff), 4, true
		}
	}
	return inst
}
