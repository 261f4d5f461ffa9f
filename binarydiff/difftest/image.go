package difftest

import (
	"errors"
	"fmt"
	"sort"
)

// Image describes a PE32+ x86-64 image to build: its functions, in address
// order, and its data items. The zero values of the layout fields give a
// conventional executable (image base 0x140000000, functions 16-byte
// aligned, unwind info in .rdata, base relocations when there are
// absolute pointers).
type Image struct {
	Funcs []Func // in address order; at least one
	Data  []Data // in address order within their section

	DLL       bool   // set IMAGE_FILE_DLL (and default ImageBase 0x180000000)
	DLLName   string // name in the export directory; default "difftest.dll"
	ImageBase uint64 // default 0x140000000 (0x180000000 for a DLL)
	Entry     string // function at AddressOfEntryPoint; default Funcs[0]

	TextPad   uint32 // int3 bytes before the first function: shifts all code
	FuncAlign uint32 // alignment of each function (power of two); default 16
	XData     bool   // put UNWIND_INFO in its own .xdata section instead of .rdata
	Symbols   bool   // emit a COFF symbol table naming every function and data item
	NoRelocs  bool   // omit the .reloc section (and mark the image IMAGE_FILE_RELOCS_STRIPPED)
}

// Func is one function: a standard prologue (push each Saved register, then
// sub rsp, Frame), the Body, and the matching epilogue (add rsp, Frame; pop
// the Saved registers in reverse; ret). Unless NoUnwind is set, the function
// gets a RUNTIME_FUNCTION entry in .pdata with UNWIND_INFO describing the
// prologue.
type Func struct {
	Name  string // unique among the image's functions and data; emitted in exports and symbols
	Body  []Insn
	Frame uint32 // stack bytes allocated by the prologue: a multiple of 8
	Saved []Reg  // nonvolatile registers pushed by the prologue, in push order

	NoUnwind bool // a leaf without a .pdata entry; Frame must be 0 and Saved empty
	Chain    int  // if in 1..len(Body), the code from Body[Chain] on gets a second .pdata entry chained (UNW_FLAG_CHAININFO) to the first
	Export   bool // export the function by name
}

// Data is a data item in .rdata, or in .data if Writable. Ptrs are absolute
// 64-bit addresses stored into Bytes at build time, each covered by a DIR64
// base relocation.
type Data struct {
	Name     string // unique among the image's functions and data
	Bytes    []byte // contents; must not be empty
	Ptrs     []Ptr
	Writable bool
	Align    uint32 // alignment in the section, a power of two; default 8
}

// Ptr is an absolute pointer inside a [Data] item: the 8 bytes at Offset
// receive the virtual address of Target plus Addend.
type Ptr struct {
	Offset uint32
	Target string // a function or data item of the image
	Addend int32
}

// Layout is a built image and the ground truth the builder knows about it.
type Layout struct {
	Bytes     []byte // the PE file
	ImageBase uint64
	Entry     uint32   // RVA of the entry point
	Funcs     []Placed // one per Image.Funcs, same order: RVA and size of the code (prologue to ret)
	Data      []Placed // one per Image.Data, same order
	Sections  []Placed // the sections, in order: name, RVA and virtual size
	Relocs    []uint32 // RVAs of the DIR64 base relocations, ascending (also when NoRelocs omits them)

	funcByName map[string]int
}

// Placed is where the builder put a named thing.
type Placed struct {
	Name string
	RVA  uint32
	Size uint32
}

// End returns the RVA just past p.
func (p Placed) End() uint32 { return p.RVA + p.Size }

// Func returns the placement of the function called name.
func (l *Layout) Func(name string) (Placed, bool) {
	i, ok := l.funcByName[name]
	if !ok {
		return Placed{}, false
	}
	return l.Funcs[i], true
}

// FuncAt returns the function whose code contains rva.
func (l *Layout) FuncAt(rva uint32) (Placed, bool) {
	i := sort.Search(len(l.Funcs), func(i int) bool { return l.Funcs[i].End() > rva })
	if i < len(l.Funcs) && l.Funcs[i].RVA <= rva {
		return l.Funcs[i], true
	}
	return Placed{}, false
}

// Clone returns a deep copy of im, so that a mutation of the copy leaves
// im untouched.
func (im *Image) Clone() *Image {
	c := *im
	c.Funcs = make([]Func, len(im.Funcs))
	for i, f := range im.Funcs {
		c.Funcs[i] = f.clone()
	}
	c.Data = make([]Data, len(im.Data))
	for i, d := range im.Data {
		d.Bytes = append([]byte(nil), d.Bytes...)
		d.Ptrs = append([]Ptr(nil), d.Ptrs...)
		c.Data[i] = d
	}
	return &c
}

func (f Func) clone() Func {
	f.Saved = append([]Reg(nil), f.Saved...)
	body := make([]Insn, len(f.Body))
	for i, in := range f.Body {
		if in.Bytes != nil {
			in.Bytes = append([]byte(nil), in.Bytes...)
		}
		body[i] = in
	}
	f.Body = body
	return f
}

// Build lays out and encodes the image. It returns an error if the image
// is inconsistent: duplicate or missing names, a reference to an unknown
// symbol, a branch label out of range, an invalid frame.
func (im *Image) Build() (*Layout, error) {
	b := builder{im: im}
	if err := b.build(); err != nil {
		return nil, err
	}
	return b.out, nil
}

// symbol is a resolved name: a function or a data item.
type symbol struct {
	isFunc bool
	index  int
}

// encodedFunc is a function encoded at offset 0, before layout.
type encodedFunc struct {
	code     []byte
	fix      []fixup
	prolog   int    // prologue length
	split    int    // offset of the chained fragment, 0 if none
	codes    []byte // unwind codes, 2 bytes per slot, latest first
	rva      uint32
	unwind   uint32 // RVA of UNWIND_INFO
	unwind2  uint32 // RVA of the chained UNWIND_INFO
	hasPdata bool
}

var errNoFuncs = errors.New("image has no functions")

func (im *Image) resolve() (map[string]symbol, error) {
	if len(im.Funcs) == 0 {
		return nil, errNoFuncs
	}
	syms := make(map[string]symbol, len(im.Funcs)+len(im.Data))
	for i, f := range im.Funcs {
		if f.Name == "" {
			return nil, fmt.Errorf("function %d has no name", i)
		}
		if _, dup := syms[f.Name]; dup {
			return nil, fmt.Errorf("duplicate name %q", f.Name)
		}
		syms[f.Name] = symbol{isFunc: true, index: i}
	}
	for i, d := range im.Data {
		if d.Name == "" {
			return nil, fmt.Errorf("data item %d has no name", i)
		}
		if _, dup := syms[d.Name]; dup {
			return nil, fmt.Errorf("duplicate name %q", d.Name)
		}
		if len(d.Bytes) == 0 {
			return nil, fmt.Errorf("data %q is empty", d.Name)
		}
		if d.Align&(d.Align-1) != 0 || d.Align > sectionAlignment {
			return nil, fmt.Errorf("data %q: alignment %d is not a power of two up to %d", d.Name, d.Align, sectionAlignment)
		}
		for _, p := range d.Ptrs {
			if uint64(p.Offset)+8 > uint64(len(d.Bytes)) {
				return nil, fmt.Errorf("data %q: pointer at %d outside %d bytes", d.Name, p.Offset, len(d.Bytes))
			}
		}
		syms[d.Name] = symbol{index: i}
	}
	return syms, nil
}

// encodeFunc encodes f at offset 0: prologue, body with relaxed branches,
// epilogue; and its unwind codes.
func encodeFunc(f *Func) (encodedFunc, error) {
	var e encodedFunc
	if f.Frame%8 != 0 || f.Frame >= 1<<31 {
		return e, fmt.Errorf("frame %d is not a multiple of 8", f.Frame)
	}
	if f.NoUnwind && (f.Frame != 0 || len(f.Saved) != 0) {
		return e, errors.New("a function without unwind info cannot have a frame or saved registers")
	}
	if f.Chain < 0 || f.Chain > len(f.Body) || (f.Chain > 0 && f.NoUnwind) {
		return e, fmt.Errorf("chain index %d out of range", f.Chain)
	}
	buf := make([]byte, 0, 16+6*len(f.Body))
	type slot struct{ off, op, info byte }
	var codes []slot // prologue order
	for _, r := range f.Saved {
		if r > R15 || r == RSP {
			return e, fmt.Errorf("cannot save %v", r)
		}
		if r >= 8 {
			buf = append(buf, 0x41)
		}
		buf = append(buf, 0x50+byte(r&7))
		codes = append(codes, slot{byte(len(buf)), 0 /* UWOP_PUSH_NONVOL */, byte(r)})
	}
	if f.Frame > 0 {
		buf = appendRSP(buf, 5, f.Frame) // sub rsp, Frame
		codes = append(codes, slot{off: byte(len(buf))})
	}
	e.prolog = len(buf)
	if e.prolog > 255 {
		return e, errors.New("prologue longer than 255 bytes")
	}
	// Unwind codes are stored latest first.
	for i := len(codes) - 1; i >= 0; i-- {
		c := codes[i]
		if c.op == 0 && i < len(f.Saved) {
			e.codes = append(e.codes, c.off, 0|c.info<<4)
			continue
		}
		switch n := f.Frame; {
		case n <= 128:
			e.codes = append(e.codes, c.off, 2|byte(n/8-1)<<4) // UWOP_ALLOC_SMALL
		case n/8 <= 0xFFFF:
			e.codes = append(e.codes, c.off, 1, byte(n/8), byte(n/8>>8)) // UWOP_ALLOC_LARGE, info 0
		default:
			e.codes = append(e.codes, c.off, 1|1<<4, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
		}
	}

	// Relax branches: start short, lengthen those that do not reach, repeat.
	long := make([]bool, len(f.Body))
	sizes := make([]int, len(f.Body))
	var scratch []byte
	var fix []fixup
	for i := range f.Body {
		in := &f.Body[i]
		switch in.Op {
		case Jmp, Jcc:
			if in.Label < 0 || in.Label > len(f.Body) {
				return e, fmt.Errorf("insn %d (%v): label %d out of range", i, in, in.Label)
			}
			sizes[i] = branchLen(in, false)
		default:
			var err error
			fix = fix[:0]
			scratch, err = encodeFixed(scratch[:0], in, &fix)
			if err != nil {
				return e, fmt.Errorf("insn %d: %w", i, err)
			}
			sizes[i] = len(scratch)
		}
	}
	starts := make([]int, len(f.Body)+1)
	for changed := true; changed; {
		off := e.prolog
		for i, s := range sizes {
			starts[i] = off
			off += s
		}
		starts[len(f.Body)] = off
		changed = false
		for i := range f.Body {
			in := &f.Body[i]
			if (in.Op == Jmp || in.Op == Jcc) && !long[i] {
				if !fitsInt8(int64(starts[in.Label] - (starts[i] + sizes[i]))) {
					long[i], sizes[i], changed = true, branchLen(in, true), true
				}
			}
		}
	}
	for i := range f.Body {
		in := &f.Body[i]
		if in.Op == Jmp || in.Op == Jcc {
			buf = encodeBranch(buf, in, long[i], starts[in.Label]-(starts[i]+sizes[i]))
			continue
		}
		var err error
		if buf, err = encodeFixed(buf, in, &e.fix); err != nil {
			return e, fmt.Errorf("insn %d: %w", i, err)
		}
	}
	if f.Chain > 0 {
		e.split = starts[f.Chain]
	}
	if f.Frame > 0 {
		buf = appendRSP(buf, 0, f.Frame) // add rsp, Frame
	}
	for i := len(f.Saved) - 1; i >= 0; i-- {
		if r := f.Saved[i]; r >= 8 {
			buf = append(buf, 0x41, 0x58+byte(r&7))
		} else {
			buf = append(buf, 0x58+byte(r))
		}
	}
	e.code = append(buf, 0xC3)
	e.hasPdata = !f.NoUnwind
	return e, nil
}

// appendRSP appends add (ext 0) or sub (ext 5) rsp, n.
func appendRSP(buf []byte, ext Reg, n uint32) []byte {
	if n <= 127 {
		return append(buf, 0x48, 0x83, modrm(3, ext, RSP), byte(n))
	}
	return append(buf, 0x48, 0x81, modrm(3, ext, RSP), byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
}

// unwindInfo returns the UNWIND_INFO of e's primary entry.
func (e *encodedFunc) unwindInfo() []byte {
	n := len(e.codes) / 2
	out := append([]byte{1, byte(e.prolog), byte(n), 0}, e.codes...)
	if n%2 == 1 {
		out = append(out, 0, 0)
	}
	return out
}

// chainInfo returns the UNWIND_INFO of e's chained fragment: no codes of
// its own, UNW_FLAG_CHAININFO and a copy of the primary RUNTIME_FUNCTION.
func (e *encodedFunc) chainInfo() []byte {
	out := []byte{1 | 4<<3, 0, 0, 0}
	out = le32(out, e.rva)
	out = le32(out, e.rva+uint32(e.split))
	return le32(out, e.unwind)
}
