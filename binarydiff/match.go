package binarydiff

import (
	"context"
	"math"
	"runtime/debug"
	"slices"
	"sync"

	"github.com/patchmodel/patchmodel/binarydiff/internal/myers"
	"github.com/zeebo/xxh3"
)

// matcher pairs functions one-to-one. o2n and n2o hold the partner index
// or -1; pass records which pass made each pair (by old index).
type matcher struct {
	ctx      context.Context
	old, new *Binary
	opts     Options
	o2n, n2o []int32
	pass     []Pass
	matched  int
	dmaps    map[[2]*Section]*dataMap   // by old and new section, built on demand
	anchors  map[[2]uint32][]dataAnchor // the anchors of the data maps that built them, by section RVAs (keepAnchors)
	dmapsMu  sync.Mutex
	dataOK   []int8                 // by old index: the data verdict, 0 if not known (see claimData)
	why      map[int32][]ChangedRef // by old index: the differing references of pairs with equal code that are Changed
	items    [2]itemStarts          // old and new: where data items start (see causes.go)
	toks     [2]map[int32]*tokenSet // decoded tokens of small functions, old and new
	scratch  *scratch
	callers  [2]*callerIndex // reverse call graphs, old and new, built on first use
	featAt   [2][]int32      // per side and function: index into feats, -1 if not computed yet
	feats    [2][]features   // secondary features computed so far, per side
	nb       *neighbourhood  // code slots and referrers, built on first use (match_neighbours.go)
}

// bin returns the Binary of a side: 0 old, 1 new.
func (m *matcher) bin(side int) *Binary {
	if side == 0 {
		return m.old
	}
	return m.new
}

// fp returns the fingerprint of function i of a side.
func (m *matcher) fp(side, i int) *fingerprint { return &m.bin(side).fps[i] }

// fn returns function i of a side.
func (m *matcher) fn(side, i int) *Function { return &m.bin(side).Functions[i] }

// ft returns the secondary features of function i of a side, computing
// them if no batch did.
func (m *matcher) ft(side, i int) *features {
	if k := m.featAt[side][i]; k >= 0 {
		return &m.feats[side][k]
	}
	m.computeFeatures(side, []int{i})
	return &m.feats[side][m.featAt[side][i]]
}

// computeFeatures computes the secondary features of functions idx of a
// side that lack them, in parallel.
func (m *matcher) computeFeatures(side int, idx []int) {
	b := m.bin(side)
	at := m.featAt[side]
	idx = slices.DeleteFunc(slices.Clone(idx), func(i int) bool { return at[i] >= 0 })
	if len(idx) == 0 {
		return
	}
	base := len(m.feats[side])
	m.feats[side] = slices.Grow(m.feats[side], len(idx))[:base+len(idx)]
	computeFeatures(b, idx, m.feats[side][base:], m.opts.Workers)
	for k, i := range idx {
		at[i] = int32(base + k)
	}
}

// completeFeatures computes the features of the functions the exact
// passes left unpaired: the structural and similarity passes need them,
// and in a typical diff they are few.
func (m *matcher) completeFeatures() {
	for side, partner := range [2][]int32{m.o2n, m.n2o} {
		var idx []int
		for i, p := range partner {
			if p < 0 {
				idx = append(idx, i)
			}
		}
		m.computeFeatures(side, idx)
	}
}

func newMatcher(ctx context.Context, old, new *Binary, opts Options) *matcher {
	m := &matcher{
		ctx: ctx, old: old, new: new, opts: opts,
		o2n:  make([]int32, len(old.Functions)),
		n2o:  make([]int32, len(new.Functions)),
		pass: make([]Pass, len(old.Functions)),
	}
	for side, b := range [2]*Binary{old, new} {
		m.featAt[side] = make([]int32, len(b.Functions))
		for i := range m.featAt[side] {
			m.featAt[side][i] = -1
		}
	}
	for i := range m.o2n {
		m.o2n[i] = -1
	}
	for i := range m.n2o {
		m.n2o[i] = -1
	}
	return m
}

// namesDiffer reports whether both functions are named, differently, and
// names are in use: then only exact passes may pair them.
func (m *matcher) namesDiffer(oi, ni int) bool {
	a, b := m.old.Functions[oi].Name, m.new.Functions[ni].Name
	return !m.opts.IgnoreSymbols && a != "" && b != "" && a != b
}

// plausible reports whether a non-exact pass may pair oi and ni.
func (m *matcher) plausible(oi, ni int) bool {
	return !m.namesDiffer(oi, ni) && m.score(oi, ni) >= m.opts.Threshold
}

func (m *matcher) pair(oi, ni int, p Pass) {
	m.o2n[oi], m.n2o[ni], m.pass[oi] = int32(ni), int32(oi), p
	m.matched++
}

func (m *matcher) progress(stage string) {
	if m.opts.Progress != nil {
		m.opts.Progress(Progress{Stage: stage, Matched: m.matched, Total: min(len(m.o2n), len(m.n2o))})
	}
}

// run executes the passes from most to least certain.
func (m *matcher) run() error {
	type step struct {
		pass Pass
		run  func()
	}
	steps := []step{
		{PassName, func() {
			if !m.opts.IgnoreSymbols {
				m.namePass()
			}
		}},
		// Same bytes and same meaning: equal bytes alone can mean another
		// thing once moved (a RIP-relative operand reaching another slot).
		{PassExact, func() {
			m.uniqueKeyPass(PassExact, m.exactKey, nil) // match_neighbours.go
		}},
		{PassNormalized, func() {
			m.uniqueKeyPass(PassNormalized, func(side, i int) (uint64, bool) { return m.fp(side, i).norm, true }, nil)
		}},
		{PassName, func() {
			m.completeFeatures()
			if !m.opts.IgnoreSymbols {
				m.nameScopedPass()
			}
		}},
		{PassStructural, m.structuralPasses},
		{PassCallGraph, m.neighbourPasses}, // match_neighbours.go
		{PassCallGraph, m.callGraphPass},
		{PassAlignment, m.addressPasses},
		{PassSimilarity, m.similarityPass},
	}
	for _, s := range steps {
		if err := m.ctx.Err(); err != nil {
			return err
		}
		s.run()
		m.progress("match:" + s.pass.String())
	}
	// A second call-graph and alignment round picks up what the later
	// passes anchored.
	m.callGraphPass()
	m.neighbourPasses()
	m.addressPasses()
	m.dropContradicted()      // match_neighbours.go
	if m.positionPass() > 0 { // match_position.go
		// New anchors: the call graph and neighbourhoods may say more.
		m.callGraphPass()
		m.neighbourPasses()
	}
	return m.ctx.Err()
}

// both runs f and g, concurrently unless Options.Workers is 1. g runs on
// the calling goroutine (Diff's Progress callback relies on it).
func (m *matcher) both(f, g func()) {
	if m.opts.Workers <= 1 {
		f()
		g()
		return
	}
	done := make(chan struct{})
	var faults faultRelay
	go func() {
		defer close(done)
		defer faults.catch(debug.SetPanicOnFault(true))
		f()
	}()
	func() {
		// f must be done before a panic of g (a fault relayed from its
		// workers) leaves: the caller may unmap the images next.
		defer func() { <-done }()
		g()
	}()
	faults.rethrow()
}

// keyFunc computes a pass key for function i of a side; ok=false leaves
// it out.
type keyFunc func(side, i int) (uint64, bool)

// uniqueKeyPass pairs functions whose key is unique among the unpaired
// functions of each side. accept, if set, can veto a pair.
func (m *matcher) uniqueKeyPass(p Pass, key keyFunc, accept func(oi, ni int) bool) {
	type slot struct {
		idx   int32
		count int32
	}
	// collect counts the keys of a side's unpaired functions and, for the
	// old side, lists them with their function in index order.
	type keyed struct {
		key uint64
		idx int32
	}
	collect := func(side int, partner []int32) (map[uint64]slot, []keyed) {
		n := 0
		for _, p := range partner {
			if p < 0 {
				n++
			}
		}
		keys := make(map[uint64]slot, n) // sized once: growing rehashes every key
		var list []keyed
		if side == 0 {
			list = make([]keyed, 0, n)
		}
		for i := range partner {
			if partner[i] >= 0 {
				continue
			}
			k, ok := key(side, i)
			if !ok {
				continue
			}
			s := keys[k]
			keys[k] = slot{int32(i), s.count + 1}
			if side == 0 {
				list = append(list, keyed{k, int32(i)})
			}
		}
		return keys, list
	}
	// The sides are independent (key functions touch only their side's
	// state): collect them concurrently.
	var ok, nk map[uint64]slot
	var olist []keyed
	m.both(func() { ok, olist = collect(0, m.o2n) }, func() { nk, _ = collect(1, m.n2o) })
	for _, o := range olist {
		oi, k := int(o.idx), o.key
		so, sn := ok[k], nk[k]
		if so.count != 1 || sn.count != 1 {
			continue
		}
		if accept != nil && !accept(oi, int(sn.idx)) {
			continue
		}
		m.pair(oi, int(sn.idx), p)
	}
}

// namePass pairs functions by name when the name is unique on both sides.
func (m *matcher) namePass() {
	m.uniqueKeyPass(PassName, func(side, i int) (uint64, bool) {
		name := m.fn(side, i).Name
		return xxh3.HashString(name), name != ""
	}, func(oi, ni int) bool { return m.old.Functions[oi].Name == m.new.Functions[ni].Name })
}

// nameScopedPass pairs functions that share a duplicated name (statics) by
// name and code together, then by name and position among the namesakes
// when both sides have the same number of them.
func (m *matcher) nameScopedPass() {
	named := func(side, i int) (uint64, bool) {
		name := m.fn(side, i).Name
		return xxh3.HashString(name) ^ m.fp(side, i).norm, name != ""
	}
	m.uniqueKeyPass(PassName, named, func(oi, ni int) bool { return m.old.Functions[oi].Name == m.new.Functions[ni].Name })
	groups := func(b *Binary, partner []int32) map[string][]int {
		g := map[string][]int{}
		for i := range b.Functions {
			if partner[i] < 0 && b.Functions[i].Name != "" {
				g[b.Functions[i].Name] = append(g[b.Functions[i].Name], i)
			}
		}
		return g
	}
	og, ng := groups(m.old, m.o2n), groups(m.new, m.n2o)
	for oi := range m.o2n {
		name := m.old.Functions[oi].Name
		if m.o2n[oi] >= 0 || name == "" {
			continue
		}
		a, b := og[name], ng[name]
		if len(a) == 0 || len(a) != len(b) {
			continue
		}
		for k := range a {
			if m.o2n[a[k]] < 0 && m.n2o[b[k]] < 0 && m.score(a[k], b[k]) >= m.opts.Threshold {
				m.pair(a[k], b[k], PassName)
			}
		}
		og[name] = nil
	}
}

// structuralPasses pair by keys that survive small edits, from most to
// least specific, each checked against the threshold.
func (m *matcher) structuralPasses() {
	accept := m.plausible
	// shape is Halvar's triple: blocks, edges, calls.
	shape := func(fp *fingerprint) uint64 {
		return mix64(uint64(fp.blocks)<<40 ^ uint64(fp.edges)<<20 ^ uint64(fp.callN))
	}
	keys := []keyFunc{
		// Same code apart from immediates and displacements.
		func(side, i int) (uint64, bool) { return m.ft(side, i).loose, true },
		// Same code apart from registers and constants.
		func(side, i int) (uint64, bool) { return m.ft(side, i).mnem, true },
		// Same referenced strings and shape.
		func(side, i int) (uint64, bool) {
			fp, ft := m.fp(side, i), m.ft(side, i)
			return mix64(ft.strs ^ uint64(fp.blocks)<<32 ^ uint64(fp.edges)), ft.nstrs > 0
		},
		// Same strings alone.
		func(side, i int) (uint64, bool) { ft := m.ft(side, i); return ft.strs, ft.nstrs > 0 },
		// Same shape plus size, and constants.
		func(side, i int) (uint64, bool) {
			fp := m.fp(side, i)
			return shape(fp) ^ mix64(uint64(fp.insns)) ^ m.ft(side, i).consts, fp.insns > 8
		},
		// Same shape alone.
		func(side, i int) (uint64, bool) { fp := m.fp(side, i); return shape(fp), fp.blocks > 2 },
	}
	for _, k := range keys {
		m.uniqueKeyPass(PassStructural, k, accept)
	}
}

// similarity scores two functions in [0,1]: 1 for equal normalized code;
// for small functions the share of equal instructions in a Myers diff of
// their normalized instruction tokens (counted as a longest common
// subsequence); for larger ones a blend of
// instruction-bigram overlap (MinHash) and of how close their shapes are.
// Equal code up to constants (or registers) scores at least 0.95 (0.9).
func (m *matcher) similarity(oi, ni int) float64 { return m.similarityAbove(oi, ni, 0) }

// score is the similarity the non-exact passes compare with the
// threshold: exact when it reaches Options.Threshold, some lower value
// otherwise (see similarityAbove).
func (m *matcher) score(oi, ni int) float64 {
	return m.similarityAbove(oi, ni, m.opts.Threshold)
}

// similarityAbove returns similarity(oi, ni) when it is at least floor,
// and otherwise some value below floor, found cheaply: the token counts
// and the tokens both functions hold bound how many can be equal, so
// that most unrelated small functions cost a sort-merge.
func (m *matcher) similarityAbove(oi, ni int, floor float64) float64 {
	a, b := m.fp(0, oi), m.fp(1, ni)
	if a.norm == b.norm {
		return 1
	}
	fa, fb := m.ft(0, oi), m.ft(1, ni)
	var least float64 // what the operand-free keys guarantee
	switch {
	case fa.loose == fb.loose:
		least = 0.95 // only immediates or displacements differ
	case fa.mnem == fb.mnem:
		least = 0.9 // only registers, immediates or displacements differ
	}
	var s float64
	if a.insns <= maxTokenSimInsns && b.insns <= maxTokenSimInsns {
		ta, tb := m.tokens(0, oi), m.tokens(1, ni)
		n := len(ta) + len(tb)
		k := min(len(ta), len(tb))
		// eqMin is the fewest equal tokens that score floor (less half a
		// rounding step, and one token of slack for the float arithmetic).
		eqMin := 0
		if least < floor {
			f := floor - 0.0005
			eqMin = max(0, int(min(f*float64(n)/2, f*float64(k)/containmentWeight))-1)
		}
		if eqMin > 0 && sharedTokens(m.sortedTokens(0, oi), m.sortedTokens(1, ni)) < eqMin {
			return least
		}
		// The equal tokens of a Myers diff are a longest common
		// subsequence; the bit-parallel count costs N·M/64 steps where
		// the diff of unrelated code costs (N+M)².
		s = tokenSimilarity(myers.LCSLength(ta, tb), n, k)
	} else {
		ratio := func(x, y uint32) float64 {
			if x == y {
				return 1
			}
			return float64(min(x, y)) / float64(max(x, y))
		}
		shape := (ratio(a.insns, b.insns) + ratio(a.blocks, b.blocks) + ratio(a.edges, b.edges) + ratio(a.callN, b.callN)) / 4
		s = 0.6*sketchSimilarity(fa, fb) + 0.4*shape
	}
	return math.Round(max(s, least)*1000) / 1000
}

// tokenSimilarity scores eq equal tokens of two functions of n tokens in
// all, the smaller of k: the share of equal tokens, or the share of the
// smaller function found in the larger when that is higher.
func tokenSimilarity(eq, n, k int) float64 {
	if n == 0 {
		return 0
	}
	s := float64(2*eq) / float64(n)
	// Containment: code inserted into (or deleted from) a small
	// function keeps all of the smaller side.
	if k > 0 {
		s = max(s, containmentWeight*float64(eq)/float64(k))
	}
	return s
}

// sharedTokens returns the size of the multiset intersection of two
// sorted token lists: an upper bound on the equal tokens of any
// alignment.
func sharedTokens(a, b []uint32) int {
	n := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			n, i, j = n+1, i+1, j+1
		}
	}
	return n
}

// containmentWeight scales the share of the smaller function found in the
// larger one, so that pure insertions score high but below equal code.
const containmentWeight = 0.75

// maxTokenSimInsns is the largest function compared instruction by
// instruction; beyond it the sketch estimate is good and Myers costly.
const maxTokenSimInsns = 256

// tokenSet is the normalized instruction tokens of a function, in order
// and sorted.
type tokenSet struct{ seq, sorted []uint32 }

// tokens returns the normalized instruction tokens of function i of a
// side, decoding it on first use.
func (m *matcher) tokens(side, i int) []uint32 { return m.tokenSet(side, i).seq }

// sortedTokens returns the tokens of function i of a side, sorted.
func (m *matcher) sortedTokens(side, i int) []uint32 { return m.tokenSet(side, i).sorted }

func (m *matcher) tokenSet(side, i int) *tokenSet {
	b := m.bin(side)
	if t, ok := m.toks[side][int32(i)]; ok {
		return t
	}
	if m.toks[side] == nil {
		m.toks[side] = map[int32]*tokenSet{}
	}
	if m.scratch == nil {
		m.scratch = &scratch{keep: true}
	}
	f := b.Functions[i] // a copy: fingerprint may write Size for open functions
	var fp fingerprint
	b.code.fingerprint(b, &f, 0, m.scratch, &fp)
	t := make([]uint32, 2*len(m.scratch.toks))
	seq, sorted := t[:len(t)/2:len(t)/2], t[len(t)/2:]
	for k, h := range m.scratch.toks {
		seq[k] = uint32(h ^ h>>32)
	}
	copy(sorted, seq)
	slices.Sort(sorted)
	ts := &tokenSet{seq, sorted}
	m.toks[side][int32(i)] = ts
	return ts
}

// callGraphPass propagates pairs along the call graph to a fixed point:
// for each pair, its unpaired callees (and callers) are paired when they
// are the only unpaired ones, or by call-site position when both sides
// make the same number of calls.
func (m *matcher) callGraphPass() {
	if m.callers[0] == nil {
		// The two reverse call graphs are independent: build them concurrently.
		m.both(func() { m.callers[0] = callers(m.old) }, func() { m.callers[1] = callers(m.new) })
	}
	callersOld, callersNew := m.callers[0], m.callers[1]
	work := make([]int32, 0, m.matched)
	for oi, ni := range m.o2n {
		if ni >= 0 {
			work = append(work, int32(oi))
		}
	}
	var uo, un []int32
	try := func(a, b []int32) {
		// Most neighbours of a pair are paired already: skip the other
		// side when one side has nothing left to pair.
		if uo = unpaired(uo[:0], a, m.o2n); len(uo) == 0 {
			return
		}
		if un = unpaired(un[:0], b, m.n2o); len(un) == 0 {
			return
		}
		if len(uo) == 1 && len(un) == 1 {
			if m.plausible(int(uo[0]), int(un[0])) {
				m.pair(int(uo[0]), int(un[0]), PassCallGraph)
				work = append(work, uo[0])
			}
			return
		}
		if len(a) != len(b) {
			return
		}
		for k := range a {
			x, y := a[k], b[k]
			if x >= 0 && y >= 0 && m.o2n[x] < 0 && m.n2o[y] < 0 && m.plausible(int(x), int(y)) {
				m.pair(int(x), int(y), PassCallGraph)
				work = append(work, x)
			}
		}
	}
	for steps := 0; len(work) > 0; steps++ {
		if steps&1023 == 0 && m.ctx.Err() != nil {
			return
		}
		oi := work[len(work)-1]
		work = work[:len(work)-1]
		ni := m.o2n[oi]
		try(m.old.callees(int(oi)), m.new.callees(int(ni)))
		try(callersOld.of(int(oi)), callersNew.of(int(ni)))
	}
}

// unpaired appends the distinct unpaired functions among ids.
func unpaired(dst, ids []int32, partner []int32) []int32 {
	for _, id := range ids {
		if id >= 0 && partner[id] < 0 && !slices.Contains(dst, id) {
			dst = append(dst, id)
		}
	}
	return dst
}

// callerIndex is the reverse call graph in compressed form.
type callerIndex struct {
	start []int32
	ids   []int32
}

func (c *callerIndex) of(i int) []int32 { return c.ids[c.start[i]:c.start[i+1]] }

func callers(b *Binary) *callerIndex {
	c := &callerIndex{start: prefault(make([]int32, len(b.Functions)+1))}
	for i := range b.Functions {
		for _, t := range b.callees(i) {
			if t >= 0 {
				c.start[t+1]++
			}
		}
	}
	for i := 1; i < len(c.start); i++ {
		c.start[i] += c.start[i-1]
	}
	c.ids = prefault(make([]int32, c.start[len(c.start)-1]))
	fill := slices.Clone(c.start[:len(b.Functions)])
	for i := range b.Functions {
		for _, t := range b.callees(i) {
			if t >= 0 {
				c.ids[fill[t]] = int32(i)
				fill[t]++
			}
		}
	}
	return c
}

// maxGap bounds the functions on each side of a gap that alignment and
// similarity compare exhaustively.
const maxGap = 64

// addressPasses pairs by place: at the same distance from a pair
// (offsetPass, match_position.go), then in address order between pairs.
func (m *matcher) addressPasses() {
	m.offsetPass()
	m.alignmentPass()
}

// alignmentPass pairs unpaired functions lying between two consecutive
// pairs whose order agrees on both sides (Diaphora's "locally affine"
// functions, BinDiff's address sequence): the old and new gaps are aligned
// in address order, keeping pairs above the threshold.
func (m *matcher) alignmentPass() {
	prevO, prevN := -1, -1
	flush := func(oHi, nHi int) {
		if oHi-prevO-1 > 0 && nHi-prevN-1 > 0 {
			m.alignGap(prevO+1, oHi, prevN+1, nHi)
		}
	}
	for oi, ni := range m.o2n {
		if ni < 0 {
			continue
		}
		if int(ni) > prevN {
			flush(oi, int(ni))
			prevO, prevN = oi, int(ni)
		}
	}
	flush(len(m.o2n), len(m.n2o))
}

// alignGap aligns old[olo:ohi] with new[nlo:nhi] (skipping paired ones) by
// an order-preserving maximum-similarity alignment.
func (m *matcher) alignGap(olo, ohi, nlo, nhi int) {
	var os, ns []int
	for i := olo; i < ohi; i++ {
		if m.o2n[i] < 0 {
			os = append(os, i)
		}
	}
	for i := nlo; i < nhi; i++ {
		if m.n2o[i] < 0 {
			ns = append(ns, i)
		}
	}
	if len(os) == 0 || len(ns) == 0 || len(os) > maxGap || len(ns) > maxGap {
		return
	}
	// score[i][j]: best total over os[i:], ns[j:].
	w := len(ns) + 1
	score := make([]float64, (len(os)+1)*w)
	sim := make([]float64, len(os)*len(ns))
	for i := range os {
		for j := range ns {
			if !m.namesDiffer(os[i], ns[j]) {
				sim[i*len(ns)+j] = m.score(os[i], ns[j])
			}
		}
	}
	for i := len(os) - 1; i >= 0; i-- {
		for j := len(ns) - 1; j >= 0; j-- {
			best := max(score[(i+1)*w+j], score[i*w+j+1])
			if s := sim[i*len(ns)+j]; s >= m.opts.Threshold {
				best = max(best, s+score[(i+1)*w+j+1])
			}
			score[i*w+j] = best
		}
	}
	for i, j := 0, 0; i < len(os) && j < len(ns); {
		s := sim[i*len(ns)+j]
		switch {
		case s >= m.opts.Threshold && score[i*w+j] == s+score[(i+1)*w+j+1]:
			m.pair(os[i], ns[j], PassAlignment)
			i, j = i+1, j+1
		case score[i*w+j] == score[(i+1)*w+j]:
			i++
		default:
			j++
		}
	}
}

// similarityPass pairs what is left by best similarity, comparing each old
// function only with the maxCandidates unpaired new functions closest to
// it in instruction count, so the pass stays O(n log n).
func (m *matcher) similarityPass() {
	const maxCandidates = 16
	var ns []int
	for ni, oi := range m.n2o {
		if oi < 0 {
			ns = append(ns, ni)
		}
	}
	if len(ns) == 0 {
		return
	}
	insns := func(ni int) uint32 { return m.new.fps[ni].insns }
	slices.SortStableFunc(ns, func(a, b int) int { return cmpU32(insns(a), insns(b)) })
	type cand struct {
		s      float64
		oi, ni int
	}
	var cands []cand
	for oi := range m.o2n {
		if m.o2n[oi] >= 0 {
			continue
		}
		if oi&1023 == 0 && m.ctx.Err() != nil {
			return
		}
		n := m.old.fps[oi].insns
		at, _ := slices.BinarySearchFunc(ns, n, func(ni int, n uint32) int { return cmpU32(insns(ni), n) })
		lo, hi := at, at // window [lo,hi) grows towards the closer neighbour
		for hi-lo < maxCandidates && (lo > 0 || hi < len(ns)) {
			if lo == 0 || hi < len(ns) && absDiff(insns(ns[hi]), n) <= absDiff(insns(ns[lo-1]), n) {
				hi++
			} else {
				lo--
			}
		}
		for _, ni := range ns[lo:hi] {
			if m.namesDiffer(oi, ni) {
				continue
			}
			if s := m.score(oi, ni); s >= m.opts.Threshold {
				cands = append(cands, cand{s, oi, ni})
			}
		}
	}
	slices.SortStableFunc(cands, func(a, b cand) int {
		switch {
		case a.s > b.s:
			return -1
		case a.s < b.s:
			return 1
		case a.oi != b.oi:
			return a.oi - b.oi
		}
		return a.ni - b.ni
	})
	for _, c := range cands {
		if m.o2n[c.oi] < 0 && m.n2o[c.ni] < 0 {
			m.pair(c.oi, c.ni, PassSimilarity)
		}
	}
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

// sectionsDisjoint reports whether no two sections of b overlap.
func sectionsDisjoint(b *Binary) bool {
	idx := make([]int, 0, len(b.Sections))
	for i := range b.Sections {
		if b.Sections[i].Size > 0 {
			idx = append(idx, i)
		}
	}
	slices.SortFunc(idx, func(x, y int) int { return cmpU32(b.Sections[x].RVA, b.Sections[y].RVA) })
	for k := 1; k < len(idx); k++ {
		p, q := &b.Sections[idx[k-1]], &b.Sections[idx[k]]
		if uint64(p.RVA)+uint64(p.Size) > uint64(q.RVA) {
			return false
		}
	}
	return true
}
