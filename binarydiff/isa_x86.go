package binarydiff

import (
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/patchmodel/patchmodel/binarydiff/internal/x86"
	"github.com/zeebo/xxh3"
	"golang.org/x/arch/x86/x86asm"
)

// amd64 fingerprints x86-64 code with the table decoder of internal/x86.
type amd64 struct{}

// insn is a decoded instruction and where it sits in the function's bytes.
type insn struct {
	x86.Inst
	off uint32 // offset in scratch.code
}

// Tokens of the normalized stream. An operand that names an address is
// replaced by a tag byte and what the address means.
const (
	tagBranch    = 0xF1 // relative branch: kind, condition, target tag
	tagIntra     = 0x01 // target: instruction index in this function
	tagIntraMid  = 0x02 // target: byte offset in this function, not an instruction start
	tagCallOut   = 0x03 // target: another function (callee identity is checked after matching)
	tagJumpOut   = 0x04 // target: code outside this function (tail call)
	tagImport    = 0x05 // data: import address table slot, by imported name
	tagCode      = 0x06 // data: address in executable code outside this function
	tagSection   = 0x07 // data: address in a non-code section, by section name
	tagNowhere   = 0x08 // data: address outside every section
	tagOperand   = 0xF2 // instruction with address operands replaced; followed by the tags
	stringMinLen = 4
)

func (amd64) fingerprint(b *Binary, f *Function, limit uint32, s *scratch, fp *fingerprint) {
	*fp = fingerprint{}
	for i := range fp.sketch {
		fp.sketch[i] = ^uint32(0)
	}
	open := limit > 0
	s.ranges = s.ranges[:0]
	if open {
		s.ranges = append(s.ranges, Range{f.RVA, limit})
	} else {
		s.ranges = append(s.ranges, Range{f.RVA, f.Size})
		s.ranges = append(s.ranges, f.Fragments...)
	}
	total := 0
	s.bases = s.bases[:0]
	for _, r := range s.ranges {
		s.bases = append(s.bases, uint32(total))
		total += int(r.Size)
	}
	if cap(s.code) < total {
		s.code = make([]byte, total)
	}
	code := s.code[:total]
	for i, r := range s.ranges {
		if err := b.readRVA(code[s.bases[i]:s.bases[i]+r.Size], r.RVA); err != nil {
			clear(code[s.bases[i] : s.bases[i]+r.Size])
		}
	}

	// Pass 1: decode every instruction once.
	s.insts = s.insts[:0]
	for ri, r := range s.ranges {
		base := s.bases[ri]
		end := base + r.Size
		var reach uint32 // farthest forward intra-range branch target (open functions)
		for off := base; off < end; {
			in := x86.Decode(code[off:end])
			s.insts = append(s.insts, insn{in, off})
			pc := r.RVA + (off - base)
			if open && (in.Kind == x86.Jcc || in.Kind == x86.Jmp) {
				if t, ok := in.Target(code[off:], uint64(pc)); ok && t > uint64(pc) && t < uint64(r.RVA)+uint64(r.Size) {
					reach = max(reach, uint32(t)-r.RVA+base)
				}
			}
			off += uint32(in.Len)
			if open && terminates(in.Kind) && reach <= off {
				// Nothing reachable follows: the function ends here, and
				// whatever comes next is padding or another function.
				end = off
			}
		}
		if open {
			f.Size = end - base
			total = int(end)
			code = code[:total]
		}
	}
	fp.exact = xxh3.Hash(code)
	fp.insns = uint32(len(s.insts))

	// Pass 2: normalize operands, find blocks, hash.
	n := len(s.insts)
	if cap(s.leader) < n+1 {
		s.leader = make([]bool, n+1)
	}
	leader := s.leader[:n+1]
	clear(leader)
	if n > 0 {
		leader[0] = true
	}
	s.norm = s.norm[:0]
	s.loose = s.loose[:0]
	s.toks = s.toks[:0]
	relocs := relocsIn(b.relocs, f.RVA, f.RVA+uint32(total))
	var prevTok uint64
	for k := range s.insts {
		in := &s.insts[k].Inst
		off := s.insts[k].off
		ri := s.rangeOf(off)
		pc := s.ranges[ri].RVA + (off - s.bases[ri])
		raw := code[off : off+uint32(in.Len)]
		start := len(s.norm)
		if in.Kind == x86.Bad {
			fp.bad++
		}
		if in.RelSize > 0 {
			s.norm = append(s.norm, tagBranch, byte(in.Kind), in.Cond)
			t, _ := in.Target(raw, uint64(pc))
			if idx, mid, inside := s.locate(t); inside {
				if mid {
					s.norm = binary.LittleEndian.AppendUint32(append(s.norm, tagIntraMid), idx)
				} else {
					s.norm = binary.LittleEndian.AppendUint32(append(s.norm, tagIntra), idx)
					leader[idx] = true
				}
			} else if in.Kind == x86.Call {
				s.norm = append(s.norm, tagCallOut)
				if t < 1<<32 {
					fp.callRVAs = append(fp.callRVAs, uint32(t))
				}
			} else {
				s.norm = append(s.norm, tagJumpOut)
			}
			s.loose = append(s.loose, tagBranch, byte(in.Kind), in.Cond)
		} else {
			// Find absolute addresses fixed up by base relocations in this instruction.
			for len(relocs) > 0 && relocs[0] < pc {
				relocs = relocs[1:]
			}
			nrel := 0
			for nrel < len(relocs) && relocs[nrel]+8 <= pc+uint32(in.Len) {
				nrel++
			}
			if !in.RIP && nrel == 0 {
				s.norm = append(s.norm, raw...)
			} else {
				s.norm = append(s.norm, tagOperand)
				at := len(s.norm)
				s.norm = append(s.norm, raw...)
				if in.RIP {
					clear(s.norm[at+int(in.DispOff) : at+int(in.DispOff)+4])
					t, _ := in.RIPTarget(raw, uint64(pc))
					s.appendData(b, t, fp, raw, in)
				}
				for _, r := range relocs[:nrel] {
					o := at + int(r-pc)
					va := binary.LittleEndian.Uint64(s.norm[o:])
					clear(s.norm[o : o+8])
					s.appendData(b, va-b.ImageBase, fp, nil, in)
				}
				relocs = relocs[nrel:]
			}
			s.loose = appendMasked(s.loose, raw, in)
			if in.ImmSize > 0 && in.ImmSize <= 8 {
				var v uint64
				for i := int(in.ImmSize) - 1; i >= 0; i-- {
					v = v<<8 | uint64(raw[int(in.ImmOff)+i])
				}
				if v >= 0x100 {
					fp.consts += mix64(v)
				}
			}
		}
		tok := hashToken(s.norm[start:])
		s.toks = append(s.toks, tok)
		fp.addSketch(prevTok*31 + tok)
		prevTok = tok
		if ends := in.Kind != x86.Plain && in.Kind != x86.Call && in.Kind != x86.CallIndirect; ends && k+1 < n {
			leader[k+1] = true
		}
	}
	fp.norm = xxh3.Hash(s.norm)
	fp.loose = xxh3.Hash(s.loose)

	// Blocks and edges.
	for k := 0; k < n; k++ {
		if leader[k] {
			fp.blocks++
		}
		if k+1 < n && !leader[k+1] {
			continue // not the last instruction of a block
		}
		in := &s.insts[k].Inst
		switch in.Kind {
		case x86.Jcc:
			fp.edges += 2
		case x86.Jmp:
			fp.edges++
		case x86.Ret, x86.Trap, x86.JmpIndirect:
		default:
			if k+1 < n {
				fp.edges++
			}
		}
	}
}

func (amd64) disasm(b *Binary, code []byte, rva uint32) string {
	inst, err := x86asm.Decode(code, 64)
	if err != nil {
		return fmt.Sprintf(".byte %#x", code)
	}
	return x86asm.IntelSyntax(inst, uint64(rva), b.symbolize)
}

// symbolize names an address for the disassembler: an import slot, or the
// start of a named function.
func (b *Binary) symbolize(addr uint64) (string, uint64) {
	if addr >= 1<<32 {
		return "", 0
	}
	if name, ok := b.imports[uint32(addr)]; ok {
		return name, addr
	}
	if i := b.functionStart(uint32(addr)); i >= 0 && b.Functions[i].Name != "" {
		return b.Functions[i].Name, addr
	}
	return "", 0
}

func terminates(k x86.Kind) bool {
	return k == x86.Ret || k == x86.Jmp || k == x86.Trap || k == x86.JmpIndirect
}

// rangeOf returns the range holding code offset off.
func (s *scratch) rangeOf(off uint32) int {
	for i := len(s.bases) - 1; i > 0; i-- {
		if off >= s.bases[i] {
			return i
		}
	}
	return 0
}

// locate maps an address to this function: the index of the instruction
// starting there (mid=false), or the byte offset when no instruction starts
// there (mid=true). inside is false for addresses outside the function.
func (s *scratch) locate(t uint64) (idx uint32, mid, inside bool) {
	for i, r := range s.ranges {
		if t >= uint64(r.RVA) && t < uint64(r.RVA)+uint64(r.Size) {
			off := s.bases[i] + uint32(t) - r.RVA
			k := sort.Search(len(s.insts), func(k int) bool { return s.insts[k].off >= off })
			if k < len(s.insts) && s.insts[k].off == off {
				return uint32(k), false, true
			}
			return off, true, true
		}
	}
	return 0, false, false
}

// appendData appends the identity of a data address: what it refers to,
// never the address itself. raw and in are the referencing instruction,
// used to recognise string references (LEA).
func (s *scratch) appendData(b *Binary, t uint64, fp *fingerprint, raw []byte, in *x86.Inst) {
	if idx, mid, inside := s.locate(t); inside {
		tag := byte(tagIntra)
		if mid {
			tag = tagIntraMid
		}
		s.norm = binary.LittleEndian.AppendUint32(append(s.norm, tag), idx)
		return
	}
	if t >= 1<<32 {
		s.norm = append(s.norm, tagNowhere)
		return
	}
	rva := uint32(t)
	if name, ok := b.imports[rva]; ok {
		s.norm = binary.LittleEndian.AppendUint64(append(s.norm, tagImport), xxh3.HashString(name))
		return
	}
	sec := b.Section(rva)
	switch {
	case sec == nil:
		s.norm = append(s.norm, tagNowhere)
	case sec.Flags&SectionExec != 0:
		s.norm = append(s.norm, tagCode)
	default:
		s.norm = binary.LittleEndian.AppendUint64(append(s.norm, tagSection), xxh3.HashString(sec.Name))
		if raw != nil && raw[in.OpOff] == 0x8D && sec.Flags&SectionWrite == 0 {
			s.addString(b, sec, rva, fp)
		}
	}
}

// addString records a referenced NUL-terminated printable string.
func (s *scratch) addString(b *Binary, sec *Section, rva uint32, fp *fingerprint) {
	n := min(uint32(len(s.str)), sec.RVA+sec.Size-rva)
	p := s.str[:n]
	if b.readRVA(p, rva) != nil {
		return
	}
	for i, c := range p {
		if c == 0 {
			if i >= stringMinLen {
				fp.strs += xxh3.Hash(p[:i])
				fp.nstrs++
			}
			return
		}
		if c < 0x20 && c != '\n' && c != '\t' && c != '\r' || c >= 0x7f {
			return
		}
	}
}

// appendMasked appends an instruction without its displacement, immediate
// and relative-target bytes.
func appendMasked(dst, raw []byte, in *x86.Inst) []byte {
	for i := 0; i < len(raw); i++ {
		switch {
		case in.DispSize > 0 && i == int(in.DispOff):
			i += int(in.DispSize) - 1
		case in.ImmSize > 0 && i == int(in.ImmOff):
			i += int(in.ImmSize) - 1
		default:
			dst = append(dst, raw[i])
		}
	}
	return dst
}
