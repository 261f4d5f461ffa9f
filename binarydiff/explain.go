package binarydiff

import (
	"fmt"
	"runtime/debug"
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
}

// Line is one instruction of an Explanation. OldRVA is 0 for inserted and
// NewRVA for deleted instructions (no code lives at RVA 0 in an image).
type Line struct {
	Op     LineOp `json:"op"`
	OldRVA uint32 `json:"old_rva,omitempty"`
	NewRVA uint32 `json:"new_rva,omitempty"`
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
	return sb.String()
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
	offs   []uint32 // offset of each instruction in code
	blocks []int    // index of each block's first instruction, plus len(toks)
	slab   []uint32 // backs rvas, toks and offs
	btoks  []uint32 // blockTokens' result
}

// Explain returns the instruction-level diff of a function pair from the
// Result of Diff(old, new). For an Added or Removed function it lists the
// function's instructions as inserted or deleted. Functions are decoded
// again (once each); matching basic blocks are aligned first, then the
// instructions of unmatched blocks with Myers' algorithm over interned
// normalized instruction tokens, so moved branch targets and callees do
// not show as differences.
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
	return e, nil
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
