package difftest

import "slices"

// What a data reference reads: binarydiff judges a reference of two
// functions with equal code by the bytes it reads, up to 8 from its
// address and through the first NUL, relocated pointers compared by the
// function they point to. The ground truth does the same from the images'
// data items as they are laid out (see Image.Build: items in order, each
// aligned, then dataGuard zero bytes).

// cell is one byte a reference reads: a plain byte, or byte k of a
// pointer to a function.
type cell struct {
	b      byte
	target string // set for a pointer's bytes
	k      int
}

// dataLayout is the contents of the two data sections of an image, as
// cells, and where each item starts.
type dataLayout struct {
	cells  [2][]cell // read-only, writable
	init   [2]int    // how many cells count as initialized (see initialized)
	at     map[string][2]int
	starts [2][]int // per section, sorted: the offsets code refers to
}

func layoutData(im *Image) dataLayout {
	l := dataLayout{at: map[string][2]int{}}
	for _, d := range im.Data {
		s := 0
		if d.Writable {
			s = 1
		}
		align := int(max(d.Align, 1))
		if d.Align == 0 {
			align = 8
		}
		for len(l.cells[s])%align != 0 {
			l.cells[s] = append(l.cells[s], cell{})
		}
		start := len(l.cells[s])
		l.at[d.Name] = [2]int{s, start}
		for _, c := range d.Bytes {
			l.cells[s] = append(l.cells[s], cell{b: c})
		}
		for _, p := range d.Ptrs {
			for k := range 8 {
				if int(p.Offset)+k < len(d.Bytes) {
					l.cells[s][start+int(p.Offset)+k] = cell{target: p.Target, k: k}
				}
			}
		}
	}
	for s := range l.cells {
		l.init[s] = len(l.cells[s]) + dataGuard
		if s == 1 {
			l.init[s] = initialized(l.cells[s])
		}
		l.cells[s] = append(l.cells[s], make([]cell, dataGuard)...)
	}
	return l
}

// initialized returns how many cells of writable data binarydiff takes as
// initialized: up to the last 8-byte word that is not zero, or all if all
// are zero.
func initialized(c []cell) int {
	n := len(c)
	for n > 0 && c[n-1] == (cell{}) {
		n--
	}
	if n == 0 {
		return len(c) + dataGuard
	}
	return (n + 7) &^ 7
}

// withStarts adds to l the offsets the code of im refers to (see room).
func (l dataLayout) withStarts(im *Image) dataLayout {
	for _, f := range im.Funcs {
		for _, in := range f.Body {
			if at, ok := l.at[in.Target]; ok {
				l.starts[at[0]] = append(l.starts[at[0]], at[1]+int(in.Addend))
			}
		}
	}
	for s := range l.starts {
		slices.Sort(l.starts[s])
	}
	return l
}

// maxRecord is the most binarydiff reads of a record that starts with a
// pointer.
const maxRecord = 32

// next returns how many bytes from a reference to name+addend lie before
// the next offset code refers to, if that is less than max, else 0:
// binarydiff takes a data item to end there.
func (l dataLayout) next(name string, addend int32, max int) int {
	at := l.at[name]
	o := at[1] + int(addend)
	i, _ := slices.BinarySearch(l.starts[at[0]], o+1)
	if i < len(l.starts[at[0]]) && l.starts[at[0]][i]-o < max {
		return l.starts[at[0]][i] - o
	}
	return 0
}

// dataGuard is how many zero bytes follow the last data item of a
// section, so that what follows (unwind data, exports) is never read as
// part of it.
const dataGuard = 8

// read returns the cells from a reference to item name at addend (up to
// maxRecord, fewer at the end of initialized data), or nil if there is no
// such item; readEqual takes what binarydiff reads of them.
func (l dataLayout) read(name string, addend int32) []cell {
	at, ok := l.at[name]
	if !ok {
		return nil
	}
	c := l.cells[at[0]]
	lo := at[1] + int(addend)
	if lo < 0 || lo >= len(c) {
		return nil
	}
	return c[lo:min(lo+maxRecord, len(c), max(l.init[at[0]], lo))]
}

// sameRead reports whether two reads are the same: equal cells up to the
// first NUL byte.
func sameRead(a, b []cell) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return false
		}
		if a[i].target == "" && a[i].b == 0 {
			return true
		}
	}
	return true
}

// readsDiffer reports whether a function whose code is equal on both sides
// (see sameCode) reads different data through one of its data references.
func readsDiffer(o, f *Func, lo, ln dataLayout) bool {
	for i, in := range f.Body {
		if _, ok := lo.at[in.Target]; ok && !readEqual(lo, ln, o.Body[i], in) {
			return true
		}
	}
	return false
}

// readEqual reports whether data reference a in the old layout and b in
// the new one read the same: a record that starts with a pointer on both
// sides up to the next offset code refers to, if that is as far on both
// and less than maxRecord bytes, NULs and all; anything else up to 8
// bytes, through a NUL, and not past the next offset code refers to on
// either side.
func readEqual(lo, ln dataLayout, a, b Insn) bool {
	x, y := lo.read(a.Target, a.Addend), ln.read(b.Target, b.Addend)
	if len(x) > 0 && len(y) > 0 && x[0].target != "" && x[0].k == 0 && y[0].target != "" && y[0].k == 0 {
		do, dn := lo.next(a.Target, a.Addend, maxRecord), ln.next(b.Target, b.Addend, maxRecord)
		if do > 8 && do == dn {
			n := min(do, len(x), len(y))
			return slices.Equal(x[:n], y[:n])
		}
	}
	n := min(8, len(x), len(y))
	if k := lo.next(a.Target, a.Addend, 8); k > 0 {
		n = min(n, k)
	}
	if k := ln.next(b.Target, b.Addend, 8); k > 0 {
		n = min(n, k)
	}
	return sameRead(x[:n], y[:n])
}

// sameCode reports whether two functions have the same code as binarydiff
// sees it: the same instructions, except that a reference to read-only
// data may point elsewhere if it reads the same there (an equal copy, or
// the same bytes at another offset: the code cannot tell them apart).
func sameCode(o, f *Func, lo, ln dataLayout) bool {
	if o.key() == f.key() {
		return true
	}
	if o.Frame != f.Frame || !slices.Equal(o.Saved, f.Saved) || len(o.Body) != len(f.Body) {
		return false
	}
	for i, a := range o.Body {
		b := f.Body[i]
		ca, cb := a.canonical(), b.canonical()
		if sameInsn(ca, cb) {
			continue
		}
		ca.Target, ca.Addend, cb.Target, cb.Addend = "", 0, "", 0
		ta, oka := lo.at[a.Target]
		tb, okb := ln.at[b.Target]
		if !sameInsn(ca, cb) || !oka || !okb || ta[0] != 0 || tb[0] != 0 || !readEqual(lo, ln, a, b) {
			return false
		}
	}
	return true
}

// readOnlyTwin reports whether a reference to name+addend may read the
// same as one to target+addend of in, in read-only data: binarydiff cannot
// tell them apart (nor can the code). Since the item read may end after
// its first byte (see room), equal first bytes are enough.
func (l dataLayout) readOnlyTwin(in Insn, name string, addend int32) bool {
	a, ok1 := l.at[in.Target]
	b, ok2 := l.at[name]
	if !ok1 || !ok2 || a[0] != 0 || b[0] != 0 {
		return false
	}
	x, y := l.read(in.Target, in.Addend), l.read(name, addend)
	return len(x) > 0 && len(y) > 0 && (x[0] == y[0] || x[0].target != "" && y[0].target != "")
}

func sameInsn(x, y Insn) bool {
	return x.Op == y.Op && x.Dst == y.Dst && x.Src == y.Src && x.Imm == y.Imm && x.Cond == y.Cond &&
		x.Label == y.Label && x.Target == y.Target && x.Addend == y.Addend && string(x.Bytes) == string(y.Bytes)
}
