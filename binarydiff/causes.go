package binarydiff

import (
	"encoding/binary"
	"sort"
	"sync"
)

// A pair with equal normalized code is Changed when a callee or a data
// reference differs (see claimData); these say which, so that every
// Changed carries its causes (FunctionDiff.Cause, FunctionDiff.Refs).

// judge settles a data reference, old offset a and new offset b in dm's
// sections, by what it reads (see dataMap.content): different bytes are a
// change wherever the data lies, unless they are offsets into code that
// reach the same place of paired functions (see codeOffsetsAgree); equal
// bytes in read-only data are no change, wherever the data moved and
// whatever moved around it, since the code reads the same value. ok is
// false when the bytes cannot settle it: uninitialized data, which has
// none, and equal bytes in writable data, where which variable is
// referred to matters; the data map decides those.
func (w *dataWalker) judge(dm *dataMap, a, b uint32) (agree, ok bool) {
	ra, rb := dm.oldRVA+a, dm.newRVA+b
	var eq, in bool
	n := uint32(0)
	if dm.pointerLed(a, b) {
		n = w.m.recordSize(ra, rb)
	}
	if n > 8 {
		// A record that starts with a pointer, up to the next referenced
		// item on both sides (a Rust panic Location, a vtable): read whole,
		// NULs and all.
		eq, in = dm.content(a, b, n, false)
	} else if eq, in = dm.content(a, b, 8, true); in && !eq {
		// A small item followed by other data on either side: only its
		// own bytes count.
		if n := w.m.itemSize(ra, rb, 8); n < 8 {
			eq, _ = dm.content(a, b, n, true)
		}
	}
	switch {
	case !in:
		return false, false
	case eq:
		return true, dm.readOnly
	case dm.readOnly && w.m.codeOffsetsAgree(dm, a, b):
		return true, true
	}
	return false, true
}

// imageAddress returns the RVA of virtual address va if it lies in one of
// b's sections.
func imageAddress(b *Binary, va uint64) (uint32, bool) {
	if va < b.ImageBase || va-b.ImageBase >= 1<<32 {
		return 0, false
	}
	rva := uint32(va - b.ImageBase)
	return rva, b.Section(rva) != nil
}

// maxRecord is the most of a record that starts with a pointer a
// reference is taken to read: a Rust panic Location (file name pointer
// and length, line, column) is 24 bytes.
const maxRecord = 32

// recordSize returns how far the items at old RVA a and new RVA b extend
// before the next referenced item, when that is the same on both sides and
// less than maxRecord bytes; 0 otherwise. Where the distances differ,
// something the code does not refer to came or went after the item (a
// string added to a pool), and all of it may not be the record.
func (m *matcher) recordSize(a, b uint32) uint32 {
	n := m.items[0].next(m.old, a, maxRecord)
	if n == 0 || m.items[1].next(m.new, b, maxRecord) != n {
		return 0
	}
	return n
}

// itemStarts is where the data items of one side start, as far as the
// image tells: the data addresses its functions refer to and its
// relocated pointers point to, as a bitmap over the RVAs of its data
// sections (one bit per byte: an eighth of their size, made on first
// need).
type itemStarts struct {
	once sync.Once
	lo   uint32   // the RVA of bit 0
	bits []uint64 // nil when there is no data, or too much of it
}

// maxItemBitmap bounds the data an itemStarts covers: 64 MiB of bits.
const maxItemBitmap = 512 << 20

// itemSize returns how far the items at old RVA a and new RVA b extend at
// least before another referenced item starts, on either side, at most
// max.
func (m *matcher) itemSize(a, b, max uint32) uint32 {
	n := max
	for side, rva := range [2]uint32{a, b} {
		if k := m.items[side].next(m.bin(side), rva, n); k > 0 {
			n = k
		}
	}
	return n
}

// next returns the distance from rva to the next item start, if there is
// one less than max bytes after it, or 0.
func (it *itemStarts) next(b *Binary, rva, max uint32) uint32 {
	it.once.Do(func() { it.build(b) })
	for k := uint32(1); k < max; k++ {
		if i := uint64(rva) + uint64(k) - uint64(it.lo); i < uint64(len(it.bits))*64 && it.bits[i/64]&(1<<(i%64)) != 0 {
			return k
		}
	}
	return 0
}

// build marks the data addresses b's functions refer to and its relocated
// pointers hold.
func (it *itemStarts) build(b *Binary) {
	lo, hi := ^uint32(0), uint32(0)
	for i := range b.Sections {
		if s := &b.Sections[i]; s.Flags&SectionExec == 0 && s.Size > 0 {
			lo, hi = min(lo, s.RVA), max(hi, s.RVA+s.Size)
		}
	}
	if lo >= hi || hi-lo > maxItemBitmap {
		return
	}
	it.lo, it.bits = lo, make([]uint64, (hi-lo+63)/64)
	mark := func(rva uint32) {
		if i := rva - lo; rva >= lo && i < hi-lo {
			it.bits[i/64] |= 1 << (i % 64)
		}
	}
	for _, r := range b.drefs {
		mark(r)
	}
	psz := uint32(8)
	if b.Arch == Arch386 {
		psz = 4
	}
	var buf [8]byte
	for i := range b.Sections {
		s := &b.Sections[i]
		if s.Flags&SectionExec != 0 {
			continue // the addresses code holds are among b.drefs
		}
		relocs := b.relocs.in(s.RVA, s.RVA+s.FileSize)
		if len(relocs) == 0 {
			continue
		}
		// In place when mapped; else a word at a time, not a copy of the
		// section.
		p := b.view(s.RVA, min(s.FileSize, s.Size))
		for _, r := range relocs {
			o := r - s.RVA
			var w []byte
			switch {
			case p != nil && o+psz <= uint32(len(p)):
				w = p[o : o+psz]
			case p == nil && b.readRVA(buf[:psz], r) == nil:
				w = buf[:psz]
			default:
				continue
			}
			if t := b.relocatedPointer(r, readPtr(w, psz)) - b.ImageBase; t < 1<<32 {
				mark(uint32(t))
			}
		}
	}
}

// codeOffsetsAgree reports whether the words a reference reads at old
// offset a and new offset b are jump-table entries that lead to the same
// place: read as 32-bit offsets from the table (as LLVM lays out jump
// tables) or as image-relative addresses (as MSVC does), every word
// reaches the same offset in functions paired with each other. Such
// tables change whenever code moves, and are part of the code they
// belong to.
func (m *matcher) codeOffsetsAgree(dm *dataMap, a, b uint32) bool {
	n := min(8, uint32(len(dm.ob))-a, uint32(len(dm.nb))-b) &^ 3
	if n == 0 {
		return false
	}
	for _, base := range [2][2]uint32{{dm.oldRVA + a, dm.newRVA + b}, {0, 0}} {
		ok := true
		for j := uint32(0); j < n && ok; j += 4 {
			to := base[0] + binary.LittleEndian.Uint32(dm.ob[a+j:])
			tn := base[1] + binary.LittleEndian.Uint32(dm.nb[b+j:])
			ok = m.sameCodePlace(to, tn)
		}
		if ok {
			return true
		}
	}
	return false
}

// sameCodePlace reports whether old RVA to and new RVA tn lie in
// executable sections at the same offset from the starts of two paired
// functions, the last ones starting at or before them: the targets of a
// jump table often lie past the end found for a function that jumps
// through one (code reached only by an indirect jump).
func (m *matcher) sameCodePlace(to, tn uint32) bool {
	fo, fn := lastStart(m.old, to), lastStart(m.new, tn)
	return fo >= 0 && fn >= 0 && m.o2n[fo] == int32(fn) &&
		to-m.old.Functions[fo].RVA == tn-m.new.Functions[fn].RVA &&
		executable(m.old, to) && executable(m.new, tn)
}

// lastStart returns the index of the last function starting at or before
// rva, or -1.
func lastStart(b *Binary, rva uint32) int {
	return sort.Search(len(b.Functions), func(i int) bool { return b.Functions[i].RVA > rva }) - 1
}

func executable(b *Binary, rva uint32) bool {
	s := b.Section(rva)
	return s != nil && s.Flags&SectionExec != 0
}

// explainRejected records in m.why the differing callees and data
// references of every pair with equal normalized code that is not
// Identical or Moved. It runs once the data maps have resolved their
// claims, before their contents are released.
func (m *matcher) explainRejected(disjoint [2]bool) {
	m.why = map[int32][]ChangedRef{}
	var todo []int32
	for oi, ni := range m.o2n {
		if ni >= 0 && m.dataOK[oi] != 1 && m.old.fps[oi].norm == m.new.fps[ni].norm {
			todo = append(todo, int32(oi))
		}
	}
	out := make([][]ChangedRef, len(todo))
	parallel(len(todo), m.opts.Workers, false, func(_ *scratch, k int) {
		oi := int(todo[k])
		ni := int(m.o2n[oi])
		w := dataWalker{m: m, disjoint: disjoint}
		out[k] = w.dataChanges(m.old.dataRefs(oi), m.new.dataRefs(ni), m.calleeChanges(oi, ni, nil))
	}, nil)
	for k, oi := range todo {
		m.dataOK[oi] = 2
		if len(out[k]) == 0 {
			// Every reference agrees when looked at alone: the claims of
			// other pairs decided against it (see dataMap.chain).
			out[k] = []ChangedRef{{Cause: CauseData, Index: -1, Retargeted: true}}
		}
		m.why[oi] = out[k]
	}
}

// calleeChanges appends to out the callees of old function oi and new
// function ni that are not partners (see calleesAgree).
func (m *matcher) calleeChanges(oi, ni int, out []ChangedRef) []ChangedRef {
	co, cn := m.old.callees(oi), m.new.callees(ni)
	rva := func(b *Binary, l []int32, k int) (int32, uint32) {
		if k >= len(l) || l[k] < 0 {
			return -1, 0
		}
		return l[k], b.Functions[l[k]].RVA
	}
	for k := range max(len(co), len(cn)) {
		a, ra := rva(m.old, co, k)
		b, rb := rva(m.new, cn, k)
		if k < len(co) && k < len(cn) && (a < 0) == (b < 0) && (a < 0 || m.o2n[a] == b) {
			continue
		}
		if len(out) == maxChangedRefs {
			break
		}
		out = append(out, ChangedRef{Cause: CauseCallee, Index: k, Old: ra, New: rb})
	}
	return out
}

// dataChanges appends to out the data references ro[k], rn[k] that
// differ, judged as claimData does, the data maps' verdicts known.
func (w *dataWalker) dataChanges(ro, rn []uint32, out []ChangedRef) []ChangedRef {
	for k := range max(len(ro), len(rn)) {
		if len(out) == maxChangedRefs {
			break
		}
		if k >= len(ro) || k >= len(rn) {
			r := ChangedRef{Cause: CauseData, Index: k}
			if k < len(ro) {
				r.Old = ro[k]
			} else {
				r.New = rn[k]
			}
			out = append(out, r)
			continue
		}
		a, b := ro[k], rn[k]
		os, ns := w.section(0, a), w.section(1, b)
		if os == nil || ns == nil {
			if a != b {
				out = append(out, ChangedRef{Cause: CauseData, Index: k, Old: a, New: b})
			}
			continue
		}
		dm := w.dataMap(os, ns)
		ao, bo := a-os.RVA, b-ns.RVA
		if v, ok := w.judge(dm, ao, bo); ok {
			if !v {
				out = append(out, ChangedRef{Cause: CauseData, Index: k, Old: a, New: b})
			}
			continue
		}
		// Equal bytes in writable data, or uninitialized data: the data
		// map's verdict, where one was asked for.
		v, ok := dm.fastShared(ao, bo)
		if !ok {
			if v, ok = dm.verdict[[2]uint32{ao, bo}]; !ok {
				v = true
			}
		}
		if !v {
			out = append(out, ChangedRef{Cause: CauseData, Index: k, Old: a, New: b, Retargeted: true})
		}
	}
	return out
}
