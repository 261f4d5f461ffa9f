package binarydiff

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
)

// maxDiscoveryRounds bounds the call-target discovery: each round decodes
// the functions found by the previous one.
const maxDiscoveryRounds = 8

// candidate is a function start seen in metadata, before extents are known.
type candidate struct {
	rva   uint32
	size  uint32 // 0 when the metadata gives no size (exports, symbols, entry, call targets)
	src   Source
	name  string
	frags []Range
}

// discovery collects function starts from cheapest to dearest source, then
// decodes them (fingerprinting at the same time) to find call targets.
type discovery struct {
	b       *Binary
	cands   map[uint32]*candidate
	order   []*candidate // cands in the order added: metadata order, mostly sorted
	slab    []candidate  // where new candidates are allocated, a chunk at a time
	lists   []refLists   // per function of b: what its decode referred to, in refs
	refs    refStore
	workers int
}

func newDiscovery(b *Binary) *discovery {
	return &discovery{b: b, cands: make(map[uint32]*candidate)}
}

// add records a function start. The first source to see a start keeps it;
// later sources may only add a name or a size.
func (d *discovery) add(rva, size uint32, src Source, name string) {
	c := d.cands[rva]
	if c == nil {
		c = d.newCandidate(candidate{rva: rva, size: size, src: src, name: name})
		d.cands[rva] = c
		d.order = append(d.order, c)
		return
	}
	if c.name == "" {
		c.name = name
	}
	if c.size == 0 {
		c.size = size
	}
}

// reserve makes room for n more candidates, so that a large table does
// not grow the map step by step.
func (d *discovery) reserve(n int) {
	if len(d.cands) == 0 && n > 0 {
		d.cands = make(map[uint32]*candidate, n)
	}
	d.order = slices.Grow(d.order, n)
}

// newCandidate allocates c from the slab: one allocation per chunk, not
// per function.
func (d *discovery) newCandidate(c candidate) *candidate {
	if len(d.slab) == cap(d.slab) {
		d.slab = make([]candidate, 0, 1024)
	}
	d.slab = append(d.slab, c)
	return &d.slab[len(d.slab)-1]
}

func (d *discovery) addFragment(root uint32, r Range) {
	if c := d.cands[root]; c != nil {
		c.frags = append(c.frags, r)
	}
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
		funcs = append(funcs, Function{RVA: c.rva, Size: c.size, Name: c.name, Source: c.src, Fragments: c.frags})
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
		for _, c := range pending {
			b.Functions = append(b.Functions, Function{RVA: c.rva, Name: c.name, Source: c.src})
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
		var targets []*candidate
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
				c := d.newCandidate(candidate{rva: t, src: SourceCallTarget})
				d.cands[t] = c
				targets = append(targets, c)
			}
		}
		if len(targets) == 0 {
			break
		}
		slices.SortFunc(targets, func(x, y *candidate) int { return cmpU32(x.rva, y.rva) })
		todo = todo[:0]
		pending = d.admit(targets, cov, limits)
	}
	d.finish()
	return nil
}

// split separates sized candidates (pdata) from open ones and sorts both.
func (d *discovery) split() (sized, open []*candidate) {
	for _, c := range d.order {
		if c.size > 0 {
			sized = append(sized, c)
		} else {
			open = append(open, c)
		}
	}
	d.order = nil
	byRVA := func(x, y *candidate) int { return cmpU32(x.rva, y.rva) }
	for _, l := range [][]*candidate{sized, open} {
		if !slices.IsSortedFunc(l, byRVA) {
			slices.SortFunc(l, byRVA)
		}
	}
	for _, c := range sized {
		slices.SortFunc(c.frags, func(x, y Range) int { return cmpU32(x.RVA, y.RVA) })
		c.size = d.clipToFile(c.rva, c.size)
		kept := c.frags[:0]
		for _, f := range c.frags {
			if f.Size = d.clipToFile(f.RVA, f.Size); f.Size > 0 {
				kept = append(kept, f)
			}
		}
		c.frags = kept
	}
	return sized, open
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
func (d *discovery) admit(open []*candidate, cov *coverage, limits map[uint32]uint32) []*candidate {
	var kept []*candidate
	for _, c := range open {
		s := d.b.Section(c.rva)
		if s == nil || s.Flags&SectionExec == 0 || c.rva-s.RVA >= s.FileSize || cov.covers(c.rva) {
			if c.name != "" {
				// A name for a covered address only counts at a function start.
				if k := cov.startAt(c.rva); k != nil && k.Name == "" {
					k.Name = c.name
				}
			}
			delete(d.cands, c.rva)
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
			b.Warnings = append(b.Warnings, Warning{Off: -1, Msg: fmt.Sprintf("function at %#x has no decodable bytes; dropped", b.Functions[i].RVA)})
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
	starts startIndex // of ranges
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
	c.ranges = slices.Grow(c.ranges[:0], n)
	for i := range funcs {
		c.ranges = append(c.ranges, covRange{Range{funcs[i].RVA, funcs[i].Size}, &funcs[i]})
		for _, f := range funcs[i].Fragments {
			c.ranges = append(c.ranges, covRange{Range: f})
		}
	}
	slices.SortFunc(c.ranges, func(x, y covRange) int { return cmpU32(x.RVA, y.RVA) })
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
