package binarydiff

import (
	"encoding/binary"
	"math/bits"

	"github.com/patchmodel/patchmodel/binarydiff/internal/x86"
	"github.com/zeebo/xxh3"
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
	tagIntra     = 0x01 // target: byte offset in this function
	tagCallOut   = 0x03 // target: another function (callee identity is checked after matching)
	tagJumpOut   = 0x04 // target: code outside this function (tail call)
	tagImport    = 0x05 // data: import address table slot, by imported name
	tagCode      = 0x06 // data: address in executable code outside this function
	tagSection   = 0x07 // data: address in a non-code section, by section name
	tagNowhere   = 0x08 // data: address outside every section
	tagOperand   = 0xF2 // instruction with address operands replaced; followed by the tags
	tagPointer   = 0xF3 // relocated 64-bit pointer in code; followed by its target's tag
	stringMinLen = 4
)

func (amd64) fingerprint(b *Binary, f *Function, limit uint32, s *scratch, fp *fingerprint) {
	fingerprintX86(b, f, limit, s, fp, false)
}

// fingerprintX86 fingerprints x86 code of 64-bit mode, or of 32-bit mode
// if m32 (see i386): the decoding mode and the size of relocated pointers
// (8 or 4 bytes) differ; nothing else does.
func fingerprintX86(b *Binary, f *Function, limit uint32, s *scratch, fp *fingerprint, m32 bool) {
	*fp = fingerprint{}
	psz := uint32(8)
	if m32 {
		psz = 4
	}
	open := limit > 0
	// Secondary features (loose and mnemonic hashes, sketch, constants,
	// strings) are only needed for functions the exact passes leave
	// unpaired; Diff computes them on demand.
	full := s.full || s.keep
	ft := &s.ft
	code := s.begin(b, f, limit)
	starts, targets, after := s.starts, s.targets, s.after
	lo, hi := f.RVA, f.RVA
	for _, r := range s.ranges {
		lo, hi = min(lo, r.RVA), max(hi, r.End())
	}
	relocs := b.relocs.in(lo, hi)
	var prevTok, loose, mnem uint64
	var jccIntra, jccOut, jmpIntra uint32
	// Plain instructions normalize to their own bytes: a run of them is
	// appended to s.norm at once, before the next token or at the end.
	var runLo, runHi uint32
	for ri, r := range s.ranges {
		base := s.bases[ri]
		end := base + r.Size
		var reach uint32 // farthest forward intra-range branch target (open functions)
		for off := base; off < end; {
			pc := r.RVA + (off - base)
			s.iref = 0
			for len(relocs) > 0 && relocs[0] < pc {
				relocs = relocs[1:]
			}
			// An absolute pointer in code (a table such as MinGW's
			// __CTOR_LIST__) is one token; an instruction may not run into one.
			var in x86.Inst
			ptr := len(relocs) > 0 && relocs[0] == pc && off+psz <= end
			if ptr {
				in = x86.Inst{Len: uint8(psz)}
			} else {
				if !full {
					// Most instructions: no address operand, no relocation,
					// no transfer of control. They only extend the pending
					// run of plain instructions, as below, taken here by a
					// loop of their own, which stops before the next
					// relocation or at the first other instruction, decoded
					// into in.
					stop := end
					if len(relocs) > 0 && relocs[0]-r.RVA < end-base {
						stop = base + (relocs[0] - r.RVA)
					}
					if next, n := plainRun(code, off, end, stop, m32, starts, &in); n > 0 {
						fp.insns += n
						if runLo == runHi {
							runLo = off
						}
						off, runHi = next, next
						if in.Len == 0 {
							continue
						}
						pc = r.RVA + (off - base)
					}
				}
				if in.Len == 0 {
					x86.DecodeInto(&in, code[off:end], m32)
				}
				if len(relocs) > 0 && relocs[0] < pc+uint32(in.Len) && relocs[0]+psz > pc+uint32(in.Len) {
					// At least one byte: a pointer at pc that does not fit in
					// the range must not stop the walk.
					in = x86.Inst{Len: uint8(max(1, relocs[0]-pc)), Kind: x86.Bad}
				}
			}
			if s.keep {
				s.insts = append(s.insts, insn{in, off})
			}
			fp.insns++
			setBit(starts, off)
			n := uint32(in.Len)
			var lw, hw uint64
			if full {
				lw, hw = load16(s.code[off:])
				m1, m2 := lenMask(n)
				lw, hw = lw&m1, hw&m2
			}
			var tok uint64
			switch {
			case ptr:
				s.flushRun(code, &runLo, runHi)
				start := len(s.norm)
				s.norm = append(s.norm, tagPointer)
				s.appendData(b, readPtr(code[off:], psz)-b.ImageBase, false)
				relocs = relocs[1:]
				if full {
					tok = hashToken(s.norm[start:])
					loose = step(loose, tok)
					mnem = step(mnem, tagPointer)
				}
			case in.RelSize > 0:
				s.flushRun(code, &runLo, runHi)
				start := len(s.norm)
				s.norm = append(s.norm, tagBranch, byte(in.Kind), in.Cond)
				t, _ := in.Target(code[off:], uint64(pc))
				if toff, inside := s.offsetOf(t); inside {
					s.norm = binary.LittleEndian.AppendUint32(append(s.norm, tagIntra), toff)
					setBit(targets, toff)
					switch {
					case in.Kind == x86.Jcc:
						jccIntra++
					case in.Kind == x86.Jmp:
						jmpIntra++
					}
					if open && t > uint64(pc) {
						reach = max(reach, toff)
					}
				} else {
					switch in.Kind {
					case x86.Call:
						s.norm = append(s.norm, tagCallOut)
						if t < 1<<32 {
							s.calls = append(s.calls, uint32(t))
							s.iref = uint32(t)
						}
					default:
						if in.Kind == x86.Jcc {
							jccOut++
						}
						s.norm = append(s.norm, tagJumpOut)
						if t < 1<<32 {
							s.refs = append(s.refs, uint32(t)) // tail call: checked like a callee
							s.iref = uint32(t)
						}
					}
				}
				if full {
					tok = hashToken(s.norm[start:])
					loose = step(loose, tok)
					mnem = step(mnem, uint64(in.Kind)<<8^uint64(in.Cond))
				}
			default:
				for len(relocs) > 0 && relocs[0] < pc {
					relocs = relocs[1:]
				}
				nrel := 0
				for nrel < len(relocs) && relocs[nrel]+psz <= pc+n {
					nrel++
				}
				raw := code[off : off+n]
				if !in.RIP && nrel == 0 {
					if runLo == runHi {
						runLo = off
					}
					runHi = off + n
					if full {
						tok = wordsHash(lw, hw, n)
					}
				} else {
					s.flushRun(code, &runLo, runHi)
					start := len(s.norm)
					s.norm = append(s.norm, tagOperand)
					at := len(s.norm)
					s.norm = append(s.norm, raw...)
					if in.RIP {
						clear(s.norm[at+int(in.DispOff) : at+int(in.DispOff)+4])
						t, _ := in.RIPTarget(raw, uint64(pc))
						s.appendData(b, t, loadsAddress(raw[in.OpOff]))
					}
					for _, r := range relocs[:nrel] {
						o := at + int(r-pc)
						va := readPtr(s.norm[o:], psz)
						clear(s.norm[o : o+int(psz)])
						s.appendData(b, va-b.ImageBase, loadsAddress(raw[in.OpOff]))
					}
					relocs = relocs[nrel:]
					if full {
						tok = hashToken(s.norm[start:])
					}
				}
				if full {
					// The loose form drops displacements and immediates.
					f1, f2 := fieldMask(in.DispOff, in.DispSize)
					g1, g2 := fieldMask(in.ImmOff, in.ImmSize)
					loose = step(loose, wordsHash(lw&^f1&^g1, hw&^f2&^g2, n))
					mnem = step(mnem, mnemonic(&in, lw, hw))
					if in.ImmSize >= 2 {
						if v := immValue(lw, hw, in.ImmOff, in.ImmSize); v >= 0x100 {
							ft.consts += mix64(v)
						}
					}
				}
			}
			if full {
				if s.keep {
					s.toks = append(s.toks, tok)
					s.irefs = append(s.irefs, s.iref)
					s.refAt = append(s.refAt, s.counts())
				}
				ft.addSketch(tok)
				ft.addSketch(tok ^ bits.RotateLeft64(prevTok, 23)*0x9E3779B97F4A7C15)
				prevTok = tok
			}
			off += n
			if in.Kind != x86.Plain && in.Kind != x86.Call && in.Kind != x86.CallIndirect && in.Kind != x86.Bad {
				setBit(after, off)
			}
			if in.Kind == x86.Bad {
				fp.bad++
			}
			if open && terminates(in.Kind) && reach < off {
				// Nothing reachable follows: the function ends here, and
				// whatever comes next is padding or another function.
				end = off
			}
		}
		s.flushRun(code, &runLo, runHi)
		if open {
			f.Size = end - base
			code = code[:end]
		}
	}
	fp.exact = xxh3.Hash(code)
	fp.norm = xxh3.Hash(s.norm)
	if full {
		ft.loose = mix64(loose)
		ft.mnem = mix64(mnem)
	}
	s.shape(fp, jccIntra, jccOut, jmpIntra)
}

// plainRun decodes code[off:end] up to stop while the instructions are
// plain (see fingerprintX86) and end at or before stop, marking their
// starts. It returns where it stopped and how many it took; in holds the
// instruction at that offset, decoded, or has Len 0 if it reached stop.
func plainRun(code []byte, off, end, stop uint32, m32 bool, starts []uint64, in *x86.Inst) (uint32, uint32) {
	n := uint32(0)
	for off < end && off < stop {
		x86.DecodeInto(in, code[off:end], m32)
		if in.Kind != x86.Plain || in.RelSize != 0 || in.RIP || off+uint32(in.Len) > stop {
			return off, n
		}
		setBit(starts, off)
		off += uint32(in.Len)
		n++
	}
	in.Len = 0
	return off, n
}

// readPtr reads a little-endian pointer of size bytes (4 or 8).
func readPtr(p []byte, size uint32) uint64 {
	if size == 4 {
		return uint64(binary.LittleEndian.Uint32(p))
	}
	return binary.LittleEndian.Uint64(p)
}

// flushRun appends the pending run of plain instructions code[*lo:hi] to
// the normalized stream.
func (s *scratch) flushRun(code []byte, lo *uint32, hi uint32) {
	if *lo < hi {
		s.norm = append(s.norm, code[*lo:hi]...)
		*lo = hi
	}
}

// leaderAt reports whether instruction k starts a basic block, from the
// bitsets of the last fingerprint call.
func (s *scratch) leaderAt(k int) bool {
	off := s.insts[k].off
	return k == 0 || getBit(s.targets, off) || getBit(s.after, off)
}

// step folds a token into a running order-dependent hash; the final value
// goes through mix64.
func step(h, v uint64) uint64 { return bits.RotateLeft64(h^v, 27) * 0x9E3779B97F4A7C15 }

// wordsHash hashes an instruction of n bytes held (masked) in two words.
func wordsHash(lw, hw uint64, n uint32) uint64 {
	h := (lw ^ uint64(n)<<59) * 0x9E3779B97F4A7C15
	h ^= bits.RotateLeft64(hw*0xbf58476d1ce4e5b9, 31)
	return h ^ h>>29
}

// mnemonic reduces an instruction to its prefixes, opcode and ModRM mode:
// registers (REX.RXB, ModRM reg/rm, SIB), displacements and immediates are
// dropped, so a changed register or constant keeps the same mnemonic.
func mnemonic(in *x86.Inst, lw, hw uint64) uint64 {
	end := uint32(in.Len)
	if in.ModRM > 0 {
		end = uint32(in.ModRM)
	}
	m1, m2 := lenMask(end)
	a, b := lw&m1, hw&m2
	if o := uint32(in.OpOff); o > 0 && o <= 8 {
		if rex := byte(a >> (8 * (o - 1))); rex&0xF0 == 0x40 {
			a &^= 7 << (8 * (o - 1))
		}
	}
	var mod uint64
	if in.ModRM > 0 && in.ModRM < 16 {
		c := byte(lw >> (8 * (in.ModRM & 7)))
		if in.ModRM >= 8 {
			c = byte(hw >> (8 * (in.ModRM - 8)))
		}
		mod = uint64(c>>6) + 1
	}
	return a*0x9E3779B97F4A7C15 ^ bits.RotateLeft64(b*0xbf58476d1ce4e5b9, 31) ^ mod<<56
}

func setBit(b []uint64, i uint32) { b[i>>6] |= 1 << (i & 63) }

func getBit(b []uint64, i uint32) bool { return b[i>>6]&(1<<(i&63)) != 0 }

// load16 reads 16 bytes as two little-endian words.
func load16(p []byte) (uint64, uint64) {
	return binary.LittleEndian.Uint64(p), binary.LittleEndian.Uint64(p[8:])
}

// lenMask returns the masks keeping the first n (<= 16) bytes of two words.
func lenMask(n uint32) (uint64, uint64) {
	if n >= 8 {
		return ^uint64(0), ^uint64(0) >> (64 - 8*(n-8)) &^ boolMask(n == 8)
	}
	return ^uint64(0) >> (64 - 8*n) &^ boolMask(n == 0), 0
}

// boolMask is all ones if b.
func boolMask(b bool) uint64 {
	if b {
		return ^uint64(0)
	}
	return 0
}

// fieldMask returns the masks covering bytes [off, off+size) of two words.
func fieldMask(off, size uint8) (uint64, uint64) {
	if size == 0 {
		return 0, 0
	}
	a1, a2 := lenMask(uint32(off) + uint32(size))
	b1, b2 := lenMask(uint32(off))
	return a1 &^ b1, a2 &^ b2
}

// immValue extracts an immediate of size bytes at off from two words.
func immValue(lw, hw uint64, off, size uint8) uint64 {
	var v uint64
	if off >= 8 {
		v = hw >> (8 * (off - 8))
	} else {
		v = lw >> (8 * off)
		if off > 0 {
			v |= hw << (64 - 8*off)
		}
	}
	if size < 8 {
		v &= 1<<(8*size) - 1
	}
	return v
}

func (a amd64) disasm(b *Binary, code []byte, rva uint32) string {
	return string(a.appendDisasm(nil, code, rva, b.symbolize))
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

// offsetOf maps an address to its offset in this function's code; inside
// is false for addresses outside the function. Offsets, unlike addresses,
// do not change when the function moves.
func (s *scratch) offsetOf(t uint64) (off uint32, inside bool) {
	for i, r := range s.ranges {
		if t >= uint64(r.RVA) && t < uint64(r.RVA)+uint64(r.Size) {
			return s.bases[i] + uint32(t) - r.RVA, true
		}
	}
	return 0, false
}

// appendData appends the identity of a data address: what it refers to,
// never the address itself. taken says the instruction loads the address
// itself rather than what it points to, as string references do.
func (s *scratch) appendData(b *Binary, t uint64, taken bool) {
	if off, inside := s.offsetOf(t); inside {
		s.norm = binary.LittleEndian.AppendUint32(append(s.norm, tagIntra), off)
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
	sec := s.sec
	if sec == nil || !sec.Contains(rva) {
		sec = nil
		if i := b.sectionIndex(rva); i >= 0 {
			sec, s.secTag = &b.Sections[i], b.sectionTag(i)
		}
		s.sec = sec
	}
	switch {
	case sec == nil:
		s.norm = append(s.norm, tagNowhere)
	case sec.Flags&SectionExec != 0:
		s.norm = append(s.norm, tagCode)
		s.refs = append(s.refs, rva)
		s.iref = rva
	default:
		s.norm = binary.LittleEndian.AppendUint64(append(s.norm, tagSection), s.secTag)
		s.datas = append(s.datas, rva)
		if s.full && taken && sec.Flags&SectionWrite == 0 {
			s.addString(b, sec, rva)
		}
	}
}

// loadsAddress reports whether an instruction with this opcode and an
// address operand loads the address itself (LEA, PUSH imm32, MOV r, imm),
// as string references do, rather than what it points to.
func loadsAddress(op byte) bool { return op == 0x8D || op == 0x68 || op&0xF8 == 0xB8 }

// addString records a referenced NUL-terminated printable string in s.ft.
func (s *scratch) addString(b *Binary, sec *Section, rva uint32) {
	n := min(uint32(len(s.str)), sec.RVA+sec.Size-rva)
	p := s.str[:n]
	if b.readRVA(p, rva) != nil {
		return
	}
	for i, c := range p {
		if c == 0 {
			if i >= stringMinLen {
				s.ft.strs += xxh3.Hash(p[:i])
				s.ft.nstrs++
			}
			return
		}
		if c < 0x20 && c != '\n' && c != '\t' && c != '\r' || c >= 0x7f {
			return
		}
	}
}
