package binarydiff

import (
	"cmp"
	"slices"
	"sort"
)

// maxDiscoveryRounds bounds the call-target discovery: each round decodes
// the functions found by the previous one.
const maxDiscoveryRounds = 8

// candidate is a function start seen in metadata, before extents are
// known. It holds no pointers (its name and fragments are kept aside by
// the discovery), so a list of a hundred thousand grows and sorts as
// plain memory.
type candidate struct {
	rva   uint32
	size  uint32 // 0 when the metadata gives no size (exports, symbols, entry, call targets)
	name  uint32 // 1 + index of the name in discovery.names; 0 for none
	frags uint32 // 1 + index of the fragments in discovery.fragLists; 0 for none
	src   Source
}

// discovery collects function starts from cheapest to dearest source, then
// decodes them (fingerprinting at the same time) to find call targets.
type discovery struct {
	b         *Binary
	cands     []candidate // in the order added; split merges a start seen twice
	names     []string    // of candidates
	frags     []fragment  // chained pieces of functions, in the order added
	fragLists [][]Range   // of candidates, set by split
	lists     []refLists  // per function of b: what its decode referred to, in refs
	refs      refStore
	workers   int
}

// fragment is a piece of the function starting at root.
type fragment struct {
	root uint32
	r    Range
}

func newDiscovery(b *Binary) *discovery {
	return &discovery{b: b}
}

// add records a function start. The first source to see a start keeps it;
// later sources may only add a name or a size (see split). Starts are
// appended, not looked up: a table of a hundred thousand entries is
// merged by one sort, not a hundred thousand map operations.
func (d *discovery) add(rva, size uint32, src Source, name string) {
	c := candidate{rva: rva, size: size, src: src}
	if name != "" {
		d.names = append(d.names, name)
		c.name = uint32(len(d.names))
	}
	d.cands = append(d.cands, c)
}

// function returns the Function c stands for, without an extent when open.
func (d *discovery) function(c candidate) Function {
	f := Function{RVA: c.rva, Size: c.size, Source: c.src}
	if c.name > 0 {
		f.Name = d.names[c.name-1]
	}
	if c.frags > 0 {
		f.Fragments = d.fragLists[c.frags-1]
	}
	return f
}

// reserve makes room for n more candidates, with names if named, so that
// a large table does not grow the lists step by step.
func (d *discovery) reserve(n int, named bool) {
	if cap(d.cands)-len(d.cands) < n {
		c := prefault(make([]candidate, len(d.cands), len(d.cands)+n))
		copy(c, d.cands)
		d.cands = c
	}
	if named {
		d.names = slices.Grow(d.names, n)
	}
}

// addFragment records a chained piece of the function starting at root;
// split attaches it, if some source added root.
func (d *discovery) addFragment(root uint32, r Range) {
	d.frags = append(d.frags, fragment{root, r})
}

// run turns candidates into Functions and fingerprints them. Functions the
// metadata does not size are decoded up to the next known start and cut
// after their last reachable instruction; direct call targets in code no
// function covers become new functions, for a bounded number of rounds.
func (d *discovery) run(workers int) error {
	b := d.b
	d.workers = workers
	sized, open := d.split()
	funcs := prefault(make([]Function, 0, len(sized)+len(open)))
	for _, c := range sized {
		funcs = append(funcs, d.function(c))
	}
	cov := newCoverage(funcs)
	limits := map[uint32]uint32{}
	pending := d.admit(open, cov, limits)

	b.Functions = funcs
	b.fps = prefault(make([]fingerprint, len(funcs), cap(funcs)))
	d.lists = prefault(make([]refLists, len(funcs), cap(funcs)))
	todo := make([]int, len(funcs))
	for i := range todo {
		todo[i] = i
	}
	for round := 0; ; round++ {
		if err := b.ctxErr(); err != nil {
			return err
		}
		for _, c := range pending {
			b.Functions = append(b.Functions, d.function(c))
			b.fps = append(b.fps, fingerprint{})
			d.lists = append(d.lists, refLists{})
			todo = append(todo, len(b.Functions)-1)
		}
		fingerprintAll(b, todo, limits, &d.refs, d.lists, workers)
		cov.reset(b.Functions)
		if round == maxDiscoveryRounds {
			break
		}
		// Most call targets start a known function or lie inside one:
		// the few functions calling anything else are found in parallel,
		// then their targets are looked at in order.
		unknown := make([]bool, len(todo))
		parallel(len(todo), workers, false, func(_ *scratch, k int) {
			for _, t := range d.refs.calls(d.lists[todo[k]]) {
				if cov.starts.find(t) < 0 && !cov.covers(t) {
					unknown[k] = true
					return
				}
			}
		}, nil)
		var targets []candidate
		seen := map[uint32]bool{}
		for k, i := range todo {
			if !unknown[k] {
				continue
			}
			for _, t := range d.refs.calls(d.lists[i]) {
				// Most targets start a known function: settle those by the
				// index before searching the coverage.
				if cov.starts.find(t) >= 0 || seen[t] || cov.covers(t) {
					continue
				}
				seen[t] = true
				if s := b.Section(t); s == nil || s.Flags&SectionExec == 0 || t-s.RVA >= s.FileSize {
					continue
				}
				targets = append(targets, candidate{rva: t, src: SourceCallTarget})
			}
		}
		if len(targets) == 0 {
			break
		}
		slices.SortFunc(targets, func(x, y candidate) int { return cmpU32(x.rva, y.rva) })
		todo = todo[:0]
		pending = d.admit(targets, cov, limits)
	}
	d.finish()
	return nil
}

// split merges the candidates of each start, in the order they were added
// (the first keeps its source; the first name and the first size found
// fill in), attaches the fragments, and separates the sized candidates
// (pdata) from the open ones, both sorted by RVA.
func (d *discovery) split() (sized, open []candidate) {
	cands := d.sorted()
	d.cands = nil
	merged := cands[:0]
	for _, c := range cands {
		if k := len(merged) - 1; k >= 0 && merged[k].rva == c.rva {
			m := &merged[k]
			if m.name == 0 {
				m.name = c.name
			}
			if m.size == 0 {
				m.size = c.size
			}
			continue
		}
		merged = append(merged, c)
	}
	d.attachFragments(merged)
	n := 0
	for i := range merged {
		if merged[i].size > 0 {
			n++
		}
	}
	sized = prefault(make([]candidate, 0, n))
	open = prefault(make([]candidate, 0, len(merged)-n))
	for _, c := range merged {
		if c.size == 0 {
			open = append(open, c)
			continue
		}
		c.size = d.clipToFile(c.rva, c.size)
		sized = append(sized, c)
	}
	return sized, open
}

// sorted returns the candidates sorted by RVA, those of one RVA in the
// order they were added. Sources add in runs of their own order, most of
// them sorted (pdata, symbols, pclntab), which sortRuns merges.
func (d *discovery) sorted() []candidate {
	return sortRuns(d.cands, func(c *candidate) uint32 { return c.rva })
}

// sortRuns sorts a by key, stably, when it is made of a few runs already
// sorted: a natural merge sort, which halves the number of runs each pass,
// takes one or two passes. It may return a different slice than a.
func sortRuns[T any](a []T, key func(*T) uint32) []T {
	var runs []int // where each sorted run of a ends
	for i := 1; i <= len(a); i++ {
		if i == len(a) || key(&a[i]) < key(&a[i-1]) {
			runs = append(runs, i)
		}
	}
	if len(runs) <= 1 {
		return a
	}
	tmp := prefault(make([]T, len(a)))
	for len(runs) > 1 {
		next := runs[:0]
		lo := 0
		for k := 0; k < len(runs); k += 2 {
			if k+1 == len(runs) { // an odd run out: carried over as it is
				copy(tmp[lo:], a[lo:runs[k]])
				next = append(next, runs[k])
				break
			}
			mergeRuns(tmp[lo:runs[k+1]], a[lo:runs[k]], a[runs[k]:runs[k+1]], key)
			lo = runs[k+1]
			next = append(next, lo)
		}
		runs = next
		a, tmp = tmp, a
	}
	return a
}

// mergeRuns merges the sorted x and y into out, x first among equal keys
// (stably).
func mergeRuns[T any](out, x, y []T, key func(*T) uint32) {
	i, j := 0, 0
	for k := range out {
		if j == len(y) || i < len(x) && key(&x[i]) <= key(&y[j]) {
			out[k] = x[i]
			i++
		} else {
			out[k] = y[j]
			j++
		}
	}
}

// attachFragments gives each candidate (sorted, one per RVA) the
// fragments rooted at it, sorted by address and clipped to the file, in
// one shared slice.
func (d *discovery) attachFragments(cands []candidate) {
	if len(d.frags) == 0 {
		return
	}
	slices.SortStableFunc(d.frags, func(x, y fragment) int { return cmp.Or(cmpU32(x.root, y.root), cmpU32(x.r.RVA, y.r.RVA)) })
	all := make([]Range, 0, len(d.frags))
	for i := 0; i < len(d.frags); {
		j := i
		for j < len(d.frags) && d.frags[j].root == d.frags[i].root {
			j++
		}
		k, found := slices.BinarySearchFunc(cands, d.frags[i].root, func(c candidate, rva uint32) int { return cmpU32(c.rva, rva) })
		if found && cands[k].size > 0 {
			start := len(all)
			for _, f := range d.frags[i:j] {
				if f.r.Size = d.clipToFile(f.r.RVA, f.r.Size); f.r.Size > 0 {
					all = append(all, f.r)
				}
			}
			if len(all) > start {
				d.fragLists = append(d.fragLists, all[start:len(all):len(all)])
				cands[k].frags = uint32(len(d.fragLists))
			}
		}
		i = j
	}
	d.frags = nil
}

// clipToFile limits [rva, rva+size) to the file-backed bytes of its section.
func (d *discovery) clipToFile(rva, size uint32) uint32 {
	s := d.b.Section(rva)
	if s == nil || rva-s.RVA >= s.FileSize {
		return 0
	}
	return min(size, s.FileSize-(rva-s.RVA))
}

// admit keeps the open candidates that start in file-backed executable
// bytes no function covers, and sets how far each may extend: to the next
// known start or the end of its section's file data.
func (d *discovery) admit(open []candidate, cov *coverage, limits map[uint32]uint32) []candidate {
	var kept []candidate
	for _, c := range open {
		s := d.b.Section(c.rva)
		if s == nil || s.Flags&SectionExec == 0 || c.rva-s.RVA >= s.FileSize || cov.covers(c.rva) {
			if c.name > 0 {
				// A name for a covered address only counts at a function start.
				if k := cov.startAt(c.rva); k != nil && k.Name == "" {
					k.Name = d.names[c.name-1]
				}
			}
			continue
		}
		kept = append(kept, c)
	}
	for i, c := range kept {
		s := d.b.Section(c.rva)
		limit := s.RVA + s.FileSize
		if next := cov.nextStart(c.rva); next < limit {
			limit = next
		}
		if i+1 < len(kept) && kept[i+1].rva < limit {
			limit = kept[i+1].rva
		}
		limits[c.rva] = limit - c.rva
	}
	return kept
}

// finish sorts functions by RVA (carrying fingerprints along), drops empty
// ones and resolves call targets to function indices.
func (d *discovery) finish() {
	b := d.b
	if slices.IsSortedFunc(b.Functions, func(x, y Function) int { return cmpU32(x.RVA, y.RVA) }) &&
		!slices.ContainsFunc(b.Functions, func(f Function) bool { return f.Size == 0 }) {
		d.resolve() // already in order: no copy
		return
	}
	// Sort the three parallel slices by RVA (stably: the order of equal
	// RVAs is their discovery order) in place, following the cycles of
	// the permutation: copies of them would be tens of megabytes of fresh
	// memory in a large image.
	idx := make([]int32, len(b.Functions))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(x, y int32) int { return cmp.Or(cmpU32(b.Functions[x].RVA, b.Functions[y].RVA), int(x-y)) })
	for i := range idx {
		if idx[i] < 0 {
			continue
		}
		f, fp, l := b.Functions[i], b.fps[i], d.lists[i]
		j := i
		for int(idx[j]) != i {
			k := int(idx[j])
			b.Functions[j], b.fps[j], d.lists[j] = b.Functions[k], b.fps[k], d.lists[k]
			idx[j] = -1
			j = k
		}
		b.Functions[j], b.fps[j], d.lists[j] = f, fp, l
		idx[j] = -1
	}
	// Drop the functions left empty, keeping the order.
	n := 0
	for i := range b.Functions {
		if b.Functions[i].Size == 0 {
			b.warnf(-1, "function at %#x has no decodable bytes; dropped", b.Functions[i].RVA)
			continue
		}
		b.Functions[n], b.fps[n], d.lists[n] = b.Functions[i], b.fps[i], d.lists[i]
		n++
	}
	clear(b.Functions[n:]) // drop the names and fragments they hold
	b.Functions, b.fps, d.lists = b.Functions[:n], b.fps[:n], d.lists[:n]
	d.resolve()
}

// resolve turns the call targets, function references and data references
// of every function into the shared tables of the Binary, in parallel, and
// drops the lists.
func (d *discovery) resolve() {
	b := d.b
	b.starts.build(len(b.Functions), func(i int) uint32 { return b.Functions[i].RVA })
	// Offsets first, then each worker fills its functions' slices.
	total, totalData := uint32(0), uint32(0)
	for i, l := range d.lists {
		fp := &b.fps[i]
		fp.callOff, fp.callN = total, l.ncalls+l.nrefs
		fp.drefOff, fp.drefN = totalData, l.ndatas
		total += fp.callN
		totalData += fp.drefN
	}
	b.calls = prefault(make([]int32, total))
	b.drefs = prefault(make([]uint32, totalData))
	parallel(len(d.lists), d.workers, false, func(_ *scratch, i int) {
		l, fp := d.lists[i], &b.fps[i]
		calls := b.calls[fp.callOff : fp.callOff+fp.callN]
		for k, t := range d.refs.code(l) {
			calls[k] = int32(b.functionStart(t))
		}
		copy(b.drefs[fp.drefOff:], d.refs.datas(l))
	}, nil)
	d.lists, d.refs.chunks = nil, nil
}

// coverage answers "is this RVA inside a known function" over main bodies
// and fragments.
type coverage struct {
	ranges []covRange // sorted by RVA, non-overlapping
	starts rvaIndex   // of ranges
}

type covRange struct {
	Range
	fn *Function // set for main bodies only, for naming
}

func newCoverage(funcs []Function) *coverage {
	c := &coverage{}
	c.reset(funcs)
	return c
}

// reset makes c cover funcs, reusing its memory.
func (c *coverage) reset(funcs []Function) {
	n := len(funcs)
	for i := range funcs {
		n += len(funcs[i].Fragments)
	}
	// The functions come in a few sorted runs (see discovery.run), the
	// fragments after them: they are sorted apart, then merged in.
	c.ranges = slices.Grow(c.ranges[:0], n)
	for i := range funcs {
		c.ranges = append(c.ranges, covRange{Range{funcs[i].RVA, funcs[i].Size}, &funcs[i]})
	}
	bodies := len(c.ranges)
	for i := range funcs {
		for _, f := range funcs[i].Fragments {
			c.ranges = append(c.ranges, covRange{Range: f})
		}
	}
	slices.SortFunc(c.ranges[bodies:], func(x, y covRange) int { return cmpU32(x.RVA, y.RVA) })
	c.ranges = sortRuns(c.ranges, func(r *covRange) uint32 { return r.RVA })
	c.starts.build(len(c.ranges), func(i int) uint32 { return c.ranges[i].RVA })
}

func (c *coverage) find(rva uint32) int {
	return sort.Search(len(c.ranges), func(i int) bool { return c.ranges[i].RVA > rva }) - 1
}

func (c *coverage) covers(rva uint32) bool {
	i := c.find(rva)
	return i >= 0 && rva-c.ranges[i].RVA < c.ranges[i].Size
}

func (c *coverage) startAt(rva uint32) *Function {
	i := c.find(rva)
	if i >= 0 && c.ranges[i].RVA == rva {
		return c.ranges[i].fn
	}
	return nil
}

func (c *coverage) nextStart(rva uint32) uint32 {
	i := c.find(rva) + 1
	if i < len(c.ranges) {
		return c.ranges[i].RVA
	}
	return ^uint32(0)
}

func cmpU32(a, b uint32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
