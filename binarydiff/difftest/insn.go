package difftest

import (
	"encoding/binary"
	"fmt"
)

// Reg is an x86-64 general-purpose register, numbered as in the
// instruction encoding (RAX=0 … R15=15).
type Reg uint8

// The sixteen general-purpose registers.
const (
	RAX Reg = iota
	RCX
	RDX
	RBX
	RSP
	RBP
	RSI
	RDI
	R8
	R9
	R10
	R11
	R12
	R13
	R14
	R15
)

var regNames = [...]string{"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"}

// String implements fmt.Stringer.
func (r Reg) String() string {
	if int(r) < len(regNames) {
		return regNames[r]
	}
	return fmt.Sprintf("Reg(%d)", uint8(r))
}

// Op is the kind of an [Insn]. Each Op has exactly one encoding, chosen
// the way a compiler would (short forms when they fit), so that equal
// instruction lists always encode to equal bytes.
type Op uint8

// The instructions the builder can encode. In the descriptions, "Target"
// is the name of a function or data item of the same [Image] and "Label"
// an index into the function's Body (len(Body) means the epilogue).
const (
	Nop     Op = iota // nop
	MovImm            // mov Dst, Imm (REX.W C7 /0, sign-extended imm32)
	AddImm            // add Dst, Imm (imm8 form when it fits, else imm32)
	CmpImm            // cmp Dst, Imm (imm8 form when it fits, else imm32)
	MovReg            // mov Dst, Src (64-bit)
	AddReg            // add Dst, Src (64-bit)
	XorReg            // xor Dst, Src (64-bit)
	Load              // mov Dst, [rip+Target+Addend]
	Store             // mov [rip+Target+Addend], Src
	Lea               // lea Dst, [rip+Target+Addend]
	MovAbs            // mov Dst, imm64 = address of Target+Addend (needs a DIR64 base relocation)
	Call              // call rel32 to the function Target
	TailJmp           // jmp rel32 to the function Target
	Jmp               // jmp to Label (rel8 when it fits, else rel32)
	Jcc               // j<Cond> to Label (rel8 when it fits, else rel32)
	Raw               // the bytes in Bytes, verbatim: one or more whole instructions
	numOps
)

var opNames = [...]string{"nop", "movimm", "addimm", "cmpimm", "movreg", "addreg", "xorreg",
	"load", "store", "lea", "movabs", "call", "tailjmp", "jmp", "jcc", "raw"}

// String implements fmt.Stringer.
func (op Op) String() string {
	if op < numOps {
		return opNames[op]
	}
	return fmt.Sprintf("Op(%d)", uint8(op))
}

// Insn is one instruction of a function body. References to functions and
// data are symbolic (by name) and resolved by [Image.Build], so an
// instruction list says what the code means, independent of where it lands:
// two functions with equal Insn lists have equal normalized code.
type Insn struct {
	Op     Op
	Dst    Reg    // destination register (MovImm, AddImm, CmpImm, MovReg, AddReg, XorReg, Load, Lea, MovAbs)
	Src    Reg    // source register (MovReg, AddReg, XorReg, Store)
	Imm    int32  // immediate (MovImm, AddImm, CmpImm)
	Cond   uint8  // condition code 0..15 of a Jcc (4 = e/z, 5 = ne/nz, …)
	Label  int    // branch target of Jmp and Jcc: index into Body, len(Body) = epilogue
	Target string // referenced function or data item (Load, Store, Lea, MovAbs, Call, TailJmp)
	Addend int32  // added to Target's address (Load, Store, Lea, MovAbs)
	Bytes  []byte // encoding of a Raw instruction
}

// String implements fmt.Stringer.
func (in Insn) String() string {
	switch in.Op {
	case Nop:
		return "nop"
	case MovImm, AddImm, CmpImm:
		return fmt.Sprintf("%v %v, %#x", in.Op, in.Dst, in.Imm)
	case MovReg, AddReg, XorReg:
		return fmt.Sprintf("%v %v, %v", in.Op, in.Dst, in.Src)
	case Load, Lea, MovAbs:
		return fmt.Sprintf("%v %v, %s%+d", in.Op, in.Dst, in.Target, in.Addend)
	case Store:
		return fmt.Sprintf("store %s%+d, %v", in.Target, in.Addend, in.Src)
	case Call, TailJmp:
		return fmt.Sprintf("%v %s", in.Op, in.Target)
	case Jmp:
		return fmt.Sprintf("jmp L%d", in.Label)
	case Jcc:
		return fmt.Sprintf("j%d L%d", in.Cond, in.Label)
	case Raw:
		return fmt.Sprintf("raw % x", in.Bytes)
	}
	return in.Op.String()
}

// fixupKind says how a symbolic reference is patched once addresses are known.
type fixupKind uint8

const (
	fixRel32 fixupKind = iota // 32-bit displacement relative to the end of the instruction
	fixAbs64                  // 64-bit virtual address, with a DIR64 base relocation
)

// fixup is a reference to resolve after layout. off is the offset of the
// field inside the function, end the offset of the end of its instruction.
type fixup struct {
	kind   fixupKind
	off    int
	end    int
	target string
	addend int32
	call   bool // Call or TailJmp: the target must be a function
}

func rex(w bool, r, b Reg) byte {
	x := byte(0x40)
	if w {
		x |= 8
	}
	if r >= 8 {
		x |= 4
	}
	if b >= 8 {
		x |= 1
	}
	return x
}

func modrm(mod byte, reg, rm Reg) byte { return mod<<6 | byte(reg&7)<<3 | byte(rm&7) }

func fitsInt8(v int64) bool { return v >= -128 && v <= 127 }

// encodeFixed appends the encoding of an instruction whose length does not
// depend on layout (everything except Jmp and Jcc), and records its fixups.
func encodeFixed(buf []byte, in *Insn, fix *[]fixup) ([]byte, error) {
	if in.Dst > R15 || in.Src > R15 {
		return buf, fmt.Errorf("register out of range in %v", in)
	}
	ref := func(kind fixupKind, call bool) {
		size := 4
		if kind == fixAbs64 {
			size = 8
		}
		*fix = append(*fix, fixup{kind: kind, off: len(buf) - size, end: len(buf), target: in.Target, addend: in.Addend, call: call})
	}
	switch in.Op {
	case Nop:
		buf = append(buf, 0x90)
	case MovImm:
		buf = append(buf, rex(true, 0, in.Dst), 0xC7, modrm(3, 0, in.Dst))
		buf = binary.LittleEndian.AppendUint32(buf, uint32(in.Imm))
	case AddImm, CmpImm:
		ext := Reg(0)
		if in.Op == CmpImm {
			ext = 7
		}
		if fitsInt8(int64(in.Imm)) {
			buf = append(buf, rex(true, 0, in.Dst), 0x83, modrm(3, ext, in.Dst), byte(int8(in.Imm)))
		} else {
			buf = append(buf, rex(true, 0, in.Dst), 0x81, modrm(3, ext, in.Dst))
			buf = binary.LittleEndian.AppendUint32(buf, uint32(in.Imm))
		}
	case MovReg, AddReg, XorReg:
		opc := byte(0x89)
		switch in.Op {
		case AddReg:
			opc = 0x01
		case XorReg:
			opc = 0x31
		}
		buf = append(buf, rex(true, in.Src, in.Dst), opc, modrm(3, in.Src, in.Dst))
	case Load, Lea, Store:
		opc, reg := byte(0x8B), in.Dst
		switch in.Op {
		case Lea:
			opc = 0x8D
		case Store:
			opc, reg = 0x89, in.Src
		}
		buf = append(buf, rex(true, reg, 0), opc, modrm(0, reg, 5), 0, 0, 0, 0)
		ref(fixRel32, false)
	case MovAbs:
		buf = append(buf, rex(true, 0, in.Dst), 0xB8+byte(in.Dst&7), 0, 0, 0, 0, 0, 0, 0, 0)
		ref(fixAbs64, false)
	case Call, TailJmp:
		opc := byte(0xE8)
		if in.Op == TailJmp {
			opc = 0xE9
		}
		buf = append(buf, opc, 0, 0, 0, 0)
		ref(fixRel32, true)
	case Raw:
		if len(in.Bytes) == 0 {
			return buf, fmt.Errorf("empty raw instruction")
		}
		buf = append(buf, in.Bytes...)
	default:
		return buf, fmt.Errorf("cannot encode %v", in.Op)
	}
	switch in.Op {
	case Load, Lea, Store, MovAbs, Call, TailJmp:
		if in.Target == "" {
			return buf, fmt.Errorf("%v without a target", in.Op)
		}
	}
	return buf, nil
}

// branchLen is the encoded length of a Jmp or Jcc in its short or long form.
func branchLen(in *Insn, long bool) int {
	switch {
	case !long:
		return 2
	case in.Op == Jmp:
		return 5
	default:
		return 6
	}
}

func encodeBranch(buf []byte, in *Insn, long bool, disp int) []byte {
	switch {
	case !long && in.Op == Jmp:
		return append(buf, 0xEB, byte(int8(disp)))
	case !long:
		return append(buf, 0x70|in.Cond&15, byte(int8(disp)))
	case in.Op == Jmp:
		return binary.LittleEndian.AppendUint32(append(buf, 0xE9), uint32(int32(disp)))
	default:
		return binary.LittleEndian.AppendUint32(append(buf, 0x0F, 0x80|in.Cond&15), uint32(int32(disp)))
	}
}
