package binarydiff

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"runtime/debug"
	"sort"
	"strings"
	"sync"

	"github.com/patchmodel/patchmodel/binarydiff/internal/myers"
	"github.com/zeebo/xxh3"
	"golang.org/x/arch/x86/x86asm"
)

// LineOp says on which side(s) an instruction of an Explanation appears.
type LineOp uint8

const (
	LineEqual  LineOp = iota // on both sides, same normalized form
	LineDelete               // only in the old function
	LineInsert               // only in the new function
)

var lineOpNames = [...]string{"equal", "delete", "insert"}

// String implements fmt.Stringer.
func (o LineOp) String() string { return enumString(lineOpNames[:], int(o)) }

// MarshalText implements encoding.TextMarshaler.
func (o LineOp) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (o *LineOp) UnmarshalText(b []byte) error {
	return enumParse(lineOpNames[:], "line op", b, (*uint8)(o))
}

// Explanation is an instruction-level diff of one function pair.
type Explanation struct {
	Old   *FuncRef `json:"old,omitempty"`
	New   *FuncRef `json:"new,omitempty"`
	Lines []Line   `json:"lines"`
	// Similarity is 2·equal/(old+new instructions): 1 when only addresses
	// differ, 0 when nothing is shared.
	Similarity float64 `json:"similarity"`
	Deleted    int     `json:"deleted"`
	Inserted   int     `json:"inserted"`
	// Cause is the FunctionDiff's: why the pair is Changed. Lines that
	// differ are the evidence of CauseCode, Callees of CauseCallee and
	// Data of CauseData.
	Cause   Cause          `json:"cause,omitempty"`
	Callees []CalleeChange `json:"callees,omitempty"`
	Data    []DataChange   `json:"data,omitempty"`
}

// CalleeChange is a call, tail call or function pointer of a Changed pair
// whose targets are not partners.
type CalleeChange struct {
	OldSite uint32 `json:"oldSite"` // RVA of the instruction; 0 if the old function has no such callee
	NewSite uint32 `json:"newSite"` // 0 if the new function has none
	Old     uint32 `json:"old"`     // the old target's RVA
	New     uint32 `json:"new"`     // the new target's RVA
	OldName string `json:"oldName,omitempty"`
	NewName string `json:"newName,omitempty"`
}

// DataChange is a data reference of a Changed pair that reads other
// bytes, or other data (Retargeted).
type DataChange struct {
	OldSite    uint32   `json:"oldSite"` // RVA of the instruction; 0 if unknown
	NewSite    uint32   `json:"newSite"`
	Old        DataView `json:"old"`
	New        DataView `json:"new"`
	Retargeted bool     `json:"retargeted,omitempty"` // same bytes, other data (writable or uninitialized)
}

// DataView is what a data reference reads on one side.
type DataView struct {
	RVA     uint32 `json:"rva"`
	Section string `json:"section,omitempty"` // "" outside every section
	// Bytes are up to 16 bytes from RVA (through a string's NUL), as the
	// file holds them; none in uninitialized data.
	Bytes HexBytes `json:"bytes"`
	// Text is the printable text there, when the bytes are text: through
	// a NUL, or (strings without a terminator, as Go's and Rust's) up to
	// the first byte that is not printable, which may run into the next
	// string.
	Text string `json:"text,omitempty"`
	// Pointers are the relocated pointers among Bytes: their bytes
	// compare by what they point to, which Bytes alone do not show.
	Pointers []PointerView `json:"pointers,omitempty"`
}

// PointerView is a relocated pointer a data reference reads.
type PointerView struct {
	Off    uint32 `json:"off"`            // from DataView.RVA
	Target uint32 `json:"target"`         // the RVA it points to; 0 if the file does not hold it (ELF RELA)
	Name   string `json:"name,omitempty"` // of the function starting there, if named
}

// HexBytes marshals as a hexadecimal string.
type HexBytes []byte

// MarshalText implements encoding.TextMarshaler.
func (h HexBytes) MarshalText() ([]byte, error) { return hex.AppendEncode(nil, h), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (h *HexBytes) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*h = nil
		return nil
	}
	p, err := hex.AppendDecode(nil, b)
	*h = p
	return err
}

// String formats the bytes as spaced hex pairs.
func (h HexBytes) String() string { return fmt.Sprintf("% x", []byte(h)) }

// Line is one instruction of an Explanation. OldRVA is 0 for inserted and
// NewRVA for deleted instructions (no code lives at RVA 0 in an image).
type Line struct {
	Op     LineOp `json:"op"`
	OldRVA uint32 `json:"oldRva,omitempty"`
	NewRVA uint32 `json:"newRva,omitempty"`
	Text   string `json:"text"` // Intel-syntax disassembly (the new side for LineEqual)
}

// String formats the explanation like a unified diff, one instruction per
// line with the RVAs of both sides.
func (e *Explanation) String() string {
	var sb strings.Builder
	for _, l := range e.Lines {
		c := byte(' ')
		switch l.Op {
		case LineDelete:
			c = '-'
		case LineInsert:
			c = '+'
		}
		rva := func(v uint32, ok bool) string {
			if !ok {
				return "        "
			}
			return fmt.Sprintf("%08x", v)
		}
		fmt.Fprintf(&sb, "%c %s %s  %s\n", c, rva(l.OldRVA, l.Op != LineInsert), rva(l.NewRVA, l.Op != LineDelete), l.Text)
	}
	for _, c := range e.Callees {
		fmt.Fprintf(&sb, "callee at %#x -> %#x: %s -> %s\n", c.OldSite, c.NewSite, target(c.Old, c.OldName), target(c.New, c.NewName))
	}
	for _, d := range e.Data {
		what := "reads"
		if d.Retargeted {
			what = "retargeted, reads"
		}
		fmt.Fprintf(&sb, "data at %#x -> %#x %s\n  - %s\n  + %s\n", d.OldSite, d.NewSite, what, d.Old, d.New)
	}
	return sb.String()
}

func target(rva uint32, name string) string {
	if name != "" {
		return fmt.Sprintf("%s (%#x)", name, rva)
	}
	return fmt.Sprintf("%#x", rva)
}

// String formats a side of a data reference: where, bytes, text.
func (v DataView) String() string {
	s := fmt.Sprintf("%#x %s: %v", v.RVA, v.Section, v.Bytes)
	if v.Text != "" {
		s += fmt.Sprintf(" %q", v.Text)
	}
	for _, p := range v.Pointers {
		if p.Target == 0 {
			s += fmt.Sprintf(" [+%d pointer]", p.Off)
			continue
		}
		s += fmt.Sprintf(" [+%d -> %s]", p.Off, target(p.Target, p.Name))
	}
	return s
}

var scratchPool = sync.Pool{New: func() any { return &scratch{keep: true} }}

// decoded is one side of an explanation: instructions, their interned
// tokens and basic-block starts.
type decoded struct {
	b      *Binary
	fast   textAppender                  // b.code, if it formats into a buffer
	sym    func(uint64) (string, uint64) // d.symbolize, once made
	texts  *textCache                    // shared by both sides
	looked bool                          // sym was called
	s      *scratch                      // holds code until the explanation is done
	code   []byte
	rvas   []uint32
	lens   []uint8
	toks   []uint32
	offs   []uint32   // offset of each instruction in code
	blocks []int      // index of each block's first instruction, plus len(toks)
	slab   []uint32   // backs rvas, toks and offs
	btoks  []uint32   // blockTokens' result
	refAt  []refCount // the scratch's: references found up to each instruction
	irefs  []uint32   // the scratch's: the code address each instruction refers to
}

// Explain returns the instruction-level diff of a function pair from the
// Result of Diff(old, new). For an Added or Removed function it lists the
// function's instructions as inserted or deleted. Functions are decoded
// again (once each); matching basic blocks are aligned first, then the
// instructions of unmatched blocks with Myers' algorithm over interned
// normalized instruction tokens, so moved branch targets and callees do
// not show as differences. For a Changed pair it also gives the evidence
// of each cause (see Cause): the callees and data references of d.Refs,
// located at their instructions, with the bytes each side reads.
func Explain(old, new *Binary, d FunctionDiff) (_ *Explanation, err error) {
	defer catchFault(debug.SetPanicOnFault(true), &err) // see Open
	x := explainerPool.Get().(*explainer)
	defer x.release()
	intern := x.intern
	x.e = &Explanation{Old: d.Old, New: d.New}
	x.a.blocks, x.b.blocks = append(x.a.blocks[:0], 0), append(x.b.blocks[:0], 0)
	if d.Old != nil {
		if err := x.a.load(old, d.Old.RVA, intern); err != nil {
			return nil, fmt.Errorf("old: %w", err)
		}
	}
	if d.New != nil {
		if err := x.b.load(new, d.New.RVA, intern); err != nil {
			return nil, fmt.Errorf("new: %w", err)
		}
	}
	a, b := &x.a, &x.b
	x.e.Lines = make([]Line, 0, len(a.toks)+len(b.toks))
	// Basic-block alignment first: whole blocks are tokens too.
	i, j := 0, 0 // block cursors
	for _, blk := range myers.Diff(a.blockTokens(intern), b.blockTokens(intern)) {
		switch blk.Op {
		case myers.Equal:
			x.flush()
			for n := 0; n < blk.N; n++ {
				x.equalRun(a.blocks[i], a.blocks[i+1], b.blocks[j])
				i, j = i+1, j+1
			}
		case myers.Delete:
			x.open(a.blocks[i], b.blocks[j])
			i += blk.N
			x.ao[1] = a.blocks[i]
		case myers.Insert:
			x.open(a.blocks[i], b.blocks[j])
			j += blk.N
			x.bo[1] = b.blocks[j]
		}
	}
	x.flush()
	e := x.e
	// One string holds the text of all lines.
	text := string(x.text)
	lo := uint32(0)
	for i, hi := range x.ends {
		e.Lines[i].Text = text[lo:hi]
		lo = hi
	}
	if n := len(a.toks) + len(b.toks); n > 0 {
		e.Similarity = float64(n-e.Deleted-e.Inserted) / float64(n)
	}
	if d.Kind == Changed {
		e.Cause = d.Cause
		x.evidence(d.Refs)
	}
	return e, nil
}

// evidence fills the Callees and Data of the explanation from the
// differing references of a pair with equal code.
func (x *explainer) evidence(refs []ChangedRef) {
	a, b, e := &x.a, &x.b, x.e
	for _, r := range refs {
		switch r.Cause {
		case CauseCallee:
			ka, kb := a.calleeSite(r.Index), b.calleeSite(r.Index)
			c := CalleeChange{OldSite: a.siteRVA(ka), NewSite: b.siteRVA(kb), Old: a.irefAt(ka, r.Old), New: b.irefAt(kb, r.New)}
			c.OldName, c.NewName = a.nameAt(c.Old), b.nameAt(c.New)
			e.Callees = append(e.Callees, c)
		case CauseData:
			ka, kb := a.dataSite(r.Index), b.dataSite(r.Index)
			e.Data = append(e.Data, DataChange{OldSite: a.siteRVA(ka), NewSite: b.siteRVA(kb),
				Old: dataView(a.b, r.Old), New: dataView(b.b, r.New), Retargeted: r.Retargeted})
		}
	}
}

// calleeSite returns the instruction of callee k (see Binary.callees), or -1.
func (d *decoded) calleeSite(k int) int {
	if k < 0 || len(d.refAt) == 0 {
		return -1
	}
	calls := int(d.refAt[len(d.refAt)-1].calls)
	if k < calls {
		return d.site(func(c refCount) bool { return int(c.calls) > k })
	}
	return d.site(func(c refCount) bool { return int(c.refs) > k-calls })
}

// dataSite returns the instruction of data reference k, or -1.
func (d *decoded) dataSite(k int) int {
	if k < 0 {
		return -1
	}
	return d.site(func(c refCount) bool { return int(c.datas) > k })
}

// site returns the first instruction after which past holds, or -1.
func (d *decoded) site(past func(refCount) bool) int {
	k := sort.Search(len(d.refAt), func(i int) bool { return past(d.refAt[i]) })
	if k == len(d.refAt) {
		return -1
	}
	return k
}

func (d *decoded) siteRVA(k int) uint32 {
	if k < 0 {
		return 0
	}
	return d.rvas[k]
}

// irefAt returns the code address instruction k refers to, or def.
func (d *decoded) irefAt(k int, def uint32) uint32 {
	if k >= 0 && k < len(d.irefs) && d.irefs[k] != 0 {
		return d.irefs[k]
	}
	return def
}

// nameAt names the function starting at rva, if it has a name.
func (d *decoded) nameAt(rva uint32) string {
	if d.b == nil {
		return ""
	}
	if i := d.b.functionStart(rva); i >= 0 {
		return d.b.Functions[i].Name
	}
	return ""
}

// dataView reads what a reference to rva sees in b.
func dataView(b *Binary, rva uint32) DataView {
	v := DataView{RVA: rva}
	if b == nil || rva == 0 {
		return v
	}
	s := b.Section(rva)
	if s == nil {
		return v
	}
	v.Section = s.Name
	n := min(64, s.RVA+min(s.FileSize, s.Size)-min(rva, s.RVA+min(s.FileSize, s.Size)))
	p := make([]byte, n)
	if n == 0 || b.readRVA(p, rva) != nil {
		return v
	}
	z := bytes.IndexByte(p, 0)
	if t := printablePrefix(p); t >= 2 && (z < 0 || t == z) {
		v.Text = string(p[:t])
	}
	v.Bytes = p[:min(16, len(p))]
	if z >= 0 && z < 16 {
		v.Bytes = p[:z+1]
	}
	psz := uint32(8)
	if b.Arch == Arch386 {
		psz = 4
	}
	if r := b.relocs.in(rva, rva+1); len(r) > 0 {
		v.Bytes = p[:min(maxRecord, len(p))] // a record: as much as is compared, NULs and all
	}
	for _, r := range b.relocs.in(rva-min(rva, psz-1), rva+uint32(len(v.Bytes))) {
		if r < rva || r+psz > rva+uint32(len(p)) {
			continue
		}
		// The target as the loader leaves it (an ELF RELA relocation may
		// keep it in the relocation, not the file): 0 when it is not an
		// address in the image.
		t, _ := imageAddress(b, b.relocatedPointer(r, readPtr(p[r-rva:], psz)))
		pv := PointerView{Off: r - rva, Target: t}
		if i := b.functionStart(t); i >= 0 && t != 0 {
			pv.Name = b.Functions[i].Name
		}
		v.Pointers = append(v.Pointers, pv)
		v.Bytes = p[:max(len(v.Bytes), int(r-rva+psz))] // the whole pointer, NULs and all
	}
	return v
}

// printablePrefix returns how many bytes p starts with that are printable
// ASCII or white space.
func printablePrefix(p []byte) int {
	for i, c := range p {
		if (c < 0x20 || c > 0x7e) && c != '\t' && c != '\n' && c != '\r' {
			return i
		}
	}
	return len(p)
}

// explainer builds an Explanation; ao and bo are the instruction ranges of
// unmatched blocks waiting to be diffed instruction by instruction.
type explainer struct {
	e       *Explanation
	a, b    decoded
	ao, bo  [2]int
	pending bool
	text    []byte   // the text of all lines so far
	ends    []uint32 // end of each line's text in text
	intern  map[uint64]uint32
}

// explainerPool keeps the memory of explainers, all of it transient but the
// Explanation.
var explainerPool = sync.Pool{New: func() any {
	x := &explainer{intern: make(map[uint64]uint32, 256)}
	x.a.texts = &textCache{m: make(map[textKey]uint32)}
	x.b.texts = x.a.texts
	return x
}}

// release returns x to explainerPool, unless it grew large.
func (x *explainer) release() {
	x.a.release()
	x.b.release()
	x.e = nil
	if len(x.intern) > 1<<12 || cap(x.text) > 1<<20 {
		return
	}
	clear(x.intern)
	x.text, x.ends, x.pending = x.text[:0], x.ends[:0], false
	explainerPool.Put(x)
}

// add appends a line whose text is instruction k of side d.
func (x *explainer) add(op LineOp, oldRVA, newRVA uint32, d *decoded, k int) {
	x.e.Lines = append(x.e.Lines, Line{Op: op, OldRVA: oldRVA, NewRVA: newRVA})
	x.text = d.appendText(x.text, k)
	x.ends = append(x.ends, uint32(len(x.text)))
}

func (x *explainer) open(ai, bj int) {
	if !x.pending {
		x.ao, x.bo, x.pending = [2]int{ai, ai}, [2]int{bj, bj}, true
	}
}

// equalRun emits instructions a[lo:hi] paired with b from blo on.
func (x *explainer) equalRun(lo, hi, blo int) {
	for k := lo; k < hi; k++ {
		bk := blo + (k - lo)
		x.add(LineEqual, x.a.rvas[k], x.b.rvas[bk], &x.b, bk)
	}
}

// flush diffs the pending unmatched instructions of both sides.
func (x *explainer) flush() {
	if !x.pending {
		return
	}
	x.pending = false
	a, b, e := &x.a, &x.b, x.e
	i, j := x.ao[0], x.bo[0]
	for _, ed := range myers.Diff(a.toks[x.ao[0]:x.ao[1]], b.toks[x.bo[0]:x.bo[1]]) {
		for n := 0; n < ed.N; n++ {
			switch ed.Op {
			case myers.Equal:
				x.add(LineEqual, a.rvas[i], b.rvas[j], b, j)
				i, j = i+1, j+1
			case myers.Delete:
				x.add(LineDelete, a.rvas[i], 0, a, i)
				e.Deleted++
				i++
			case myers.Insert:
				x.add(LineInsert, 0, b.rvas[j], b, j)
				e.Inserted++
				j++
			}
		}
	}
}

// textAppender is an isa that formats instructions into a buffer, with
// the same text as its disasm.
type textAppender interface {
	appendDisasm(dst []byte, code []byte, rva uint32, symname x86asm.SymLookup) []byte
}

// textKey is an instruction's encoding and instruction set.
type textKey struct {
	arch Arch
	n    uint8
	code [15]byte
}

// textCache holds the texts of position-independent instructions: the
// map gives the offset<<8|length of each in buf.
type textCache struct {
	m   map[textKey]uint32
	buf []byte
}

// maxTextBytes bounds a textCache; it starts over when full.
const maxTextBytes = 1 << 16

// appendText appends the disassembly of instruction k to dst. The text of
// an instruction for which the formatter looked up no address (none is
// PC-relative or absolute) depends only on its bytes: it is kept in
// d.texts, which lives as long as the pooled explainer, so instructions
// seen before (in this or an earlier explanation) are not decoded again.
func (d *decoded) appendText(dst []byte, k int) []byte {
	off := d.offs[k]
	code := d.code[off : off+uint32(d.lens[k])]
	if d.fast == nil {
		return append(dst, d.b.code.disasm(d.b, code, d.rvas[k])...)
	}
	if len(code) > 15 {
		return d.fast.appendDisasm(dst, code, d.rvas[k], d.sym)
	}
	key := textKey{arch: d.b.Arch, n: uint8(len(code))}
	copy(key.code[:], code)
	c := d.texts
	if v, ok := c.m[key]; ok {
		return append(dst, c.buf[v>>8:v>>8+v&0xff]...)
	}
	start := len(dst)
	d.looked = false
	dst = d.fast.appendDisasm(dst, code, d.rvas[k], d.sym)
	if t := dst[start:]; !d.looked && len(t) <= 0xff {
		if len(c.buf)+len(t) > maxTextBytes {
			clear(c.m)
			c.buf = c.buf[:0]
		}
		c.m[key] = uint32(len(c.buf))<<8 | uint32(len(t))
		c.buf = append(c.buf, t...)
	}
	return dst
}

// symbolize is b.symbolize, noting that it was called.
func (d *decoded) symbolize(addr uint64) (string, uint64) {
	d.looked = true
	return d.b.symbolize(addr)
}

// load decodes the function starting at rva.
func (d *decoded) load(b *Binary, rva uint32, intern map[uint64]uint32) error {
	fi := b.functionStart(rva)
	if fi < 0 {
		return fmt.Errorf("no function at rva %#x", rva)
	}
	s := scratchPool.Get().(*scratch)
	d.s = s
	f := b.Functions[fi] // a copy: fingerprint may write Size for open functions
	var fp fingerprint
	b.code.fingerprint(b, &f, 0, s, &fp)
	d.b = b
	d.fast, _ = b.code.(textAppender)
	if d.sym == nil {
		d.sym = d.symbolize // d does not move: it is part of a pooled explainer
	}
	d.blocks = d.blocks[:0]
	d.code = s.code
	d.refAt, d.irefs = s.refAt, s.irefs
	n := len(s.insts)
	if cap(d.slab) < 3*n {
		d.slab = make([]uint32, 3*n)
	}
	slab := d.slab[:3*n]
	d.rvas, d.toks, d.offs = slab[:n:n], slab[n:2*n:2*n], slab[2*n:]
	if cap(d.lens) < n {
		d.lens = make([]uint8, n)
	}
	d.lens = d.lens[:n]
	for k := range s.insts {
		off := s.insts[k].off
		ri := s.rangeOf(off)
		d.rvas[k] = s.ranges[ri].RVA + (off - s.bases[ri])
		d.lens[k] = s.insts[k].Len
		tok := s.toks[k]
		// Normalized tokens hide callees (they move); a named callee shows
		// a call retargeted to another function.
		if k < len(s.irefs) && s.irefs[k] != 0 {
			if fi := b.functionStart(s.irefs[k]); fi >= 0 && b.Functions[fi].Name != "" {
				tok = mix64(tok ^ xxh3.HashString(b.Functions[fi].Name))
			}
		}
		id, ok := intern[tok]
		if !ok {
			id = uint32(len(intern))
			intern[tok] = id
		}
		d.toks[k] = id
		d.offs[k] = off
		if s.leaderAt(k) {
			d.blocks = append(d.blocks, k)
		}
	}
	d.blocks = append(d.blocks, n)
	return nil
}

// release returns the scratch holding the function's code to the pool and
// drops the references to the binary.
func (d *decoded) release() {
	if d.s != nil {
		scratchPool.Put(d.s)
		d.s, d.code = nil, nil
	}
	d.b, d.fast = nil, nil
	d.rvas, d.toks, d.offs, d.lens = nil, nil, nil, d.lens[:0]
	d.refAt, d.irefs = nil, nil
}

// blockTokens interns each basic block's token sequence.
func (d *decoded) blockTokens(intern map[uint64]uint32) []uint32 {
	if len(d.blocks) == 0 {
		return nil
	}
	if cap(d.btoks) < len(d.blocks)-1 {
		d.btoks = make([]uint32, len(d.blocks)-1)
	}
	out := d.btoks[:len(d.blocks)-1]
	for i := range out {
		h := uint64(0x9E3779B97F4A7C15)
		for _, t := range d.toks[d.blocks[i]:d.blocks[i+1]] {
			h = mix64(h ^ uint64(t))
		}
		h ^= 1 << 63 // keep block tokens apart from instruction tokens
		id, ok := intern[h]
		if !ok {
			id = uint32(len(intern))
			intern[h] = id
		}
		out[i] = id
	}
	return out
}
