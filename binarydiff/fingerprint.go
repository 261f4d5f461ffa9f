package binarydiff

import (
	"math/bits"
	"sync"
	"sync/atomic"
)

// sketchBins is the number of one-permutation MinHash bins per function.
const sketchBins = 16

// fingerprint is everything the matcher knows about a function, computed
// by one decode of its bytes.
type fingerprint struct {
	exact  uint64 // xxh3 of the raw bytes
	norm   uint64 // xxh3 of the normalized instruction stream (see doc.go)
	loose  uint64 // hash of the instruction stream without immediates, displacements and targets
	mnem   uint64 // hash of the mnemonic stream: no registers, immediates, displacements or targets
	insns  uint32 // instructions decoded
	blocks uint32 // basic blocks
	edges  uint32 // intra-function control-flow edges
	bad    uint32 // undecodable bytes
	strs   uint64 // sum of xxh3 of referenced strings (order-independent)
	nstrs  uint32
	consts uint64 // sum of mixed immediates >= 0x100 (order-independent)
	sketch [sketchBins]uint32
	full   bool // loose, mnem, strs, consts and sketch are set

	callRVAs []uint32 // direct call targets in call-site order, during discovery
	refRVAs  []uint32 // code addresses referenced by operands (function pointers), in order
	dataRVAs []uint32 // data addresses referenced by operands, in order
	drefOff  uint32   // then: data references as a slice of Binary.drefs
	drefN    uint32
	callOff  uint32 // then: callees and referenced functions as indices into Binary.calls
	callN    uint32
}

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
	// f.Size to where its reachable code ends.
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
	toks    []uint64 // per-instruction hash of the normalized form (keep)
	irefs   []uint32 // per instruction: the code address it calls or refers to, 0 if none (keep)
	iref    uint32
	calls   []uint32 // call targets, function references and data references of the
	refs    []uint32 // function being decoded, before they are copied to its fingerprint
	datas   []uint32
	starts  []uint64 // bitset over code offsets: an instruction starts here
	targets []uint64 // bitset: an intra-function branch targets this offset
	after   []uint64 // bitset: the previous instruction transfers control
	sec     *Section // last section an operand pointed into
	arena   []uint32 // backing store for the lists clone32 hands out
	keep    bool     // keep insts and toks (for Explain and token similarity); implies full
	full    bool     // compute the secondary features too
	str     [64]byte
}

// clone32 copies p into the worker's arena, so a function's reference
// lists cost no allocation of their own: the arena grows by chunks, only
// ever forward (lists handed out stay valid), and a chunk is freed when
// discovery has dropped every list in it. Empty lists are nil.
func (s *scratch) clone32(p []uint32) []uint32 {
	n := len(p)
	if n == 0 {
		return nil
	}
	if cap(s.arena)-len(s.arena) < n {
		s.arena = make([]uint32, 0, max(arenaChunk, n))
	}
	l := len(s.arena)
	s.arena = append(s.arena, p...)
	return s.arena[l : l+n : l+n]
}

const arenaChunk = 16 << 10

// fingerprintAll fingerprints the functions todo with a bounded pool of
// workers. Each worker writes only its own functions' slots, so the result
// does not depend on scheduling.
func fingerprintAll(b *Binary, todo []int, limits map[uint32]uint32, workers int) {
	if workers < 1 {
		workers = 1
	}
	const chunk = 32
	if len(todo) == 0 {
		return
	}
	workers = min(workers, (len(todo)+chunk-1)/chunk)
	var next atomic.Int64
	var wg sync.WaitGroup
	work := func() {
		defer wg.Done()
		s := &scratch{}
		for {
			lo := int(next.Add(chunk)) - chunk
			if lo >= len(todo) {
				return
			}
			for _, i := range todo[lo:min(lo+chunk, len(todo))] {
				f := &b.Functions[i]
				var limit uint32
				if f.Size == 0 {
					limit = limits[f.RVA]
				}
				b.code.fingerprint(b, f, limit, s, &b.fps[i])
			}
		}
	}
	wg.Add(workers)
	for w := 1; w < workers; w++ {
		go work()
	}
	work()
	wg.Wait()
}

// fullFingerprints computes complete fingerprints (with the secondary
// features) of functions idx of b into out[k] for idx[k], with a bounded
// pool of workers.
func fullFingerprints(b *Binary, idx []int, out []fingerprint, workers int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	const chunk = 32
	workers = max(1, min(workers, (len(idx)+chunk-1)/chunk))
	work := func() {
		defer wg.Done()
		s := &scratch{full: true}
		for {
			lo := int(next.Add(chunk)) - chunk
			if lo >= len(idx) {
				return
			}
			for k := lo; k < min(lo+chunk, len(idx)); k++ {
				f := b.Functions[idx[k]] // a copy: sizes are final
				fp := &out[k]
				b.code.fingerprint(b, &f, 0, s, fp)
				fp.callRVAs, fp.refRVAs, fp.dataRVAs = nil, nil, nil
				// Keep the resolved graph of the parsed fingerprint.
				orig := &b.fps[idx[k]]
				fp.callOff, fp.callN, fp.drefOff, fp.drefN = orig.callOff, orig.callN, orig.drefOff, orig.drefN
			}
		}
	}
	wg.Add(workers)
	for w := 1; w < workers; w++ {
		go work()
	}
	work()
	wg.Wait()
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
func (fp *fingerprint) addSketch(h uint64) {
	bin := h >> 60
	if v := uint32(h); v < fp.sketch[bin] {
		fp.sketch[bin] = v
	}
}

// sketchSimilarity estimates the Jaccard similarity of two functions'
// instruction bigram sets from their sketches: the share of bins, non-empty
// on either side, whose minima agree.
func sketchSimilarity(a, b *fingerprint) float64 {
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
