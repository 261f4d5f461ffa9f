package binarydiff

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"slices"

	"github.com/zeebo/xxh3"
)

// The neighbourhood passes pair what the key passes cannot: small
// functions whose code is the same as that of many others (thunks,
// deleting destructors, the methods of template instances), and functions
// whose code changed a little. A function is known by what it calls and
// by where it is used: the call sites of a pair that reach it, the
// functions that refer to it, and the slot it fills in an array of code
// pointers (a C++ or Rust vtable, a dispatch table). A use proposes a
// pair; a function proposed two different partners is left alone, and a
// proposal is accepted only if the two are similar enough
// (Options.Threshold; half of it for the context pass, whose evidence is
// the whole neighbourhood).

const (
	// maxSiteGap bounds the unpaired callees between two anchors that a
	// call-site alignment pairs by position.
	maxSiteGap = 8
	// maxAnchorLook bounds how far along the new call sequence an anchor
	// (a paired callee) is looked for.
	maxAnchorLook = 64
	// maxSlotRefs leaves out, as evidence for which arrays correspond,
	// functions held by more slots than this (a pure-virtual handler
	// fills thousands).
	maxSlotRefs = 8
	// maxNeighbourRounds bounds the rounds of the neighbourhood passes:
	// each round's pairs anchor the next.
	maxNeighbourRounds = 4
)

// neighbourPasses runs the callee-identity, referrer-identity, call-site
// and pointer-array passes, and the call-graph propagation of what they
// paired, until a round pairs nothing; then pairs the small functions
// exactKey left out by their raw bytes, and runs the context pass.
func (m *matcher) neighbourPasses() {
	nb := m.neighbours()
	for round := 0; round < maxNeighbourRounds && m.ctx.Err() == nil; round++ {
		before := m.matched
		m.calleeKeyPass()
		m.referrerKeyPass(nb)
		m.callSitePass()
		m.pointerArrayPass(nb)
		if m.matched == before {
			break
		}
		m.callGraphPass()
	}
	m.uniqueKeyPass(PassExact, m.rawKey, nil)
	m.callGraphPass()
	m.contextKeyPass(nb)
	m.neighbourVotePass(nb)
}

// neighbours returns the code slots and referrers of both sides, built on
// first use: they depend on the images only.
func (m *matcher) neighbours() *neighbourhood {
	if m.nb == nil {
		nb := &neighbourhood{}
		build := func(side int) {
			b := m.bin(side)
			nb.sym[side] = symbolPointers(b, elf.R_X86_64_64, elf.R_X86_64_GLOB_DAT)
			nb.rvas[side], nb.fns[side] = codeSlots(b, nb.sym[side])
			nb.refs[side] = referrers(b, nb.rvas[side], nb.fns[side], gotEdges(b)) // match_gotrefs.go
		}
		m.both(func() { build(0) }, func() { build(1) })
		m.nb = nb
	}
	return m.nb
}

// contextKeyPass pairs functions by their neighbourhood alone, whatever
// their code: the same callees (in order) and the same referrers, all
// paired and both non-empty, unique on both sides. A function rewritten
// in place keeps who calls it and what it calls; its similarity need only
// reach half of Options.Threshold.
func (m *matcher) contextKeyPass(nb *neighbourhood) {
	var ids [2][]uint64
	key := func(side, i int) (uint64, bool) {
		b, partner := m.old, m.o2n
		if side == 1 {
			b, partner = m.new, m.n2o
		}
		id := func(c int32) (uint64, bool) {
			if partner[c] < 0 {
				return 0, false
			}
			if side == 0 {
				return uint64(c), true
			}
			return uint64(partner[c]), true
		}
		cs, rs := b.callees(i), nb.refs[side].of(i)
		if len(cs) == 0 || len(rs) == 0 {
			return 0, false
		}
		k := uint64(0x51afd7ed558ccd)
		for _, c := range cs {
			if c < 0 {
				continue // not a function: an import, a stub
			}
			x, ok := id(c)
			if !ok {
				return 0, false
			}
			k = mix64(k ^ x)
		}
		r := ids[side][:0]
		for _, c := range rs {
			x, ok := id(c)
			if !ok {
				return 0, false
			}
			r = append(r, x)
		}
		slices.Sort(r)
		ids[side] = r
		for _, x := range slices.Compact(r) {
			k = mix64(k ^ x ^ 1<<50)
		}
		return k, true
	}
	m.uniqueKeyPass(PassCallGraph, key, func(oi, ni int) bool {
		return !m.namesDiffer(oi, ni) && m.similarity(oi, ni) >= m.opts.Threshold/2
	})
}

// calleeKeyPass pairs functions whose normalized code is the same and
// whose callees (calls, tail calls, function pointers, in order) are
// paired with each other, when that is unique on both sides: a thunk is
// one jump, and which function it reaches is all that tells it from the
// others.
func (m *matcher) calleeKeyPass() {
	m.uniqueKeyPass(PassCallGraph, func(side, i int) (uint64, bool) {
		b, partner := m.old, m.o2n
		if side == 1 {
			b, partner = m.new, m.n2o
		}
		cs := b.callees(i)
		if len(cs) == 0 {
			return 0, false
		}
		k := m.fp(side, i).norm
		for _, c := range cs {
			id := uint64(1 << 40) // not a function: the normalized code tells what
			if c >= 0 {
				if partner[c] < 0 {
					return 0, false
				}
				id = uint64(c)
				if side == 1 {
					id = uint64(partner[c])
				}
			}
			k = mix64(k ^ id)
		}
		return k, true
	}, nil)
}

// neighbourhood holds, per side, the code slots of the data and the
// reverse "uses" graph (see referrers).
type neighbourhood struct {
	sym  [2]map[uint32]uint64 // see symbolPointers
	rvas [2][]uint32
	fns  [2][]int32
	refs [2]*callerIndex
}

// proposals collects proposed pairs; a function proposed two different
// partners (from either side) is dropped.
type proposals struct {
	o2n map[int32]int32
	n2o map[int32]int32
}

const conflict = -2

func newProposals() *proposals {
	return &proposals{o2n: map[int32]int32{}, n2o: map[int32]int32{}}
}

func (p *proposals) add(oi, ni int32) {
	if q, ok := p.o2n[oi]; !ok {
		p.o2n[oi] = ni
	} else if q != ni {
		p.o2n[oi] = conflict
	}
	if q, ok := p.n2o[ni]; !ok {
		p.n2o[ni] = oi
	} else if q != oi {
		p.n2o[ni] = conflict
	}
}

// accept pairs the proposals without conflict on either side that are
// plausible, in old index order (deterministic).
func (p *proposals) accept(m *matcher, pass Pass) {
	p.acceptAbove(m, pass, m.opts.Threshold)
}

// acceptAbove is accept with a similarity threshold of its own.
func (p *proposals) acceptAbove(m *matcher, pass Pass, threshold float64) {
	var olds []int32
	for oi, ni := range p.o2n {
		if ni >= 0 && p.n2o[ni] == oi {
			olds = append(olds, oi)
		}
	}
	slices.Sort(olds)
	for _, oi := range olds {
		ni := p.o2n[oi]
		if m.o2n[oi] < 0 && m.n2o[ni] < 0 && !m.namesDiffer(int(oi), int(ni)) && m.similarity(int(oi), int(ni)) >= threshold {
			m.pair(int(oi), int(ni), pass)
		}
	}
}

// referrerKeyPass pairs functions whose normalized code is the same and
// whose referrers (see referrers) are paired with each other, when that
// is unique on both sides: the instances of a template whose code does
// not depend on its parameter are told apart by who uses them.
func (m *matcher) referrerKeyPass(nb *neighbourhood) {
	var ids [2][]uint64
	m.uniqueKeyPass(PassCallGraph, func(side, i int) (uint64, bool) {
		partner := m.o2n
		if side == 1 {
			partner = m.n2o
		}
		cs := nb.refs[side].of(i)
		if len(cs) == 0 {
			return 0, false
		}
		id := ids[side][:0]
		for _, c := range cs {
			if partner[c] < 0 {
				return 0, false
			}
			if side == 0 {
				id = append(id, uint64(c))
			} else {
				id = append(id, uint64(partner[c]))
			}
		}
		slices.Sort(id)
		ids[side] = id
		k := m.fp(side, i).norm ^ 0x9e3779b97f4a7c15
		for _, c := range slices.Compact(id) {
			k = mix64(k ^ c)
		}
		return k, true
	}, nil)
}

// callSitePass aligns the call sites of every pair: callees paired with
// each other are anchors, and between two anchors the distinct unpaired
// callees of each side, when equally many, are proposed by position. A
// caller that gained or lost a call elsewhere still lines up its other
// calls, where the call-graph pass needs equal call counts.
func (m *matcher) callSitePass() {
	p := newProposals()
	var ua, ub []int32
	for oi, ni := range m.o2n {
		if ni < 0 {
			continue
		}
		a, b := m.old.callees(oi), m.new.callees(int(ni))
		if !anyUnpaired(a, m.o2n) || !anyUnpaired(b, m.n2o) {
			continue
		}
		li, lj, j := -1, -1, 0
		gap := func(i, k int) {
			ua = unpaired(ua[:0], a[li+1:i], m.o2n)
			ub = unpaired(ub[:0], b[lj+1:k], m.n2o)
			if len(ua) == len(ub) && len(ua) <= maxSiteGap {
				for x := range ua {
					p.add(ua[x], ub[x])
				}
			}
		}
		for i, x := range a {
			if x < 0 || m.o2n[x] < 0 {
				continue
			}
			y := m.o2n[x]
			for k := j; k < len(b) && k < j+maxAnchorLook; k++ {
				if b[k] == y {
					gap(i, k)
					li, lj, j = i, k, k+1
					break
				}
			}
		}
		gap(len(a), len(b))
	}
	p.accept(m, PassCallGraph)
}

func anyUnpaired(ids []int32, partner []int32) bool {
	for _, id := range ids {
		if id >= 0 && partner[id] < 0 {
			return true
		}
	}
	return false
}

// pointerArray is a run of consecutive relocated pointer slots in data,
// each holding the start of a function: a vtable or a dispatch table.
type pointerArray struct {
	off, n int32 // into the side's slot targets
}

// codeSlots returns the pointer slots in b's data that hold the start of
// a function, in address order, and the function each holds: relocated
// words (PE base relocations, ELF relative relocations or inferred
// pointers) and the slots of ELF symbolic relocations (see
// symbolPointers).
func codeSlots(b *Binary, sym map[uint32]uint64) (rvas []uint32, fns []int32) {
	ptr := uint32(pointerSize(b))
	if ptr == 0 {
		return nil, nil
	}
	done := map[uint32]bool{}
	add := func(rva uint32, v uint64) {
		if v >= b.ImageBase && v-b.ImageBase < 1<<32 {
			if f := b.functionStart(uint32(v - b.ImageBase)); f >= 0 {
				rvas, fns = append(rvas, rva), append(fns, int32(f))
			}
		}
	}
	var word [8]byte
	for _, rva := range b.relocs.rvas {
		if t, ok := sym[rva]; ok {
			add(rva, t)
			done[rva] = true
			continue
		}
		s := b.Section(rva)
		if s == nil || s.Flags&SectionExec != 0 || b.readRVA(word[:ptr], rva) != nil {
			continue
		}
		add(rva, b.relocatedPointer(rva, readPtr(word[:], ptr)))
	}
	if len(sym) > len(done) { // GOT slots: not among the relocated words
		rest := make([]uint32, 0, len(sym)-len(done))
		for rva := range sym {
			if !done[rva] {
				rest = append(rest, rva)
			}
		}
		slices.Sort(rest)
		for _, rva := range rest {
			add(rva, sym[rva])
		}
		// Keep the address order the arrays need.
		idx := make([]int, len(rvas))
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(x, y int) int { return cmpU32(rvas[x], rvas[y]) })
		r2, f2 := make([]uint32, len(rvas)), make([]int32, len(fns))
		for k, i := range idx {
			r2[k], f2[k] = rvas[i], fns[i]
		}
		rvas, fns = r2, f2
	}
	return rvas, fns
}

// pointerArrays groups code slots (see codeSlots) into arrays of
// consecutive slots.
func pointerArrays(b *Binary, rvas []uint32, fns []int32) []pointerArray {
	ptr := uint32(pointerSize(b))
	var arrs []pointerArray
	for k, rva := range rvas {
		if k == 0 || rva != rvas[k-1]+ptr {
			arrs = append(arrs, pointerArray{off: int32(k)})
		}
		arrs[len(arrs)-1].n++
	}
	return arrs
}

// referrers is the reverse of "uses": for each function, the functions
// that call it, take its address, or read a data slot holding it (a GOT
// entry: position-independent code reaches a function it may not bind
// locally so), and those that more adds (see gotEdges).
func referrers(b *Binary, rvas []uint32, fns []int32, more func(i int, f func(t int32))) *callerIndex {
	slot := make(map[uint32]int32, len(rvas))
	for k, rva := range rvas {
		slot[rva] = fns[k]
	}
	each := func(i int, f func(t int32)) {
		for _, t := range b.callees(i) {
			if t >= 0 {
				f(t)
			}
		}
		for _, d := range b.dataRefs(i) {
			if t, ok := slot[d]; ok {
				f(t)
			}
		}
		more(i, f)
	}
	c := &callerIndex{start: make([]int32, len(b.Functions)+1)}
	for i := range b.Functions {
		each(i, func(t int32) { c.start[t+1]++ })
	}
	for i := 1; i < len(c.start); i++ {
		c.start[i] += c.start[i-1]
	}
	c.ids = make([]int32, c.start[len(c.start)-1])
	fill := slices.Clone(c.start[:len(b.Functions)])
	for i := range b.Functions {
		each(i, func(t int32) {
			c.ids[fill[t]] = int32(i)
			fill[t]++
		})
	}
	return c
}

// pointerArrayPass pairs the functions that corresponding arrays of code
// pointers hold at corresponding indices. Arrays correspond by a vote:
// each paired slot (functions held by few slots only) votes for the new
// array and index shift it agrees with, and each reference to the arrays
// from the same place in the code of a pair (a constructor storing its
// class's vtable) votes twice. The winner needs two votes and no tie.
func (m *matcher) pointerArrayPass(nb *neighbourhood) {
	ot, nt := nb.fns[0], nb.fns[1]
	oa, na := pointerArrays(m.old, nb.rvas[0], ot), pointerArrays(m.new, nb.rvas[1], nt)
	if len(oa) == 0 || len(na) == 0 {
		return
	}
	type vote struct{ arr, shift int32 }
	refVotes := map[int32][]vote{}
	at := [2]func(rva uint32) (int32, int32, bool){arrayAt(m.old, nb, 0, oa), arrayAt(m.new, nb, 1, na)}
	for oi, ni := range m.o2n {
		if ni < 0 {
			continue
		}
		do, dn := m.old.dataRefs(oi), m.new.dataRefs(int(ni))
		if len(do) != len(dn) {
			continue
		}
		for k := range do {
			a, ia, ok := at[0](do[k])
			if !ok {
				continue
			}
			if b, ib, ok := at[1](dn[k]); ok {
				refVotes[a] = append(refVotes[a], vote{b, ib - ia})
			}
		}
	}
	// Where each new function is held (array, index), for the rarely held.
	type slot struct{ arr, idx int32 }
	refs := map[int32][]slot{}
	for ai, a := range na {
		for k := int32(0); k < a.n; k++ {
			f := nt[a.off+k]
			if r := refs[f]; len(r) <= maxSlotRefs {
				refs[f] = append(r, slot{int32(ai), k})
			}
		}
	}
	// Arrays named alike by their type information (a C++ vtable's) are
	// the same class's: three votes, when the name is unique on both sides.
	names := map[uint64][2]int32{} // name → array+1 per side, -1 when not unique
	buf := new([maxTypeName]byte)  // one for all: a read's buffer escapes
	for side, arrs := range [2][]pointerArray{oa, na} {
		b := m.bin(side)
		for ai, a := range arrs {
			if k := typeName(b, nb, side, nb.rvas[side][a.off], buf); k != 0 {
				e := names[k]
				if e[side] == 0 {
					e[side] = int32(ai) + 1
				} else {
					e[side] = -1
				}
				names[k] = e
			}
		}
	}
	for _, e := range names {
		if e[0] > 0 && e[1] > 0 {
			refVotes[e[0]-1] = append(refVotes[e[0]-1], vote{e[1] - 1, 0}, vote{e[1] - 1, 0}) // with the weight of 2 below: 4
		}
	}
	p := newProposals()
	votes := map[vote]int{}
	for ai, a := range oa {
		clear(votes)
		for _, v := range refVotes[int32(ai)] {
			votes[v] += 2
		}
		for k := int32(0); k < a.n; k++ {
			y := m.o2n[ot[a.off+k]]
			if y < 0 {
				continue
			}
			if r := refs[y]; len(r) <= maxSlotRefs {
				for _, s := range r {
					votes[vote{s.arr, s.idx - k}]++
				}
			}
		}
		best, bestN, ties := vote{}, 0, 0
		for v, n := range votes {
			switch {
			case n > bestN:
				best, bestN, ties = v, n, 1
			case n == bestN:
				ties++
			}
		}
		if bestN < 2 || ties > 1 {
			continue
		}
		b := na[best.arr]
		for k := int32(0); k < a.n; k++ {
			j := k + best.shift
			if j < 0 || j >= b.n {
				continue
			}
			x, y := ot[a.off+k], nt[b.off+j]
			if m.o2n[x] < 0 && m.n2o[y] < 0 {
				p.add(x, y)
			}
		}
	}
	p.accept(m, PassAlignment)
}

// arrayAt returns a function telling which array of arrs (of a side of
// nb) an address refers to, and at which index: an address in an array,
// or up to two pointers before its first slot (a C++ vtable's symbol
// precedes its slots by the offset to top and the type information), read
// through a GOT slot if it is one.
func arrayAt(b *Binary, nb *neighbourhood, side int, arrs []pointerArray) func(rva uint32) (int32, int32, bool) {
	ptr := uint32(pointerSize(b))
	rvas := nb.rvas[side]
	return func(rva uint32) (int32, int32, bool) {
		if v, ok := nb.sym[side][rva]; ok && v >= b.ImageBase && v-b.ImageBase < 1<<32 {
			rva = uint32(v - b.ImageBase)
		}
		i, _ := slices.BinarySearchFunc(arrs, rva, func(a pointerArray, t uint32) int { return cmpU32(rvas[a.off], t) })
		// arrs[i] is the first array starting at or after rva.
		if i < len(arrs) && rvas[arrs[i].off]-rva <= 2*ptr && (rvas[arrs[i].off]-rva)%ptr == 0 {
			return int32(i), 0, true
		}
		if i > 0 {
			a := arrs[i-1]
			if off := rva - rvas[a.off]; off%ptr == 0 && off/ptr < uint32(a.n) {
				return int32(i - 1), int32(off / ptr), true
			}
		}
		return 0, 0, false
	}
}

// maxTypeName bounds the type name read for a vtable.
const maxTypeName = 512

// typeName returns a hash of the name in the type information that the
// slot before the array starting at first points to, or 0: the Itanium
// C++ ABI (GCC, clang) puts a pointer to the std::type_info there, whose
// second word points to the mangled name; the Microsoft ABI puts a pointer
// to the complete object locator, whose fourth word is the image-relative
// address of the type descriptor, whose name starts 16 bytes in (on
// x86-64; 8 on x86). It is the class's name the compiler keeps for
// run-time type identification: data, there whatever Options.IgnoreSymbols
// says.
func typeName(b *Binary, nb *neighbourhood, side int, first uint32, buf *[maxTypeName]byte) uint64 {
	ptr := uint32(pointerSize(b))
	if first < ptr {
		return 0
	}
	word := func(rva uint32) (uint32, bool) { // a pointer at rva, as an RVA
		if v, ok := nb.sym[side][rva]; ok {
			if v >= b.ImageBase && v-b.ImageBase < 1<<32 {
				return uint32(v - b.ImageBase), true
			}
			return 0, false
		}
		var w [8]byte
		if b.readRVA(w[:ptr], rva) != nil {
			return 0, false
		}
		v := b.relocatedPointer(rva, readPtr(w[:], ptr)) // LLVM lld leaves relocated slots zero
		if v < b.ImageBase || v-b.ImageBase >= 1<<32 {
			return 0, false
		}
		return uint32(v - b.ImageBase), true
	}
	info, ok := word(first - ptr)
	if !ok {
		return 0
	}
	var name uint32
	if b.Format == FormatPE {
		var col [16]byte
		if b.readRVA(col[:], info) != nil {
			return 0
		}
		td := binary.LittleEndian.Uint32(col[12:])
		if ptr == 4 { // x86: absolute addresses
			if uint64(td) < b.ImageBase {
				return 0
			}
			td = uint32(uint64(td) - b.ImageBase)
		}
		name = td + 2*ptr
	} else if name, ok = word(info + ptr); !ok {
		return 0
	}
	s := b.Section(name)
	if s == nil || name-s.RVA >= s.FileSize {
		return 0
	}
	n := min(uint32(len(buf)), s.FileSize-(name-s.RVA))
	if b.readRVA(buf[:n], name) != nil {
		return 0
	}
	end := bytes.IndexByte(buf[:n], 0)
	if end < 2 {
		return 0
	}
	return xxh3.Hash(buf[:end]) | 1
}

// maxThunk is the size up to which a function that refers outside itself
// is paired by its raw bytes only after its neighbours had their say (see
// exactKey).
const maxThunk = 32

// exactKey is the key of the exact pass: the raw bytes and the normalized
// code. The raw bytes of a function that calls, jumps to or reads
// anything outside itself hold relative displacements, which another
// function elsewhere can match by chance: many small functions (deleting
// destructors, thunks) are one jump to the same target, and two of them
// whose distances to it are equal have equal bytes (from libduckdb 1.5.5
// to 1.5.6, and sodium-native 5.0.9 to 5.0.10, dozens were paired so with
// the wrong partner). A small one (up to maxThunk bytes) is left out here:
// the normalized pass pairs it when its code is unique, its callers and
// vtable slots when they can, and rawKeyPass what is left. Larger ones
// rarely coincide, and their bytes are the stronger evidence.
func (m *matcher) exactKey(side, i int) (uint64, bool) {
	if fp := m.fp(side, i); m.fn(side, i).Size <= maxThunk && (fp.callN > 0 || fp.drefN > 0) {
		return 0, false
	}
	return m.rawKey(side, i)
}

func (m *matcher) rawKey(side, i int) (uint64, bool) {
	fp := m.fp(side, i)
	return fp.exact ^ mix64(fp.norm^uint64(m.fn(side, i).Size)), true
}

// dropContradicted unpairs the pairs a guessing pass made (structural,
// call graph, alignment, similarity) that their neighbourhood contradicts:
// both functions are referred to, every referrer of the old one is
// paired, and none of them with a referrer of the new one. The code
// looked alike; who uses it says they are different functions (on
// libduckdb 1.5.5 to 1.5.6 with names ignored, 48 such pairs were wrong
// and 2 right by the symbol table). Then the neighbourhood passes try the
// functions so freed again.
func (m *matcher) dropContradicted() {
	nb := m.neighbours()
	mark := make([]bool, len(m.new.Functions))
	dropped := 0
	for oi, ni := range m.o2n {
		if ni < 0 || m.pass[oi] < PassStructural {
			continue
		}
		ro, rn := nb.refs[0].of(oi), nb.refs[1].of(int(ni))
		if len(ro) == 0 || len(rn) == 0 {
			continue
		}
		for _, r := range rn {
			mark[r] = true
		}
		contradicted := true
		for _, r := range ro {
			if p := m.o2n[r]; p < 0 || mark[p] {
				contradicted = false
				break
			}
		}
		for _, r := range rn {
			mark[r] = false
		}
		if contradicted {
			m.o2n[oi], m.n2o[ni], m.pass[oi] = -1, -1, PassNone
			m.matched--
			dropped++
		}
	}
	if dropped > 0 {
		m.neighbourPasses()
	}
}

const (
	// maxVoteDegree leaves out, as voters, functions with more callees or
	// referrers than this: a hub (an allocator, a logger) says nothing
	// about which of its thousand callers is which.
	maxVoteDegree = 64
	// minVotes and minVoteShare are what a neighbourhood vote needs: that
	// many paired neighbours in common, and that share of the paired
	// neighbours of each side.
	minVotes     = 2
	minVoteShare = 0.5
)

// neighbourVotePass pairs an unpaired function with the unpaired new
// function that shares most of its paired neighbours (callees and
// referrers), when they share at least minVotes and minVoteShare of each
// side's, the best is unique, and neither is proposed another partner: a
// function rewritten beyond the reach of similarity keeps most of who
// calls it and what it calls. Its similarity need only reach half of
// Options.Threshold.
func (m *matcher) neighbourVotePass(nb *neighbourhood) {
	// neighbours of side's function i that are paired, as new indices
	// (the partners of old ones), deduplicated.
	paired := func(side, i int, dst []int32) []int32 {
		b, partner := m.old, m.o2n
		if side == 1 {
			b, partner = m.new, m.n2o
		}
		add := func(c int32) {
			if c < 0 || partner[c] < 0 {
				return
			}
			x := c
			if side == 0 {
				x = partner[c]
			}
			dst = append(dst, x)
		}
		for _, c := range b.callees(i) {
			add(c)
		}
		for _, c := range nb.refs[side].of(i) {
			add(c)
		}
		slices.Sort(dst)
		return slices.Compact(dst)
	}
	p := newProposals()
	votes := map[int32]int{}
	var mine, theirs, cand []int32
	for oi, ni := range m.o2n {
		if ni >= 0 {
			continue
		}
		mine = paired(0, oi, mine[:0])
		if len(mine) < minVotes {
			continue
		}
		clear(votes)
		for _, x := range mine { // x: a new function, partner of a neighbour
			cs, rs := m.new.callees(int(x)), nb.refs[1].of(int(x))
			if len(cs)+len(rs) > maxVoteDegree {
				continue
			}
			// Candidates: x's unpaired callees and referrers, once per x.
			cand = cand[:0]
			for _, list := range [2][]int32{cs, rs} {
				for _, y := range list {
					if y >= 0 && m.n2o[y] < 0 {
						cand = append(cand, y)
					}
				}
			}
			slices.Sort(cand)
			for _, y := range slices.Compact(cand) {
				votes[y]++
			}
		}
		best, bestN, ties := int32(-1), 0, 0
		for y, v := range votes {
			switch {
			case v > bestN:
				best, bestN, ties = y, v, 1
			case v == bestN:
				ties++
			}
		}
		if bestN < minVotes || ties > 1 {
			continue
		}
		theirs = paired(1, int(best), theirs[:0])
		if float64(bestN) < minVoteShare*float64(len(mine)) || float64(bestN) < minVoteShare*float64(len(theirs)) {
			continue
		}
		p.add(int32(oi), best)
	}
	p.acceptAbove(m, PassCallGraph, m.opts.Threshold/2)
}
