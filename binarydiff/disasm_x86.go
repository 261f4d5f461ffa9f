package binarydiff

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/arch/x86/x86asm"
)

// appendDisasm appends the text disasm returns to dst.
func (amd64) appendDisasm(dst []byte, code []byte, rva uint32, symname x86asm.SymLookup) []byte {
	inst, err := x86asm.Decode(code, 64)
	if err != nil {
		return fmt.Appendf(dst, ".byte %#x", code)
	}
	return appendIntel(dst, &inst, uint64(rva), symname)
}

// appendIntel appends x86asm.IntelSyntax(inst, pc, symname) to dst for a
// 64-bit instruction. Ordinary instructions (no printed prefixes, operands
// of the four plain kinds, no mnemonic with special rules in IntelSyntax)
// are formatted here without fmt and without allocating; everything else
// is left to IntelSyntax. The output is identical either way, which
// TestAppendIntelMatchesIntelSyntax checks over the fixtures' code and
// random instruction bytes. Register and mnemonic names come from
// IntelSyntax itself (intelNames), so only the layout rules below are
// restated from golang.org/x/arch/x86/x86asm/intel.go.
func appendIntel(dst []byte, inst *x86asm.Inst, pc uint64, symname x86asm.SymLookup) []byte {
	if out, ok := appendIntelFast(dst, inst, pc, symname); ok {
		return out
	}
	return append(dst, x86asm.IntelSyntax(*inst, pc, symname)...)
}

// intelTables holds the Intel-syntax name of every mnemonic and register
// and the mnemonics appendIntelFast leaves to IntelSyntax.
type intelTables struct {
	op   [x86asm.XTEST + 1]string
	reg  [x86asm.TR7 + 1]string
	slow [x86asm.XTEST + 1]bool // special-cased by IntelSyntax
	// prefixSensitive mnemonics have an operand-size prefix printed even
	// when the decoder marked it implicit.
	prefixSensitive [x86asm.XTEST + 1]bool
}

var intelNames = sync.OnceValue(func() *intelTables {
	t := new(intelTables)
	// Every mnemonic named in a rule of IntelSyntax or intelArg, except
	// those handled below (MOV, PUSH, NOP, INT, LEA, JMP, RET).
	for _, op := range []x86asm.Op{
		x86asm.INSB, x86asm.INSD, x86asm.INSW, x86asm.OUTSB, x86asm.OUTSD, x86asm.OUTSW,
		x86asm.LOOPNE, x86asm.JCXZ, x86asm.JECXZ, x86asm.JRCXZ, x86asm.LOOP, x86asm.LOOPE,
		x86asm.XLATB, x86asm.AAM, x86asm.AAD, x86asm.MONITOR, x86asm.MWAIT,
		x86asm.STOSB, x86asm.STOSW, x86asm.STOSD, x86asm.STOSQ,
		x86asm.LODSB, x86asm.LODSW, x86asm.LODSD, x86asm.LODSQ,
		x86asm.SCASB, x86asm.SCASW, x86asm.SCASD, x86asm.SCASQ,
		x86asm.MOVSB, x86asm.MOVSW, x86asm.MOVSD, x86asm.MOVSQ,
		x86asm.CMPSB, x86asm.CMPSW, x86asm.CMPSD, x86asm.CMPSQ,
		x86asm.BLENDVPD, x86asm.BLENDVPS, x86asm.PBLENDVB, x86asm.LCALL, x86asm.LJMP, x86asm.LRET,
		x86asm.FCHS, x86asm.FABS, x86asm.FTST, x86asm.FLDPI, x86asm.FLDL2E, x86asm.FLDLG2, x86asm.F2XM1,
		x86asm.FXAM, x86asm.FLD1, x86asm.FLDL2T, x86asm.FSQRT, x86asm.FRNDINT, x86asm.FCOS, x86asm.FSIN,
		x86asm.FPTAN, x86asm.FSINCOS, x86asm.FUCOMPP, x86asm.FCOMPP, x86asm.FYL2X, x86asm.FPATAN,
		x86asm.FXTRACT, x86asm.FPREM1, x86asm.FPREM, x86asm.FYL2XP1, x86asm.FSCALE,
		x86asm.FST, x86asm.FSTP, x86asm.FISTTP, x86asm.FIST, x86asm.FISTP, x86asm.FBSTP,
		x86asm.FLD, x86asm.FXCH, x86asm.FCOM, x86asm.FCOMP, x86asm.FIADD, x86asm.FIMUL, x86asm.FICOM,
		x86asm.FICOMP, x86asm.FISUBR, x86asm.FIDIV, x86asm.FUCOM, x86asm.FUCOMP, x86asm.FILD, x86asm.FBLD,
		x86asm.FADD, x86asm.FMUL, x86asm.FSUB, x86asm.FSUBR, x86asm.FISUB, x86asm.FDIV, x86asm.FDIVR, x86asm.FIDIVR,
		x86asm.MASKMOVDQU, x86asm.MASKMOVQ,
		x86asm.VMOVDQA, x86asm.VMOVDQU, x86asm.VMOVNTDQA, x86asm.VMOVNTDQ,
		x86asm.INVLPG, x86asm.LAR, x86asm.BOUND,
		x86asm.PREFETCHW, x86asm.PREFETCHNTA, x86asm.PREFETCHT0, x86asm.PREFETCHT1, x86asm.PREFETCHT2, x86asm.CLFLUSH,
	} {
		t.slow[op] = true
	}
	for _, op := range []x86asm.Op{
		x86asm.AAA, x86asm.AAS, x86asm.CBW, x86asm.CDQE, x86asm.CLC, x86asm.CLD, x86asm.CLI, x86asm.CLTS,
		x86asm.CMC, x86asm.CPUID, x86asm.CQO, x86asm.CWD, x86asm.DAA, x86asm.DAS,
		x86asm.FDECSTP, x86asm.FINCSTP, x86asm.FNCLEX, x86asm.FNINIT, x86asm.FNOP, x86asm.FWAIT, x86asm.HLT,
		x86asm.ICEBP, x86asm.INSB, x86asm.INSD, x86asm.INSW, x86asm.INT, x86asm.INTO, x86asm.INVD,
		x86asm.IRET, x86asm.IRETQ, x86asm.LAHF, x86asm.LEAVE, x86asm.LRET, x86asm.MONITOR, x86asm.MWAIT,
		x86asm.NOP, x86asm.OUTSB, x86asm.OUTSD, x86asm.OUTSW,
		x86asm.PAUSE, x86asm.POPA, x86asm.POPF, x86asm.POPFQ, x86asm.PUSHA, x86asm.PUSHF, x86asm.PUSHFQ,
		x86asm.RDMSR, x86asm.RDPMC, x86asm.RDTSC, x86asm.RDTSCP, x86asm.RET, x86asm.RSM,
		x86asm.SAHF, x86asm.STC, x86asm.STD, x86asm.STI, x86asm.SYSENTER, x86asm.SYSEXIT, x86asm.SYSRET,
		x86asm.UD2, x86asm.WBINVD, x86asm.WRMSR, x86asm.XEND, x86asm.XLATB, x86asm.XTEST,
	} {
		t.prefixSensitive[op] = true
	}
	for r := x86asm.Reg(1); r <= x86asm.TR7; r++ {
		s := intelSyntaxOf(x86asm.Inst{Op: x86asm.INC, Mode: 64, Args: x86asm.Args{r}})
		if name, ok := strings.CutPrefix(s, "inc "); ok {
			t.reg[r] = name
		}
	}
	for op := x86asm.Op(1); op <= x86asm.XTEST; op++ {
		if !t.slow[op] {
			if name, ok := strings.CutSuffix(intelSyntaxOf(x86asm.Inst{Op: op, Mode: 64, Args: x86asm.Args{x86asm.RAX}}), " rax"); ok {
				t.op[op] = name
			}
		}
	}
	return t
})

// intelSyntaxOf formats a made-up instruction, or returns "" (the caller
// then always falls back to IntelSyntax) if the formatter rejects it.
func intelSyntaxOf(inst x86asm.Inst) (s string) {
	defer func() {
		if recover() != nil {
			s = ""
		}
	}()
	return x86asm.IntelSyntax(inst, 0, nil)
}

// appendIntelFast formats inst like IntelSyntax if it is an ordinary
// instruction, reporting false (with dst unchanged) otherwise.
func appendIntelFast(dst []byte, inst *x86asm.Inst, pc uint64, symname x86asm.SymLookup) ([]byte, bool) {
	op := inst.Op
	if inst.Mode != 64 || op == 0 || op > x86asm.XTEST {
		return dst, false
	}
	t := intelNames()
	if t.slow[op] || t.op[op] == "" {
		return dst, false
	}
	// Only prefixes IntelSyntax does not print: REX, or ones the decoder
	// marked implicit or ignored (unless the mnemonic revives them).
	for _, p := range inst.Prefix {
		if p == 0 {
			break
		}
		if p.IsREX() || p&(x86asm.PrefixImplicit|x86asm.PrefixIgnored) != 0 && !t.prefixSensitive[op] {
			continue
		}
		return dst, false
	}
	switch op {
	case x86asm.MOV:
		if inst.Opcode>>16&0xFFFC == 0x0F20 { // control and debug registers
			return dst, false
		}
		if r, ok := inst.Args[0].(x86asm.Reg); ok && x86asm.ES <= r && r <= x86asm.GS {
			return dst, false
		}
	case x86asm.INT:
		if inst.Opcode>>24 == 0xCC {
			return append(dst, "int3"...), true
		}
	}
	start := len(dst)
	dst = append(dst, t.op[op]...)
	n := 0
	for _, a := range inst.Args {
		if a == nil {
			break
		}
		if n == 0 {
			dst = append(dst, ' ')
		} else {
			dst = append(dst, ", "...)
		}
		n++
		switch a := a.(type) {
		case x86asm.Reg:
			if int(a) >= len(t.reg) || t.reg[a] == "" {
				return dst[:start], false
			}
			dst = append(dst, t.reg[a]...)
		case x86asm.Imm:
			if op == x86asm.PUSH {
				a = x86asm.Imm(uint32(a))
			}
			dst = appendIntelImm(dst, inst, symname, a)
		case x86asm.Mem:
			var ok bool
			if dst, ok = appendIntelMem(dst, inst, pc, symname, a, t); !ok {
				return dst[:start], false
			}
		case x86asm.Rel:
			if pc == 0 {
				dst = append(dst, '.')
				if a >= 0 {
					dst = append(dst, '+')
				}
				dst = appendSignedHex(dst, int64(a))
				break
			}
			addr := pc + uint64(inst.Len) + uint64(a)
			if s, base := symname(addr); s != "" && addr == base {
				dst = append(dst, s...)
			} else {
				dst = appendHex(dst, addr)
			}
		default:
			return dst[:start], false
		}
	}
	if op == x86asm.NOP && inst.Opcode>>24 == 0x0F {
		if n == 0 {
			dst = append(dst, ' ')
		} else {
			dst = append(dst, ", "...)
		}
		if inst.DataSize == 16 {
			dst = append(dst, "ax"...)
		} else {
			dst = append(dst, "eax"...)
		}
	}
	return dst, true
}

func appendIntelImm(dst []byte, inst *x86asm.Inst, symname x86asm.SymLookup, a x86asm.Imm) []byte {
	if (inst.Op == x86asm.MOV || inst.Op == x86asm.PUSH) && inst.DataSize == 32 {
		if s, base := symname(uint64(a)); s != "" {
			dst = append(dst, '$')
			dst = append(dst, s...)
			if uint64(a) != base {
				dst = append(dst, '+') // %+d of a uint64
				dst = strconv.AppendUint(dst, uint64(a)-base, 10)
			}
			return dst
		}
	}
	if x86asm.Imm(int32(a)) == a {
		if a < 0 {
			return appendHex(append(dst, '-'), -uint64(a))
		}
		return appendHex(dst, uint64(a))
	}
	return appendHex(dst, uint64(a))
}

func appendIntelMem(dst []byte, inst *x86asm.Inst, pc uint64, symname x86asm.SymLookup, a x86asm.Mem, t *intelTables) ([]byte, bool) {
	if a.Base == x86asm.EIP {
		a.Base = x86asm.RIP
	}
	switch inst.MemBytes {
	case 1:
		dst = append(dst, "byte "...)
	case 2:
		dst = append(dst, "word "...)
	case 4:
		dst = append(dst, "dword "...)
	case 8:
		dst = append(dst, "qword "...)
	case 16:
		dst = append(dst, "xmmword "...)
	case 32:
		dst = append(dst, "ymmword "...)
	}
	// In 64-bit mode only FS and GS overrides are printed, never for LEA.
	if inst.Op == x86asm.LEA || a.Segment != x86asm.FS && a.Segment != x86asm.GS {
		a.Segment = 0
	}
	dst = append(dst, "ptr "...)
	if a.Segment == 0 && a.Disp != 0 && a.Index == 0 && a.Scale == 0 {
		var addr uint64
		sym := true
		switch a.Base {
		case x86asm.IP, x86asm.EIP, x86asm.RIP:
			addr = uint64(a.Disp + int64(pc) + int64(inst.Len))
		case 0:
			addr = uint64(a.Disp)
		default:
			sym = false
		}
		if sym {
			if s, base := symname(addr); s != "" {
				dst = append(dst, '[')
				dst = append(dst, s...)
				if d := int64(addr) - int64(base); d != 0 {
					if d > 0 {
						dst = append(dst, '+')
					}
					dst = strconv.AppendInt(dst, d, 10)
				}
				return append(dst, ']'), true
			}
		}
	}
	if a.Segment != 0 {
		dst = append(dst, t.reg[a.Segment]...) // "fs" or "gs"
		dst = append(dst, ':')
	}
	dst = append(dst, '[')
	bracket := len(dst)
	if a.Base != 0 {
		if int(a.Base) >= len(t.reg) || t.reg[a.Base] == "" {
			return dst, false
		}
		dst = append(dst, t.reg[a.Base]...)
	}
	if a.Scale != 0 && a.Index != 0 {
		if a.Base != 0 {
			dst = append(dst, '+')
		}
		if int(a.Index) >= len(t.reg) || t.reg[a.Index] == "" {
			return dst, false
		}
		dst = append(dst, t.reg[a.Index]...)
		dst = append(dst, '*')
		dst = strconv.AppendUint(dst, uint64(a.Scale), 10)
	}
	if a.Disp != 0 {
		if len(dst) == bracket && (a.Disp >= 0 || int64(int32(a.Disp)) != a.Disp) {
			dst = appendHex(dst, uint64(a.Disp))
		} else {
			if a.Disp >= 0 {
				dst = append(dst, '+')
			}
			dst = appendSignedHex(dst, a.Disp)
		}
	}
	return append(dst, ']'), true
}

// appendHex appends v like fmt's %#x.
func appendHex(dst []byte, v uint64) []byte {
	return strconv.AppendUint(append(dst, "0x"...), v, 16)
}

// appendSignedHex appends v like fmt's %#x of an int64 ("-0x8" for -8).
func appendSignedHex(dst []byte, v int64) []byte {
	if v < 0 {
		return appendHex(append(dst, '-'), -uint64(v))
	}
	return appendHex(dst, uint64(v))
}
