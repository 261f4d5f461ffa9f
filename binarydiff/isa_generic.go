package binarydiff

import (
	"encoding/binary"
	"math/bits"

	"github.com/patchmodel/patchmodel/binarydiff/internal/x86"
	"github.com/zeebo/xxh3"
)

// A generic fingerprinter for instruction sets other than x86 (today
// Arm64): each ISA turns one instruction into a genInsn value — its
// length, control-flow kind, branch target, the byte fields that hold
// addresses and the addresses they mean — and this file builds the same
// fingerprint as the x86 fingerprinter from it (see doc.go, Fingerprints).

// genInsn is one instruction as the generic fingerprinter needs it.
type genInsn struct {
	len    uint32
	kind   x86.Kind // control-flow kind, shared with the x86-64 decoder
	cond   uint32   // condition, and for Arm64 the register a CBZ/TBZ tests
	target uint64   // branch target, when kind has one (Jcc, Jmp, Call)
	// addrs are the address operands: the bits of the instruction that
	// encode the address (a mask over its bytes) and the address meant.
	addrs  [2]addrField
	naddrs int
	loose  uint64 // the instruction without immediates, displacements and targets
	mnem   uint64 // the operation alone
	imm    uint64 // a constant operand worth keeping (>= 0x100), 0 if none
	lea    bool   // the address operand is taken (a string reference when it points at one)
}

type addrField struct {
	mask uint64 // bits of the instruction's first 8 bytes that encode the address
	va   uint64 // address meant (absolute, not an RVA)
	page bool   // only the 4 KiB page of the address is known (Arm64 ADRP): not a reference
}

// decoder decodes one instruction of code at address pc (an RVA) into d.
// st carries state between instructions of one function (Arm64 ADRP).
type decoder interface {
	decode(b *Binary, code []byte, pc uint32, d *genInsn, st *decodeState)
}

// decodeState is per-function decoder state.
type decodeState struct {
	full bool       // the secondary features are wanted (genInsn.loose, mnem, imm)
	page [32]uint64 // Arm64: page address last loaded by ADRP into each register, 0 if none
	ops  *a64Ops    // Arm64: operations decoded so far by this worker, kept across functions
}

// genericFingerprint fingerprints function f with decoder dec; see isa.
func genericFingerprint(dec decoder, b *Binary, f *Function, limit uint32, s *scratch, fp *fingerprint) {
	*fp = fingerprint{}
	open := limit > 0
	ft := &s.ft
	code := s.begin(b, f, limit)
	starts, targets, after := s.starts, s.targets, s.after
	// Without features the decoder may skip what only they need.
	st := &s.dec // st and d live in the scratch: through the interface call they would escape
	*st = decodeState{full: s.full || s.keep, ops: st.ops}
	d := &s.ins
	var prevTok, loose, mnem uint64
	var jccIntra, jccOut, jmpIntra, ninsts uint32
	for ri, r := range s.ranges {
		base := s.bases[ri]
		end := base + r.Size
		var reach uint32
		for off := base; off < end; {
			pc := r.RVA + (off - base)
			*d = genInsn{}
			s.iref = 0
			dec.decode(b, code[off:end], pc, d, st)
			n := max(d.len, 1)
			if off+n > end {
				n, d.kind = end-off, x86.Bad
			}
			ninsts++
			if s.keep {
				s.insts = append(s.insts, insn{x86.Inst{Len: uint8(n), Kind: d.kind}, off})
			}
			setBit(starts, off)
			raw := code[off : off+n]
			start := len(s.norm)
			switch {
			case d.kind == x86.Jcc || d.kind == x86.Jmp || d.kind == x86.Call:
				s.norm = binary.LittleEndian.AppendUint32(append(s.norm, tagBranch, byte(d.kind)), d.cond)
				t := d.target - b.ImageBase
				if toff, inside := s.offsetOf(t); inside && d.target >= b.ImageBase {
					s.norm = binary.LittleEndian.AppendUint32(append(s.norm, tagIntra), toff)
					setBit(targets, toff)
					switch d.kind {
					case x86.Jcc:
						jccIntra++
					case x86.Jmp:
						jmpIntra++
					}
					if open && t > uint64(pc) {
						reach = max(reach, toff)
					}
				} else {
					switch d.kind {
					case x86.Call:
						if name, ok := b.imports[uint32(t)]; ok && t < 1<<32 {
							s.norm = binary.LittleEndian.AppendUint64(append(s.norm, tagImport), xxh3.HashString(name))
						} else {
							s.norm = append(s.norm, tagCallOut)
						}
						if t < 1<<32 {
							s.calls = append(s.calls, uint32(t))
							s.iref = uint32(t)
						}
					case x86.Jcc:
						jccOut++
						s.norm = append(s.norm, tagJumpOut)
					default:
						s.norm = append(s.norm, tagJumpOut)
					}
				}
				mnem = mix64(mnem ^ uint64(d.kind)<<8 ^ uint64(d.cond))
			case d.naddrs > 0:
				s.norm = append(s.norm, tagOperand)
				var w [8]byte
				copy(w[:], raw)
				v := binary.LittleEndian.Uint64(w[:])
				for _, a := range d.addrs[:d.naddrs] {
					v &^= a.mask
				}
				s.norm = binary.LittleEndian.AppendUint64(s.norm, v)
				if len(raw) > 8 {
					s.norm = append(s.norm, raw[8:]...)
				}
				for _, a := range d.addrs[:d.naddrs] {
					if a.page {
						// The page alone: name its section, record no reference
						// (the ADD or LDR that completes it records the address).
						if i := b.sectionIndex(uint32(a.va - b.ImageBase)); i >= 0 && a.va >= b.ImageBase {
							s.norm = binary.LittleEndian.AppendUint64(append(s.norm, tagSection), b.sectionTag(i))
						} else {
							s.norm = append(s.norm, tagNowhere)
						}
						continue
					}
					s.appendData(b, a.va-b.ImageBase, d.lea)
				}
				mnem = mix64(mnem ^ d.mnem)
			default:
				s.norm = append(s.norm, raw...)
				mnem = mix64(mnem ^ d.mnem)
			}
			if st.full {
				tok := hashToken(s.norm[start:])
				loose = mix64(loose ^ d.loose ^ uint64(d.kind))
				if d.imm >= 0x100 {
					ft.consts += mix64(d.imm)
				}
				if s.keep {
					s.toks = append(s.toks, tok)
					s.irefs = append(s.irefs, s.iref)
					s.refAt = append(s.refAt, s.counts())
				}
				ft.addSketch(tok)
				ft.addSketch(mix64(tok ^ bits.RotateLeft64(prevTok, 23)))
				prevTok = tok
			}
			off += n
			if d.kind != x86.Plain && d.kind != x86.Call && d.kind != x86.CallIndirect && d.kind != x86.Bad {
				setBit(after, off)
			}
			if d.kind == x86.Bad {
				fp.bad++
			}
			if open && terminates(d.kind) && reach <= off {
				end = off
			}
		}
		if open {
			f.Size = end - base
			code = code[:end]
		}
	}
	fp.exact = xxh3.Hash(code)
	fp.norm = xxh3.Hash(s.norm)
	if st.full {
		ft.loose = loose
		ft.mnem = mnem
	}
	fp.insns = ninsts
	s.shape(fp, jccIntra, jccOut, jmpIntra)
}
