package binarydiff

import (
	"cmp"
	"context"
	"errors"
	"runtime"
	"runtime/debug"
	"sync"
)

// DefaultThreshold is the minimum similarity for a Changed match made by
// the structural, call-graph, alignment and similarity passes when
// Options.Threshold is zero.
const DefaultThreshold = 0.5

// Options tune Diff. The zero value is ready to use.
type Options struct {
	// IgnoreSymbols makes Diff ignore function names from exports and
	// symbols, as if both binaries were stripped.
	IgnoreSymbols bool
	// Threshold is the minimum similarity in (0,1] for a pair made by a
	// non-exact pass; 0 means DefaultThreshold. Name, exact and normalized
	// matches are certain and not subject to it.
	Threshold float64
	// Workers is how many goroutines each parallel stage of Diff uses (the
	// data sections are compared beside the matching, each with up to
	// Workers); 0 means GOMAXPROCS, and with 1 one thing runs at a time.
	// The result does not depend on it.
	Workers int
	// Progress, if set, is called from the calling goroutine after each
	// stage of the diff.
	Progress func(Progress)
}

// Progress reports how far Diff has got.
type Progress struct {
	Stage   string // "match:<pass>", "classify" or "sections"
	Matched int    // function pairs made so far
	Total   int    // functions on the side with fewer functions: the most pairs possible
}

// ErrMismatchedArch is returned when the two binaries have different
// formats or architectures.
var ErrMismatchedArch = errors.New("binarydiff: binaries differ in format or architecture")

// Diff pairs the functions of old and new and classifies every function of
// both. It returns ctx.Err() if ctx is cancelled. The same inputs always
// give the same Result, whatever opts.Workers.
func Diff(ctx context.Context, old, new *Binary, opts Options) (_ *Result, err error) {
	defer catchFault(debug.SetPanicOnFault(true), &err) // see Open
	if old.Format != new.Format || old.Arch != new.Arch {
		return nil, ErrMismatchedArch
	}
	if opts.Threshold <= 0 {
		opts.Threshold = DefaultThreshold
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	m := newMatcher(ctx, old, new, opts)
	res := &Result{Old: imageInfo(old), New: imageInfo(new)}
	// Data sections are compared independently of the matching: at the
	// same time, unless Workers is 1.
	var matchErr, secErr error
	m.both(func() {
		res.Sections, secErr = diffSections(ctx, old, new, opts.Workers)
	}, func() {
		if matchErr = m.run(); matchErr == nil {
			releaseAllCode(old)
			releaseAllCode(new)
			res.Functions = m.classify()
			keepAnchors(res, m.anchors)
			m.progress("classify")
		}
	})
	if err := cmp.Or(matchErr, secErr); err != nil {
		return nil, err
	}
	for i := range res.Functions {
		res.Summary.add(&res.Functions[i])
	}
	m.progress("sections")
	return res, nil
}

func imageInfo(b *Binary) ImageInfo {
	return ImageInfo{Format: b.Format, Arch: b.Arch, ImageBase: b.ImageBase, Entry: b.Entry, Functions: len(b.Functions), Warnings: len(b.Warnings), Degraded: b.Degraded}
}

// classify turns the pairing into the ordered list of FunctionDiffs: old
// functions in address order (paired or Removed), then Added functions in
// address order.
func (m *matcher) classify() []FunctionDiff {
	out := prefault(make([]FunctionDiff, 0, len(m.o2n)+len(m.n2o)-m.matched))
	// One allocation for the Old and New of every FunctionDiff.
	refs := prefault(make([]FuncRef, len(m.o2n)+len(m.n2o)))
	var changed, oldIdx, newIdx []int // Changed pairs with other code: index in out, old and new function
	m.claimData()
	for oi, ni := range m.o2n {
		of := &m.old.Functions[oi]
		if ni < 0 {
			out = append(out, FunctionDiff{Kind: Removed, Old: m.ref(refs, 0, oi)})
			continue
		}
		nf := &m.new.Functions[ni]
		fd := FunctionDiff{Old: m.ref(refs, 0, oi), New: m.ref(refs, 1, int(ni)), Pass: m.pass[oi]}
		switch {
		case m.dataOK[oi] == 1: // same code, callees and data (see claimData)
			fd.Kind, fd.Similarity = Identical, 1
			if of.RVA != nf.RVA {
				fd.Kind = Moved
			}
		case m.old.fps[oi].norm == m.new.fps[ni].norm: // a callee or data reference differs
			fd.Kind, fd.Similarity = Changed, maxChangedSimilarity
			fd.Refs = m.why[int32(oi)]
			for _, r := range fd.Refs {
				fd.Cause |= r.Cause
			}
		default:
			fd.Kind, fd.Cause = Changed, CauseCode
			changed, oldIdx, newIdx = append(changed, len(out)), append(oldIdx, oi), append(newIdx, int(ni))
		}
		out = append(out, fd)
	}
	// Score the Changed pairs with their features, computed in two batches.
	m.computeFeatures(0, oldIdx)
	m.computeFeatures(1, newIdx)
	for j, k := range changed {
		out[k].Similarity = min(m.similarity(oldIdx[j], newIdx[j]), maxChangedSimilarity)
	}
	for ni, oi := range m.n2o {
		if oi < 0 {
			out = append(out, FunctionDiff{Kind: Added, New: m.ref(refs, 1, ni)})
		}
	}
	return out
}

// maxChangedSimilarity keeps a Changed pair's similarity below 1, the
// value reserved for Identical and Moved.
const maxChangedSimilarity = 0.999

// ref fills and returns the FuncRef of function i of a side in refs (old
// functions first, then new ones).
func (m *matcher) ref(refs []FuncRef, side, i int) *FuncRef {
	f := m.fn(side, i)
	r := &refs[i]
	if side == 1 {
		r = &refs[len(m.o2n)+i]
	}
	*r = FuncRef{RVA: f.RVA, Size: f.Size}
	if !m.opts.IgnoreSymbols {
		r.Name = f.Name
	}
	return r
}

// calleesAgree reports whether the calls and function references of two
// functions with the same normalized code go to functions paired with each
// other. The normalized hash replaces callees by a marker, so that moved
// callees do not change it; this check catches a call or function pointer
// retargeted to another function, including to an added one or from a
// removed one.
func (m *matcher) calleesAgree(oi, ni int) bool {
	co, cn := m.old.callees(oi), m.new.callees(ni)
	if len(co) != len(cn) {
		return false
	}
	for k := range co {
		a, b := co[k], cn[k]
		if (a < 0) != (b < 0) || a >= 0 && m.o2n[a] != b {
			return false
		}
	}
	return true
}

// pointerID identifies the target of a pointer on one side: the old index
// of the function it starts (paired functions get the same identity on both
// sides), or 0 for anything else.
func (m *matcher) pointerID(side int) func(rva uint32) uint64 {
	return func(rva uint32) uint64 {
		if side == 0 {
			if i := m.old.functionStart(rva); i >= 0 {
				return uint64(i) + 1
			}
			return 0
		}
		i := m.new.functionStart(rva)
		switch {
		case i < 0:
			return 0
		case m.n2o[i] >= 0:
			return uint64(m.n2o[i]) + 1
		default:
			return uint64(i) + 1<<40 // an unpaired function: never equal to an old one
		}
	}
}

// claimData decides which pairs are Identical or Moved: those with the
// same normalized code whose callees are paired with each other (see
// calleesAgree) and whose data references read the same bytes (see
// dataWalker.judge) and, in writable and uninitialized data, refer to the
// same data: the same item at the same offset within it, wherever it
// moved (see dataMap). The normalized hash keeps only the section name, so
// that data moving does not change it; this check catches a reference
// that reads other bytes. It gives the data maps the references that the
// bytes do not settle and resolves them together: data the code cannot
// see (uninitialized) is matched through the references themselves, which
// needs all of them. The verdict of each pair is kept in m.dataOK (1
// agree, 2 not, 0 for pairs with other code); the references that differ
// in m.why (see explainRejected). It does not depend on which side is
// old, except past the alignment budget (see doc.go, Limits).
func (m *matcher) claimData() {
	m.dmaps = map[[2]*Section]*dataMap{}
	m.anchors = map[[2]uint32][]dataAnchor{}
	m.dataOK = make([]int8, len(m.o2n))
	disjoint := [2]bool{sectionsDisjoint(m.old), sectionsDisjoint(m.new)}
	// The pairs are checked in parallel, a block at a time; each block
	// keeps the references its accepted pairs leave open. Whether a
	// reference is settled at once (fast) depends on it alone, so the
	// blocks need not see each other's claims.
	blocks := make([]claimBlock, (len(m.o2n)+claimBlockSize-1)/claimBlockSize)
	parallel(len(blocks), m.opts.Workers, false, func(_ *scratch, k int) {
		blk := &blocks[k]
		w := dataWalker{m: m, disjoint: disjoint}
		claim := func(dm *dataMap, a, b uint32) bool {
			if v, ok := w.judge(dm, a, b); ok {
				return v
			}
			if v, ok := dm.fastShared(a, b); ok {
				return v
			}
			blk.open = append(blk.open, claimRef{dm, a, b})
			return true
		}
		for oi := k * claimBlockSize; oi < min((k+1)*claimBlockSize, len(m.o2n)); oi++ {
			ni := m.o2n[oi]
			if ni < 0 || m.old.fps[oi].norm != m.new.fps[ni].norm || !m.calleesAgree(oi, int(ni)) {
				continue
			}
			ro, rn := m.old.dataRefs(oi), m.new.dataRefs(int(ni))
			start := len(blk.open)
			if len(ro) != len(rn) || !w.each(ro, rn, claim) {
				m.dataOK[oi] = 2
				blk.open = blk.open[:start]
				continue
			}
			blk.pairs = append(blk.pairs, int32(oi))
			blk.at = append(blk.at, int32(len(blk.open)))
		}
	}, nil)
	// Every reference of an accepted pair stands: only their claims
	// count, so that a pair rejected midway weighs in on no other.
	for _, blk := range blocks {
		for _, r := range blk.open {
			r.dm.claim(r.a, r.b)
		}
	}
	// The maps are independent: resolve them concurrently.
	var todo []*dataMap
	for _, dm := range m.dmaps {
		if dm.claims != nil {
			todo = append(todo, dm)
		}
	}
	var wg sync.WaitGroup
	var faults faultRelay
	sem := make(chan struct{}, max(1, m.opts.Workers))
	for _, dm := range todo {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			defer faults.catch(debug.SetPanicOnFault(true))
			dm.resolve()
		}()
	}
	wg.Wait()
	faults.rethrow()
	for _, blk := range blocks {
		start := int32(0)
		for k, oi := range blk.pairs {
			m.dataOK[oi] = 1
			for _, r := range blk.open[start:blk.at[k]] {
				if !r.dm.verdict[[2]uint32{r.a, r.b}] {
					m.dataOK[oi] = 2
					break
				}
			}
			start = blk.at[k]
		}
	}
	// The contents are still there: say why the others are Changed.
	m.explainRejected(disjoint)
	for k, dm := range m.dmaps {
		if dm.built { // kept for the hotpatchability assessment (keepAnchors)
			m.anchors[[2]uint32{k[0].RVA, k[1].RVA}] = dm.anchors
		}
		dm.free()
	}
	m.dmaps = nil
}

// claimBlockSize is how many old functions a block of claimData holds;
// parallel hands its workers 32 blocks at a time, so that a hundred
// thousand pairs make some 25 shares, evenly spread.
const claimBlockSize = 128

// claimBlock is what claimData keeps of a block of pairs: the pairs whose
// every data reference stands, and the references among them left to the
// data maps to decide.
type claimBlock struct {
	open  []claimRef // by pair
	at    []int32    // per pair in pairs: its references in open end here
	pairs []int32
}

// claimRef is a reference of a paired function claiming that old offset a
// of dm's old section became new offset b.
type claimRef struct {
	dm   *dataMap
	a, b uint32
}

// dataWalker finds the section and the data map of each reference of a
// pair, remembering the ones found: one per worker of claimData.
type dataWalker struct {
	m        *matcher
	disjoint [2]bool     // per side: no two sections overlap (see sectionsDisjoint)
	last     [2]*Section // the sections found last, per side
	maps     []walkerMap // the data maps found, by sections: a few
}

type walkerMap struct {
	key [2]*Section
	dm  *dataMap
}

// each calls f with the data map and the section offsets of each pair of
// corresponding references ro[k], rn[k] that both lie in a section, while
// f returns true; references outside sections must be equal. It reports
// whether all passed.
func (w *dataWalker) each(ro, rn []uint32, f func(dm *dataMap, a, b uint32) bool) bool {
	for k := range ro {
		a, b := ro[k], rn[k]
		os, ns := w.section(0, a), w.section(1, b)
		if os == nil || ns == nil {
			if a != b {
				return false
			}
			continue
		}
		if !f(w.dataMap(os, ns), a-os.RVA, b-ns.RVA) {
			return false
		}
	}
	return true
}

// section returns the section of a side holding rva. With disjoint
// sections the section holding an address is unique, so the last one
// found answers again when it contains the next address.
func (w *dataWalker) section(side int, rva uint32) *Section {
	if s := w.last[side]; s != nil && s.Contains(rva) {
		return s
	}
	s := w.m.bin(side).Section(rva)
	if w.disjoint[side] {
		w.last[side] = s
	}
	return s
}

// dataMap returns the data map of os and ns, asking the matcher (which
// locks) only the first time: references alternate between a few
// sections, and a lock each time they do is contended.
func (w *dataWalker) dataMap(os, ns *Section) *dataMap {
	key := [2]*Section{os, ns}
	for _, e := range w.maps {
		if e.key == key {
			return e.dm
		}
	}
	dm := w.m.dataMap(os, ns)
	w.maps = append(w.maps, walkerMap{key, dm})
	return dm
}

// dataMap returns the data map of old section os and new section ns,
// made on first need.
func (m *matcher) dataMap(os, ns *Section) *dataMap {
	m.dmapsMu.Lock()
	defer m.dmapsMu.Unlock()
	key := [2]*Section{os, ns}
	dm := m.dmaps[key]
	if dm == nil {
		dm = newDataMap(m.old, m.new, os, ns, m.pointerID(0), m.pointerID(1), m.both)
		m.dmaps[key] = dm
	}
	return dm
}
