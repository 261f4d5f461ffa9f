package binarydiff

import (
	"math/bits"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/zeebo/xxh3"
)

// sketchBins is the number of one-permutation MinHash bins per function.
const sketchBins = 16

// fingerprint is what the matcher knows about every function, computed
// by one decode of its bytes. It holds no pointers, so a Binary's
// fingerprints cost the garbage collector nothing to scan.
type fingerprint struct {
	exact   uint64 // xxh3 of the raw bytes
	norm    uint64 // xxh3 of the normalized instruction stream (see doc.go)
	insns   uint32 // instructions decoded
	blocks  uint32 // basic blocks
	edges   uint32 // intra-function control-flow edges
	bad     uint32 // undecodable bytes
	callOff uint32 // callees and referenced functions: a slice of Binary.calls
	callN   uint32
	drefOff uint32 // data references: a slice of Binary.drefs
	drefN   uint32
}

// features are the secondary features of a function. Only functions the
// exact passes leave unpaired, and Changed pairs, need them, so Diff
// computes them on demand rather than keeping them for every function.
type features struct {
	loose  uint64 // hash of the instruction stream without immediates, displacements and targets
	mnem   uint64 // hash of the mnemonic stream: no registers, immediates, displacements or targets
	strs   uint64 // sum of xxh3 of referenced strings (order-independent)
	consts uint64 // sum of mixed immediates >= 0x100 (order-independent)
	nstrs  uint32
	sketch [sketchBins]uint32
}

// refLists locate the addresses a function refers to, as decoding found
// them, in a refStore: its direct call targets in call-site order, then the
// code addresses its operands refer to (function pointers, tail calls),
// then its data addresses, one after another in one chunk. Discovery
// resolves them into Binary.calls and Binary.drefs. They hold no pointers,
// so a table of them is not scanned by the garbage collector and can be
// mapped in ahead (see prefault).
type refLists struct {
	chunk, off            uint32
	ncalls, nrefs, ndatas uint32
}

// refStore holds the reference lists of one discovery in chunks, each
// filled by one worker without locking; only taking a chunk locks.
type refStore struct {
	mu     sync.Mutex
	chunks [][]uint32
}

// add registers a new chunk of n entries and returns it with its index.
func (rs *refStore) add(n int) ([]uint32, uint32) {
	c := prefault(make([]uint32, n))
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.chunks = append(rs.chunks, c)
	return c[:0], uint32(len(rs.chunks) - 1)
}

// list returns the n entries of l's chunk from its from-th on.
func (rs *refStore) list(l refLists, from, n uint32) []uint32 {
	if n == 0 {
		return nil
	}
	return rs.chunks[l.chunk][l.off+from : l.off+from+n]
}

// calls returns the direct call targets of l.
func (rs *refStore) calls(l refLists) []uint32 { return rs.list(l, 0, l.ncalls) }

// code returns the call targets and then the referenced code addresses of
// l: what resolve turns into callees.
func (rs *refStore) code(l refLists) []uint32 { return rs.list(l, 0, l.ncalls+l.nrefs) }

// datas returns the data addresses of l.
func (rs *refStore) datas(l refLists) []uint32 { return rs.list(l, l.ncalls+l.nrefs, l.ndatas) }

// callees returns the indices of the functions f calls directly, in
// call-site order, then of the functions whose address it takes, in order;
// -1 marks an address that starts no function.
func (b *Binary) callees(i int) []int32 {
	fp := &b.fps[i]
	return b.calls[fp.callOff : fp.callOff+fp.callN]
}

// dataRefs returns the data addresses function i refers to, in order.
func (b *Binary) dataRefs(i int) []uint32 {
	fp := &b.fps[i]
	return b.drefs[fp.drefOff : fp.drefOff+fp.drefN]
}

// isa decodes and fingerprints functions of one instruction set. It is the
// seam for more architectures: the matcher only sees fingerprints.
type isa interface {
	// fingerprint decodes function f of b. If limit > 0 the function has no
	// size from metadata: it may extend limit bytes and fingerprint sets
	// f.Size to where its reachable code ends. The references found are
	// left in s.calls, s.refs and s.datas, and with s.full (or s.keep) the
	// secondary features in s.ft.
	fingerprint(b *Binary, f *Function, limit uint32, s *scratch, fp *fingerprint)
	// disasm formats one instruction at rva for people.
	disasm(b *Binary, code []byte, rva uint32) string
}

// scratch is per-worker reusable memory, so fingerprinting allocates
// nothing per instruction.
type scratch struct {
	code    []byte
	ranges  []Range
	bases   []uint32 // offset of each range in code
	insts   []insn
	norm    []byte
	toks    []uint64   // per-instruction hash of the normalized form (keep)
	irefs   []uint32   // per instruction: the code address it calls or refers to, 0 if none (keep)
	refAt   []refCount // per instruction: the references found up to its end (keep)
	iref    uint32
	calls   []uint32    // call targets, function references and data references of the
	refs    []uint32    // function being decoded, before fingerprintAll copies them to
	datas   []uint32    // its refLists
	starts  []uint64    // bitset over code offsets: an instruction starts here
	targets []uint64    // bitset: an intra-function branch targets this offset
	after   []uint64    // bitset: the previous instruction transfers control
	sec     *Section    // last section an operand pointed into
	secTag  uint64      // xxh3 of its name (Binary.secTags)
	dec     decodeState // generic decoders' state (isa_generic.go)
	ins     genInsn
	chunk   []uint32 // the worker's chunk of its refStore (see store)
	chunkID uint32
	keep    bool     // keep insts and toks (for Explain and token similarity); implies full
	full    bool     // compute the secondary features too, into ft
	ft      features // the secondary features of the function decoded last
	str     [64]byte
}

// begin readies s to decode function f (see isa.fingerprint): its ranges
// and their offsets in its code, cleared bitsets, lists and features. It
// returns the function's code: in place in a mapped image, or else copied
// into s.code followed by 16 zero bytes (so an instruction can be read as
// two words at any offset, which features do).
func (s *scratch) begin(b *Binary, f *Function, limit uint32) []byte {
	s.sec = nil
	s.ranges = s.ranges[:0]
	if limit > 0 {
		s.ranges = append(s.ranges, Range{f.RVA, limit})
	} else {
		s.ranges = append(s.ranges, Range{f.RVA, f.Size})
		s.ranges = append(s.ranges, f.Fragments...)
	}
	total := 0
	s.bases = s.bases[:0]
	var code []byte
	for _, r := range s.ranges {
		s.bases = append(s.bases, uint32(total))
		total += int(r.Size)
	}
	// The code of a function in one piece is read in place when b is
	// mapped; features read 16 bytes at a time (load16) and need a copy
	// with room after it.
	if len(s.ranges) == 1 && !s.full && !s.keep {
		code = b.view(f.RVA, uint32(total))
	}
	if code == nil {
		if cap(s.code) < total+16 {
			s.code = make([]byte, total+16)
		}
		code = s.code[:total]
		clear(s.code[total : total+16])
		for i, r := range s.ranges {
			if err := b.readRVA(code[s.bases[i]:s.bases[i]+r.Size], r.RVA); err != nil {
				clear(code[s.bases[i] : s.bases[i]+r.Size])
			}
		}
	}
	words := (total + 64) / 64
	if cap(s.starts) < words {
		s.starts = make([]uint64, words)
		s.targets = make([]uint64, words)
		s.after = make([]uint64, words)
	}
	s.starts, s.targets, s.after = s.starts[:words], s.targets[:words], s.after[:words]
	clear(s.starts)
	clear(s.targets)
	clear(s.after)
	s.insts, s.norm, s.toks, s.irefs, s.refAt = s.insts[:0], s.norm[:0], s.toks[:0], s.irefs[:0], s.refAt[:0]
	s.calls, s.refs, s.datas = s.calls[:0], s.refs[:0], s.datas[:0]
	if s.full || s.keep {
		s.ft.reset()
	}
	return code
}

// refCount counts the references of a function decoded so far: calls,
// other code references (both callees, see Binary.callees) and data
// references. Explain finds the instruction of a reference from them.
type refCount struct{ calls, refs, datas uint32 }

// counts returns the references found so far.
func (s *scratch) counts() refCount {
	return refCount{uint32(len(s.calls)), uint32(len(s.refs)), uint32(len(s.datas))}
}

// shape sets the block and edge counts of fp from the bitsets. Blocks
// start at the entry, at branch targets and after transfers of control;
// edges are taken branches plus fall-throughs into targets.
func (s *scratch) shape(fp *fingerprint, jccIntra, jccOut, jmpIntra uint32) {
	if fp.insns > 0 {
		setBit(s.after, 0)
	}
	var blocks, fallInto uint32
	for w, st := range s.starts {
		blocks += uint32(bits.OnesCount64(st & (s.targets[w] | s.after[w])))
		fallInto += uint32(bits.OnesCount64(st & s.targets[w] &^ s.after[w]))
	}
	fp.blocks = blocks
	fp.edges = 2*jccIntra + jccOut + jmpIntra + fallInto
}

// store copies the lists of the function decoded last (s.calls, s.refs,
// s.datas) into the worker's chunk of rs, so that they cost no allocation
// of their own. A worker's chunks grow geometrically: a discovery round
// that decodes a handful of functions takes little memory.
func (s *scratch) store(rs *refStore) refLists {
	n := len(s.calls) + len(s.refs) + len(s.datas)
	if n == 0 {
		return refLists{}
	}
	if cap(s.chunk)-len(s.chunk) < n {
		s.chunk, s.chunkID = rs.add(max(n, min(maxChunk, 2*cap(s.chunk)), minChunk))
	}
	l := refLists{s.chunkID, uint32(len(s.chunk)), uint32(len(s.calls)), uint32(len(s.refs)), uint32(len(s.datas))}
	s.chunk = append(append(append(s.chunk, s.calls...), s.refs...), s.datas...)
	return l
}

// The sizes of a worker's chunks of references, in entries.
const (
	minChunk = 4 << 10
	maxChunk = 256 << 10
)

// fingerprintAll fingerprints the functions todo with a bounded pool of
// workers, leaving the references of function i in rs, located by
// lists[i]. Each worker writes only its own functions' slots, so the
// result does not depend on scheduling. todo is sorted into address order,
// so that the pages of code every worker is past can be released (see
// releaseBehind).
func fingerprintAll(b *Binary, todo []int, limits map[uint32]uint32, rs *refStore, lists []refLists, workers int) {
	slices.SortFunc(todo, func(x, y int) int { return cmpU32(b.Functions[x].RVA, b.Functions[y].RVA) })
	if len(b.secTags) != len(b.Sections) { // once per image (see sectionTag)
		b.secTags = make([]uint64, len(b.Sections))
		for i := range b.Sections {
			b.secTags[i] = xxh3.HashString(b.Sections[i].Name)
		}
	}
	rb := newReleaseBehind(b, todo)
	parallel(len(todo), workers, false, func(s *scratch, k int) {
		i := todo[k]
		f := &b.Functions[i]
		var limit uint32
		if f.Size == 0 {
			limit = limits[f.RVA]
		}
		b.code.fingerprint(b, f, limit, s, &b.fps[i])
		lists[i] = s.store(rs)
	}, rb.done)
}

// releaser is implemented by readers that can give back pages already
// read: a memory mapping (see mapping.release).
type releaser interface{ release(off, n int64) }

// releaseBehind releases the file pages of code that every worker has
// decoded, so that the resident set of a large image is its heap and a
// window of code rather than the whole file. Later reads of released
// code (explanations, features of unpaired functions) map it again.
type releaseBehind struct {
	b        *Binary
	r        releaser
	todo     []int
	mu       sync.Mutex
	finished []bool // per chunk of todo
	low      int    // chunks [0, low) are finished
	upTo     uint32 // code below this RVA has been released
}

// releaseStep is the least code released at once, to keep the system
// calls few.
const releaseStep = 1 << 20

func newReleaseBehind(b *Binary, todo []int) *releaseBehind {
	r, ok := b.r.(releaser)
	if !ok || len(todo) == 0 {
		return nil
	}
	return &releaseBehind{b: b, r: r, todo: todo, finished: make([]bool, (len(todo)+chunkSize-1)/chunkSize)}
}

// done records that todo[lo:hi] (one chunk) is decoded.
func (rb *releaseBehind) done(lo, hi int) {
	if rb == nil {
		return
	}
	rb.mu.Lock()
	defer rb.mu.Unlock()
	rb.finished[lo/chunkSize] = true
	for rb.low < len(rb.finished) && rb.finished[rb.low] {
		rb.low++
	}
	next := ^uint32(0) // everything decoded
	if k := rb.low * chunkSize; k < len(rb.todo) {
		next = rb.b.Functions[rb.todo[k]].RVA
	}
	if next-rb.upTo < releaseStep && next != ^uint32(0) {
		return
	}
	releaseCode(rb.b, rb.r, rb.upTo, next)
	rb.upTo = next
}

// releaseAllCode gives back the file pages of all of b's code, if b is
// mapped: after the matching, which reads code all over both images, and
// before the classification, which reads little of it.
func releaseAllCode(b *Binary) {
	if r, ok := b.r.(releaser); ok {
		releaseCode(b, r, 0, ^uint32(0))
	}
}

// releaseCode gives back the file pages of the code in [lo, hi).
func releaseCode(b *Binary, r releaser, lo, hi uint32) {
	for _, s := range b.Sections {
		if s.Flags&SectionExec == 0 {
			continue
		}
		if lo, hi := max(lo, s.RVA), min(hi, s.RVA+s.FileSize); lo < hi {
			r.release(s.Offset+int64(lo-s.RVA), int64(hi-lo))
		}
	}
}

// computeFeatures computes the secondary features of functions idx of b
// into out[k] for idx[k], with a bounded pool of workers. A batch of
// scattered functions (those the exact passes left unpaired: a third of
// a large C++ library with names ignored) maps in most of the code, a
// page and the pages around it for each function, so a large batch gives
// back the code it spanned when it is done (see releaseBehind).
func computeFeatures(b *Binary, idx []int, out []features, workers int) {
	parallel(len(idx), workers, true, func(s *scratch, k int) {
		f := b.Functions[idx[k]] // a copy: sizes are final
		var fp fingerprint
		b.code.fingerprint(b, &f, 0, s, &fp)
		out[k] = s.ft
	}, nil)
	r, ok := b.r.(releaser)
	if !ok {
		return
	}
	lo, hi, n := ^uint32(0), uint32(0), uint64(0)
	for _, i := range idx {
		f := &b.Functions[i]
		lo, hi, n = min(lo, f.RVA), max(hi, f.RVA+f.Size), n+uint64(f.Size)
		for _, fr := range f.Fragments {
			lo, hi, n = min(lo, fr.RVA), max(hi, fr.End()), n+uint64(fr.Size)
		}
	}
	if n >= releaseStep {
		releaseCode(b, r, lo, hi)
	}
}

// chunkSize is how many consecutive items a worker of parallel takes at
// once.
const chunkSize = 32

// parallel calls do(s, k) for k in [0, n) from a bounded pool of workers,
// each with its own scratch, handing out chunks of consecutive k (for
// functions in address order, each worker reads nearby bytes) and calling
// done, if not nil, after each chunk.
func parallel(n, workers int, full bool, do func(s *scratch, k int), done func(lo, hi int)) {
	workers = max(1, min(workers, (n+chunkSize-1)/chunkSize))
	var next atomic.Int64
	var wg sync.WaitGroup
	var faults faultRelay // a fault on a mapped image reaches the caller (see fault.go)
	work := func() {
		defer wg.Done()
		defer faults.catch(debug.SetPanicOnFault(true))
		s := &scratch{full: full}
		for {
			lo := int(next.Add(chunkSize)) - chunkSize
			if lo >= n {
				return
			}
			hi := min(lo+chunkSize, n)
			for k := lo; k < hi; k++ {
				do(s, k)
			}
			if done != nil {
				done(lo, hi)
			}
		}
	}
	wg.Add(workers)
	for w := 1; w < workers; w++ {
		go work()
	}
	work()
	wg.Wait()
	faults.rethrow()
}

// mix64 is a strong 64-bit finalizer (from MurmurHash3's fmix64).
func mix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// hashToken hashes a short byte string (one instruction's normalized form).
func hashToken(p []byte) uint64 {
	h := uint64(len(p)) * 0x9E3779B97F4A7C15
	for len(p) >= 8 {
		v := uint64(p[0]) | uint64(p[1])<<8 | uint64(p[2])<<16 | uint64(p[3])<<24 |
			uint64(p[4])<<32 | uint64(p[5])<<40 | uint64(p[6])<<48 | uint64(p[7])<<56
		h = bits.RotateLeft64(h^v, 29) * 0xbf58476d1ce4e5b9
		p = p[8:]
	}
	var v uint64
	for i, c := range p {
		v |= uint64(c) << (8 * i)
	}
	return mix64(h ^ v)
}

// addSketch folds an instruction-bigram hash into a one-permutation MinHash.
// h must already be well mixed.
func (ft *features) addSketch(h uint64) {
	bin := h >> 60
	if v := uint32(h); v < ft.sketch[bin] {
		ft.sketch[bin] = v
	}
}

// reset empties the features before a decode.
func (ft *features) reset() {
	*ft = features{}
	for i := range ft.sketch {
		ft.sketch[i] = ^uint32(0)
	}
}

// sketchSimilarity estimates the Jaccard similarity of two functions'
// instruction bigram sets from their sketches: the share of bins, non-empty
// on either side, whose minima agree.
func sketchSimilarity(a, b *features) float64 {
	same, used := 0, 0
	for i := range a.sketch {
		if a.sketch[i] == ^uint32(0) && b.sketch[i] == ^uint32(0) {
			continue
		}
		used++
		if a.sketch[i] == b.sketch[i] {
			same++
		}
	}
	if used == 0 {
		return 1
	}
	return float64(same) / float64(used)
}
