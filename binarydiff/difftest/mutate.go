package difftest

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"pgregory.net/rapid"
)

// Mutation is a kind of change from an old image to a new one.
type Mutation uint8

// The mutations. The comment says what each does to the ground truth of
// [Compare].
const (
	ChangeImmediate Mutation = iota // one function Changed: an immediate operand differs
	ChangeRegister                  // one function Changed: a register operand differs
	InsertInsn                      // one function Changed: an instruction inserted (branches still reach the same instructions)
	DeleteInsn                      // one function Changed: an instruction deleted
	InsertFunc                      // one function Added, at a random position; the code after it moves
	DeleteFunc                      // one function Removed; functions that referred to it refer to another one instead and are Changed; pointers to it in data are retargeted
	ReorderFuncs                    // one function moved elsewhere in address order; no code changes
	ShiftCode                       // all code moves by a multiple of the function alignment; no code changes
	ChangeData                      // one data item's bytes change (or one pointer in it is retargeted); no code changes
	InsertData                      // a data item is inserted, moving the data after it; no code changes
	Retarget                        // one function Changed: a reference (call, address taken, load, store) goes to another function or data item
	numMutations
)

// Mutations lists every Mutation.
var Mutations = []Mutation{ChangeImmediate, ChangeRegister, InsertInsn, DeleteInsn,
	InsertFunc, DeleteFunc, ReorderFuncs, ShiftCode, ChangeData, InsertData, Retarget}

var mutationNames = [...]string{"change-immediate", "change-register", "insert-insn", "delete-insn",
	"insert-func", "delete-func", "reorder-funcs", "shift-code", "change-data", "insert-data", "retarget"}

// String implements fmt.Stringer.
func (m Mutation) String() string {
	if m < numMutations {
		return mutationNames[m]
	}
	return fmt.Sprintf("Mutation(%d)", uint8(m))
}

// Pair is an old image and a new one derived from it by Mutations.
type Pair struct {
	Old, New  *Image
	Mutations []Mutation // applied to Old, in order, to make New
}

// Truth returns the ground truth of the pair: [Compare] of Old and New.
func (p *Pair) Truth() Truth { return Compare(p.Old, p.New) }

// Truth says what changed between two images, by function and data name.
// Each list is in the order of the image it comes from.
type Truth struct {
	Unchanged []string // functions in both with equal code and reads: Identical or Moved, depending on layout
	Changed   []string // functions in both whose code differs
	// DataRead lists the functions in both with equal code that read
	// other bytes through a data reference (up to 8 bytes from where it
	// points, through a NUL; pointers by the function they point to):
	// Changed, with cause data only.
	DataRead []string
	Added    []string // functions only in the new image
	Removed  []string // functions only in the old image

	ChangedData []string // data items in both whose contents differ
}

// Compare derives the ground truth of a change from the two images alone:
// functions are the same function when they have the same name, and have
// the same normalized code when their instruction lists are equal (as
// references are by name, code that merely moved, or whose callees or data
// moved, is equal), or differ only in references to read-only data that
// read the same (see sameCode). Data items differ when their bytes or
// pointers differ.
func Compare(old, new *Image) Truth {
	var tr Truth
	lo, ln := layoutData(old).withStarts(old), layoutData(new).withStarts(new)
	oldFn := make(map[string]*Func, len(old.Funcs))
	for i := range old.Funcs {
		oldFn[old.Funcs[i].Name] = &old.Funcs[i]
	}
	inNew := make(map[string]bool, len(new.Funcs))
	for i := range new.Funcs {
		f := &new.Funcs[i]
		inNew[f.Name] = true
		switch o, ok := oldFn[f.Name]; {
		case !ok:
			tr.Added = append(tr.Added, f.Name)
		case sameCode(o, f, lo, ln) && readsDiffer(o, f, lo, ln):
			tr.DataRead = append(tr.DataRead, f.Name)
		case sameCode(o, f, lo, ln):
			tr.Unchanged = append(tr.Unchanged, f.Name)
		default:
			tr.Changed = append(tr.Changed, f.Name)
		}
	}
	for _, f := range old.Funcs {
		if !inNew[f.Name] {
			tr.Removed = append(tr.Removed, f.Name)
		}
	}
	for _, o := range old.Data {
		for _, d := range new.Data {
			if d.Name == o.Name && (string(d.Bytes) != string(o.Bytes) || !slices.Equal(d.Ptrs, o.Ptrs)) {
				tr.ChangedData = append(tr.ChangedData, d.Name)
			}
		}
	}
	return tr
}

// PairGen returns a rapid generator of image pairs: an old image from
// [ImageGen] and a new one made by one to four mutations drawn from kinds
// (all of [Mutations] if none are given). Mutations never make a
// function's code equal to the code of another function of either image,
// so the pair stays unambiguous without names.
func PairGen(cfg Config, kinds ...Mutation) *rapid.Generator[*Pair] {
	cfg = cfg.withDefaults()
	if len(kinds) == 0 {
		kinds = Mutations
	}
	return rapid.Custom(func(t *rapid.T) *Pair {
		src := rapidSource{t}
		old := generate(src, cfg)
		p := &Pair{Old: old, New: old.Clone()}
		m := newMutator(src, cfg, p.New)
		for n := 1 + src.intn(4); n > 0; n-- {
			k := kinds[src.intn(len(kinds))]
			if m.apply(k) {
				p.Mutations = append(p.Mutations, k)
			}
		}
		return p
	})
}

// RandomPair returns a pair made like [PairGen]'s, deterministically from
// seed and without rapid, by n mutations drawn from kinds (all of
// [Mutations] if none are given): for benchmarks and large images.
func RandomPair(seed uint64, cfg Config, n int, kinds ...Mutation) *Pair {
	if len(kinds) == 0 {
		kinds = Mutations
	}
	old := RandomImage(seed, cfg)
	src := randSource{rand.New(rand.NewPCG(seed, seed^0xC2B2AE3D27D4EB4F))}
	p := &Pair{Old: old, New: old.Clone()}
	m := newMutator(src, cfg.withDefaults(), p.New)
	for ; n > 0; n-- {
		k := kinds[src.intn(len(kinds))]
		if m.apply(k) {
			p.Mutations = append(p.Mutations, k)
		}
	}
	return p
}

// Apply applies a mutation of kind m to im, drawing its choices from t. It
// reports false, leaving im unchanged, when im offers nothing to mutate
// that way (no immediates to change, a single function to delete, …).
func (m Mutation) Apply(t *rapid.T, im *Image, cfg Config) bool {
	return newMutator(rapidSource{t}, cfg.withDefaults(), im).apply(m)
}

type mutator struct {
	gen
	next int // for fresh names
}

func newMutator(src source, cfg Config, im *Image) *mutator {
	m := &mutator{gen: gen{src: src, cfg: cfg, im: im, seen: map[string]bool{}}}
	for i := range im.Funcs {
		m.seen[im.Funcs[i].key()] = true
	}
	return m
}

// pick returns a random element index of the candidates, or -1.
func (m *mutator) pick(candidates []int) int {
	if len(candidates) == 0 {
		return -1
	}
	return candidates[m.src.intn(len(candidates))]
}

// funcsWith returns the indices of functions having an instruction for which ok holds.
func (m *mutator) funcsWith(ok func(Insn) bool) []int {
	var out []int
	for i, f := range m.im.Funcs {
		for _, in := range f.Body {
			if ok(in) {
				out = append(out, i)
				break
			}
		}
	}
	return out
}

func hasImm(in Insn) bool { return in.Op == MovImm || in.Op == AddImm || in.Op == CmpImm }

func hasReg(in Insn) bool {
	switch in.Op {
	case MovImm, AddImm, CmpImm, MovReg, AddReg, XorReg, Load, Store, Lea, MovAbs:
		return true
	}
	return false
}

// editFunc applies edit to a copy of function i and keeps it if its code is
// new, trying a few times.
func (m *mutator) editFunc(i int, edit func(f *Func)) bool {
	for try := 0; try < 4; try++ {
		f := m.im.Funcs[i].clone()
		edit(&f)
		if k := f.key(); !m.seen[k] {
			m.seen[k] = true
			m.im.Funcs[i] = f
			return true
		}
	}
	return false
}

func (m *mutator) apply(k Mutation) bool {
	im, src := m.im, m.src
	m.names = m.names[:0]
	for _, f := range im.Funcs {
		m.names = append(m.names, f.Name)
	}
	switch k {
	case ChangeImmediate, ChangeRegister:
		ok := hasImm
		if k == ChangeRegister {
			ok = hasReg
		}
		i := m.pick(m.funcsWith(ok))
		if i < 0 {
			return false
		}
		return m.editFunc(i, func(f *Func) {
			var at []int
			for j, in := range f.Body {
				if ok(in) {
					at = append(at, j)
				}
			}
			in := &f.Body[at[src.intn(len(at))]]
			if k == ChangeImmediate {
				if v := m.imm(); v != in.Imm {
					in.Imm = v
				} else {
					in.Imm++
				}
				return
			}
			r := &in.Dst
			if in.Op == Store || (in.Op == MovReg || in.Op == AddReg || in.Op == XorReg) && src.intn(2) == 0 {
				r = &in.Src
			}
			if v := m.reg(); v != *r {
				*r = v
			} else if *r = (v + 1) % 16; *r == RSP {
				*r++
			}
		})
	case InsertInsn:
		i := src.intn(len(im.Funcs))
		return m.editFunc(i, func(f *Func) {
			pos := src.intn(len(f.Body) + 1)
			in := m.insn(len(f.Body) + 1)
			for j := range f.Body {
				if (f.Body[j].Op == Jmp || f.Body[j].Op == Jcc) && f.Body[j].Label >= pos {
					f.Body[j].Label++
				}
			}
			f.Body = slices.Insert(f.Body, pos, in)
			if f.Chain > pos {
				f.Chain++
			}
		})
	case DeleteInsn:
		i := m.pick(m.funcsWith(func(Insn) bool { return true }))
		if i < 0 {
			return false
		}
		return m.editFunc(i, func(f *Func) {
			pos := src.intn(len(f.Body))
			f.Body = slices.Delete(f.Body, pos, pos+1)
			for j := range f.Body {
				if (f.Body[j].Op == Jmp || f.Body[j].Op == Jcc) && f.Body[j].Label > pos {
					f.Body[j].Label--
				}
			}
			if f.Chain > pos {
				f.Chain--
			}
			f.Chain = min(f.Chain, len(f.Body))
		})
	case InsertFunc:
		name := m.fresh("added")
		m.names = append(m.names, name)
		f := m.function(name)
		f.Export = m.cfg.Exports
		im.Funcs = slices.Insert(im.Funcs, src.intn(len(im.Funcs)+1), f)
		return true
	case DeleteFunc:
		if len(im.Funcs) < 2 {
			return false
		}
		return m.deleteFunc(src.intn(len(im.Funcs)))
	case ReorderFuncs:
		if len(im.Funcs) < 2 {
			return false
		}
		from := src.intn(len(im.Funcs))
		to := src.intn(len(im.Funcs) - 1)
		if to >= from {
			to++
		}
		f := im.Funcs[from]
		im.Funcs = slices.Insert(slices.Delete(im.Funcs, from, from+1), to, f)
		return true
	case ShiftCode:
		align := max(im.FuncAlign, 1)
		if im.FuncAlign == 0 {
			align = 16
		}
		delta := align * uint32(1+src.intn(8))
		if src.intn(4) == 0 {
			delta += 0x1000
		}
		if im.TextPad >= delta && src.intn(2) == 0 {
			im.TextPad -= delta
		} else {
			im.TextPad += delta
		}
		return true
	case ChangeData:
		if len(im.Data) == 0 {
			return false
		}
		d := &im.Data[src.intn(len(im.Data))]
		if len(d.Ptrs) > 0 {
			p := &d.Ptrs[src.intn(len(d.Ptrs))]
			others := slices.DeleteFunc(slices.Clone(m.names), func(n string) bool { return n == p.Target })
			if len(others) == 0 {
				return false
			}
			p.Target = others[src.intn(len(others))]
			return true
		}
		d.Bytes[src.intn(len(d.Bytes))] ^= byte(1 + src.intn(255))
		return true
	case Retarget:
		i := m.pick(m.funcsWith(func(in Insn) bool { return in.Target != "" }))
		if i < 0 {
			return false
		}
		return m.editFunc(i, func(f *Func) {
			var at []int
			for j, in := range f.Body {
				if in.Target != "" {
					at = append(at, j)
				}
			}
			in := &f.Body[at[src.intn(len(at))]]
			m.retarget(in)
		})
	case InsertData:
		d := genData(src, m.fresh("newdata"), m.names)
		im.Data = slices.Insert(im.Data, src.intn(len(im.Data)+1), d)
		return true
	}
	return false
}

// retarget points in at another function or data item (or another
// offset in the same one) of a kind its Op accepts.
func (m *mutator) retarget(in *Insn) {
	src := m.src
	var cands []Insn
	for _, name := range m.names {
		if in.Op != Load && in.Op != Store && name != in.Target {
			cands = append(cands, Insn{Target: name})
		}
	}
	layout := layoutData(m.im).withStarts(m.im)
	if in.Op != Call && in.Op != TailJmp {
		for _, d := range m.im.Data {
			if in.Op == Store && !d.Writable {
				continue
			}
			for off := int32(0); off < int32(len(d.Bytes)); off += 8 {
				// Not to equal bytes in read-only data: the code would read
				// the same, and no differ could tell.
				if (d.Name != in.Target || off != in.Addend) && !layout.readOnlyTwin(*in, d.Name, off) {
					cands = append(cands, Insn{Target: d.Name, Addend: off})
				}
			}
		}
	}
	if len(cands) == 0 {
		// Past the only candidate: a different address, unless it reads
		// the same read-only bytes there (the zeros after the last item
		// read as the empty string a NUL at the old address starts), which
		// no differ can tell from the old one: then the edit does not
		// apply, and editFunc tries another reference or gives up.
		moved := *in
		moved.Addend += 8
		if at, ok := layout.at[in.Target]; !ok || at[0] != 0 || !readEqual(layout, layout, *in, moved) {
			*in = moved
		}
		return
	}
	c := cands[src.intn(len(cands))]
	in.Target, in.Addend = c.Target, c.Addend
}

// deleteFunc removes function i; every reference to it, in code or data,
// is retargeted to another function.
func (m *mutator) deleteFunc(i int) bool {
	im, src := m.im, m.src
	gone := im.Funcs[i].Name
	others := slices.Delete(slices.Clone(m.names), i, i+1)
	type edit struct {
		i int
		f Func
	}
	var undo []edit
	for j := range im.Funcs {
		if j == i || !slices.ContainsFunc(im.Funcs[j].Body, func(in Insn) bool { return in.Target == gone }) {
			continue
		}
		undo = append(undo, edit{j, im.Funcs[j]})
		if !m.editFunc(j, func(f *Func) {
			for k := range f.Body {
				if f.Body[k].Target == gone {
					f.Body[k].Target = others[src.intn(len(others))]
				}
			}
		}) {
			for _, u := range undo {
				im.Funcs[u.i] = u.f
			}
			return false
		}
	}
	for j := range im.Data {
		for k := range im.Data[j].Ptrs {
			if im.Data[j].Ptrs[k].Target == gone {
				im.Data[j].Ptrs[k].Target = others[src.intn(len(others))]
			}
		}
	}
	if im.Entry == gone {
		im.Entry = ""
	}
	im.Funcs = slices.Delete(im.Funcs, i, i+1)
	return true
}

// fresh returns a name not used by any function or data item.
func (m *mutator) fresh(prefix string) string {
	used := map[string]bool{}
	for _, f := range m.im.Funcs {
		used[f.Name] = true
	}
	for _, d := range m.im.Data {
		used[d.Name] = true
	}
	for {
		m.next++
		if name := fmt.Sprintf("%s%d", prefix, m.next); !used[name] {
			return name
		}
	}
}
