package binarydiff

import (
	"debug/pe"
	"encoding/binary"
	"slices"
	"sort"
)

// runtimeFunction is an x64 RUNTIME_FUNCTION entry of the exception directory.
type runtimeFunction struct {
	BeginAddress      uint32
	EndAddress        uint32
	UnwindInfoAddress uint32
}

const (
	sizeofRuntimeFunction = 12
	// UNW_FLAG_CHAININFO marks an UNWIND_INFO whose function is a fragment
	// of the function described by the RUNTIME_FUNCTION that follows the
	// unwind codes.
	UNW_FLAG_CHAININFO = 0x4
	// maxChainDepth bounds chained unwind walks; real chains are 1-2 deep.
	maxChainDepth = 32
)

// pdataFunctions adds one function per primary RUNTIME_FUNCTION and attaches
// chained entries to the function they continue.
func (pf *peFile) pdataFunctions(d *discovery) {
	dir := pf.im.dirs[pe.IMAGE_DIRECTORY_ENTRY_EXCEPTION]
	raw := pf.dirBytes(pe.IMAGE_DIRECTORY_ENTRY_EXCEPTION, "exception")
	if raw == nil {
		switch {
		case dir.Size != 0:
			// An x64 image describes nearly all its functions there.
			pf.b.degrade("exception directory [%#x,+%#x) unreadable: functions only from exports, symbols and calls", dir.VirtualAddress, dir.Size)
		case slices.ContainsFunc(pf.b.Sections, func(s Section) bool { return s.Name == ".pdata" && s.FileSize >= sizeofRuntimeFunction }):
			pf.warnf("no exception directory, but a .pdata section; not read")
			pf.b.degrade("no exception directory (damaged data directories?) beside a .pdata section: functions only from exports, symbols and calls")
		}
		return
	}
	if len(raw)%sizeofRuntimeFunction != 0 {
		pf.warn(-1, "exception directory size %d is not a multiple of %d", dir.Size, sizeofRuntimeFunction)
	}
	n := len(raw) / sizeofRuntimeFunction
	rfs := prefault(make([]runtimeFunction, 0, n))
	for i := 0; i < n; i++ {
		e := raw[i*sizeofRuntimeFunction:]
		rf := runtimeFunction{
			BeginAddress:      binary.LittleEndian.Uint32(e[0:]),
			EndAddress:        binary.LittleEndian.Uint32(e[4:]),
			UnwindInfoAddress: binary.LittleEndian.Uint32(e[8:]),
		}
		if rf == (runtimeFunction{}) {
			continue // padding
		}
		s := pf.b.Section(rf.BeginAddress)
		if rf.EndAddress <= rf.BeginAddress || s == nil || s.Flags&SectionExec == 0 || rf.EndAddress-s.RVA > s.Size {
			pf.warn(-1, "pdata entry %d [%#x,%#x): not a range inside an executable section; skipped", i, rf.BeginAddress, rf.EndAddress)
			continue
		}
		rfs = append(rfs, rf)
	}
	if skipped := n - len(rfs); n >= 16 && skipped > n/2 {
		pf.b.degrade("%d of %d exception directory entries unusable", skipped, n)
	}
	pf.addRuntimeFunctions(d, rfs, pf.chainedParent)
}

// maxFunctions is the most functions a function table may give the
// image: one per bytesPerFunc bytes of code, and a few thousand in any
// image.
func (pf *peFile) maxFunctions() int {
	var code uint64
	for _, s := range pf.b.Sections {
		if s.Flags&SectionExec != 0 {
			code += uint64(s.FileSize)
		}
	}
	return int(min(code/bytesPerFunc+4096, 1<<31))
}

// bytesPerFunc is the least code per function a function table may
// claim on average, bounding the tables a crafted one makes the parse
// build. Real x64 images have 317-590 bytes of code per .pdata entry
// (DuckDB's DLLs, Go programs, gopls).
const bytesPerFunc = 128

// addRuntimeFunctions sorts and checks RUNTIME_FUNCTION entries, then adds
// one function per primary entry and attaches chained entries (found by
// parentOf) to their root as fragments.
func (pf *peFile) addRuntimeFunctions(d *discovery, rfs []runtimeFunction, parentOf func(runtimeFunction) (uint32, bool)) {
	if !slices.IsSortedFunc(rfs, cmpRF) {
		pf.warn(-1, "pdata entries not sorted by address; sorted")
		slices.SortStableFunc(rfs, cmpRF)
	}
	// Drop entries overlapping their predecessor: the table must partition code.
	kept := rfs[:0]
	for _, rf := range rfs {
		if len(kept) > 0 && rf.BeginAddress < kept[len(kept)-1].EndAddress {
			pf.warn(-1, "pdata entry [%#x,%#x) overlaps [%#x,%#x); skipped", rf.BeginAddress, rf.EndAddress, kept[len(kept)-1].BeginAddress, kept[len(kept)-1].EndAddress)
			continue
		}
		kept = append(kept, rf)
	}
	rfs = kept
	// Each function costs some 300 bytes of tables: a table of a million
	// tiny entries would cost far more than the image it describes.
	if limit := pf.maxFunctions(); len(rfs) > limit {
		pf.warnf("%d pdata entries: more than one per %d bytes of code; the %d past the first %d ignored", len(rfs), bytesPerFunc, len(rfs)-limit, limit)
		pf.b.degrade("exception directory of %d entries for %d functions' worth of code", len(rfs), limit)
		rfs = rfs[:limit]
	}

	find := func(begin uint32) int {
		i := sort.Search(len(rfs), func(i int) bool { return rfs[i].BeginAddress >= begin })
		if i < len(rfs) && rfs[i].BeginAddress == begin {
			return i
		}
		return -1
	}
	// parent[i] is the entry a chained entry continues (-1 for primaries).
	parent := prefault(make([]int32, len(rfs)))
	for i := range rfs {
		parent[i] = -1
		if pb, ok := parentOf(rfs[i]); ok {
			if j := find(pb); j >= 0 && j != i {
				parent[i] = int32(j)
			} else {
				pf.warn(-1, "chained unwind info of [%#x,%#x) names %#x, which has no pdata entry; kept as a function", rfs[i].BeginAddress, rfs[i].EndAddress, pb)
			}
		}
	}
	d.reserve(len(rfs), false)
	for i, rf := range rfs {
		root, ok := chainRoot(parent, i)
		if !ok {
			pf.warn(-1, "chained unwind info of [%#x,%#x) is cyclic or deeper than %d; kept as a function", rf.BeginAddress, rf.EndAddress, maxChainDepth)
			root = i
		}
		if root == i {
			d.add(rf.BeginAddress, rf.EndAddress-rf.BeginAddress, SourcePdata, "")
		}
	}
	for i, rf := range rfs {
		if root, ok := chainRoot(parent, i); ok && root != i {
			d.addFragment(rfs[root].BeginAddress, Range{RVA: rf.BeginAddress, Size: rf.EndAddress - rf.BeginAddress})
		}
	}
}

func cmpRF(a, b runtimeFunction) int {
	switch {
	case a.BeginAddress < b.BeginAddress:
		return -1
	case a.BeginAddress > b.BeginAddress:
		return 1
	}
	return 0
}

// chainRoot follows parent links from i to a primary entry.
func chainRoot(parent []int32, i int) (int, bool) {
	for depth := 0; depth <= maxChainDepth; depth++ {
		if parent[i] < 0 {
			return i, true
		}
		i = int(parent[i])
	}
	return 0, false
}

// chainedParent returns the BeginAddress of the function rf continues, if
// its unwind info is chained. An UnwindInfoAddress with the low bit set
// points directly at the parent's RUNTIME_FUNCTION.
func (pf *peFile) chainedParent(rf runtimeFunction) (uint32, bool) {
	// This runs once per pdata entry: the views are of the section read
	// once (or mapped), not a read each.
	ua := rf.UnwindInfoAddress
	if ua&1 != 0 {
		p := pf.im.view(ua&^1, 4)
		if len(p) < 4 {
			return 0, false
		}
		return binary.LittleEndian.Uint32(p), true
	}
	hdr := pf.im.view(ua, 4)
	if len(hdr) < 4 || hdr[0]>>3&UNW_FLAG_CHAININFO == 0 {
		return 0, false
	}
	codes := uint32(hdr[2])
	codes += codes & 1 // the unwind code array is padded to an even count
	p := pf.im.view(ua+4+2*codes, 4)
	if len(p) < 4 {
		pf.warn(-1, "chained unwind info at %#x: past its section's data", ua)
		return 0, false
	}
	return binary.LittleEndian.Uint32(p), true
}
