package binarydiff

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/bits"
	"runtime/debug"
	"slices"
	"sort"
	"sync"
)

// sectionChunk is how many bytes of a section are compared at a time.
const sectionChunk = 64 << 10

// maxRanges bounds the changed ranges reported per section: beyond it
// neighbours are merged across the smallest gaps (see coarsen), so a
// section rewritten throughout stays a short list.
const maxRanges = 4096

// coarsen merges neighbouring ranges across the smallest gaps until at
// most max remain, in place: the ranges stay as close to the changed bytes
// as the budget allows, and a wide gap (such as uninitialized data between
// a section's file bytes and a change at its end) is the last to be
// bridged. Ranges are coarsened as they accumulate (see compareSection), so
// a section changed everywhere costs at most 2*maxRanges of them, never
// one per byte. It also returns the widest gap it bridged.
func coarsen(rs []ByteRange, max int) ([]ByteRange, uint32) {
	if len(rs) <= max {
		return rs, 0
	}
	gaps := make([]uint32, len(rs)-1)
	for i := range gaps {
		gaps[i] = rs[i+1].Off - (rs[i].Off + rs[i].Size)
	}
	// Bridge every gap below the threshold, and as many equal to it as
	// it takes, first to last.
	sorted := slices.Clone(gaps)
	slices.Sort(sorted)
	merges := len(rs) - max
	threshold := sorted[merges-1]
	atThreshold := merges - (sort.Search(merges, func(i int) bool { return sorted[i] >= threshold }))
	out := rs[:1]
	for i, g := range gaps {
		bridge := g < threshold
		if g == threshold && atThreshold > 0 {
			bridge, atThreshold = true, atThreshold-1
		}
		if bridge {
			last := &out[len(out)-1]
			last.Size = rs[i+1].Off + rs[i+1].Size - last.Off
		} else {
			out = append(out, rs[i+1])
		}
	}
	return out, threshold
}

// skipSection reports whether a section is left out of the data diff:
// code (diffed function by function) and tables derived from code layout.
func skipSection(s *Section) bool {
	return s.Flags&SectionExec != 0 || s.Name == ".pdata" || s.Name == ".reloc"
}

// diffSections compares the non-code sections of two images, pairing them
// by name and by position among sections of the same name.
func diffSections(ctx context.Context, old, new *Binary, workers int) ([]SectionDiff, error) {
	type key struct {
		name string
		nth  int
	}
	index := func(b *Binary) (map[key]int, []key) {
		seen := map[string]int{}
		m := map[key]int{}
		var order []key
		for i := range b.Sections {
			s := &b.Sections[i]
			if skipSection(s) {
				continue
			}
			k := key{s.Name, seen[s.Name]}
			seen[s.Name]++
			m[k] = i
			order = append(order, k)
		}
		return m, order
	}
	om, oorder := index(old)
	nm, norder := index(new)
	var out []SectionDiff
	type job struct{ out, oi, ni int }
	var jobs []job
	for _, k := range oorder {
		os := &old.Sections[om[k]]
		ni, ok := nm[k]
		if !ok {
			out = append(out, SectionDiff{Name: k.name, Kind: Removed, Old: &Range{os.RVA, os.Size}})
			continue
		}
		ns := &new.Sections[ni]
		out = append(out, SectionDiff{Name: k.name, Old: &Range{os.RVA, os.Size}, New: &Range{ns.RVA, ns.Size}})
		jobs = append(jobs, job{len(out) - 1, om[k], ni})
	}
	for _, k := range norder {
		if _, ok := om[k]; !ok {
			ns := &new.Sections[nm[k]]
			out = append(out, SectionDiff{Name: k.name, Kind: Added, New: &Range{ns.RVA, ns.Size}})
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	var faults faultRelay
	sem := make(chan struct{}, max(1, workers))
	for _, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			defer faults.catch(debug.SetPanicOnFault(true))
			err := compareSection(ctx, old, new, &old.Sections[j.oi], &new.Sections[j.ni], &out[j.out])
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	faults.rethrow()
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

// compareSection fills d with the byte ranges where two sections differ.
// An 8-byte pointer that the base relocations of both images fix up at the
// same offset is masked: it holds an address, which moves with the code.
func compareSection(ctx context.Context, old, new *Binary, os, ns *Section, d *SectionDiff) error {
	size := max(os.Size, ns.Size)
	common := min(os.Size, ns.Size)
	orel := old.relocs.in(os.RVA, os.RVA+os.Size)
	nrel := new.relocs.in(ns.RVA, ns.RVA+ns.Size)
	masked := func(off uint32) bool {
		for len(orel) > 0 && orel[0]-os.RVA+8 <= off {
			orel = orel[1:]
		}
		for len(nrel) > 0 && nrel[0]-ns.RVA+8 <= off {
			nrel = nrel[1:]
		}
		return len(orel) > 0 && len(nrel) > 0 && orel[0]-os.RVA == nrel[0]-ns.RVA && orel[0]-os.RVA <= off
	}
	var obuf, nbuf []byte // allocated on first need: mapped images are read in place
	var changed uint32
	// Once the ranges have been coarsened, gaps no wider than those
	// bridged are bridged as the bytes come.
	var bridge uint32
	mark := func(off uint32) {
		changed++
		if k := len(d.Changed) - 1; k >= 0 && d.Changed[k].Off+d.Changed[k].Size+bridge >= off {
			d.Changed[k].Size = off + 1 - d.Changed[k].Off
			return
		}
		if len(d.Changed) == 2*maxRanges {
			var widest uint32
			d.Changed, widest = coarsen(d.Changed, maxRanges)
			bridge = max(bridge, widest)
		}
		d.Changed = append(d.Changed, ByteRange{Off: off, Size: 1})
	}
	// Past both sections' file data every byte reads as zero on both sides.
	end := min(common, max(os.FileSize, ns.FileSize))
	// The compared pages of a mapped image are given back a step at a
	// time: a section is read once here, and the data sections of a large
	// program (debug info, symbols, tables) would otherwise all stay
	// resident.
	released := uint32(0)
	release := func(upTo uint32) {
		if upTo-released >= releaseStep || upTo == end {
			releaseSection(old, os, released, upTo)
			releaseSection(new, ns, released, upTo)
			released = upTo
		}
	}
	for off := uint32(0); off < end; off += sectionChunk {
		if err := ctx.Err(); err != nil {
			return err
		}
		release(off)
		n := min(sectionChunk, end-off)
		ob, err := sectionChunkAt(old, os, &obuf, off, n)
		if err != nil {
			return err
		}
		nb, err := sectionChunkAt(new, ns, &nbuf, off, n)
		if err != nil {
			return err
		}
		if string(ob) == string(nb) {
			continue
		}
		// A word at a time: its differing bytes, in order, are the
		// non-zero bytes of the two words' XOR.
		i := uint32(0)
		for ; i+8 <= n; i += 8 {
			for x := binary.LittleEndian.Uint64(ob[i:]) ^ binary.LittleEndian.Uint64(nb[i:]); x != 0; {
				k := uint32(bits.TrailingZeros64(x)) / 8
				if !masked(off + i + k) {
					mark(off + i + k)
				}
				x &^= 0xFF << (8 * k)
			}
		}
		for ; i < n; i++ {
			if ob[i] != nb[i] && !masked(off+i) {
				mark(off + i)
			}
		}
	}
	release(end)
	if size > common {
		changed += size - common
		if k := len(d.Changed) - 1; k >= 0 && d.Changed[k].Off+d.Changed[k].Size+bridge >= common {
			d.Changed[k].Size = size - d.Changed[k].Off
		} else {
			d.Changed = append(d.Changed, ByteRange{Off: common, Size: size - common})
		}
	}
	d.Changed, _ = coarsen(d.Changed, maxRanges)
	d.ChangedBytes = changed
	switch {
	case d.ChangedBytes > 0:
		d.Kind = Changed
	case os.RVA != ns.RVA:
		d.Kind = Moved
	default:
		d.Kind = Identical
	}
	return nil
}

// releaseSection gives back the pages of section s's file data in
// [lo, hi) if b is mapped (see mapping.release).
func releaseSection(b *Binary, s *Section, lo, hi uint32) {
	if r, ok := b.r.(releaser); ok && lo < min(hi, s.FileSize) {
		r.release(s.Offset+int64(lo), int64(min(hi, s.FileSize)-lo))
	}
}

// sectionChunkAt returns n (at most sectionChunk) bytes of section s at
// offset off: in place when b is mapped and they are all file data, else
// read into *buf, allocated on first need.
func sectionChunkAt(b *Binary, s *Section, buf *[]byte, off, n uint32) ([]byte, error) {
	if p := b.view(s.RVA+off, n); p != nil {
		return p, nil
	}
	if *buf == nil {
		*buf = make([]byte, sectionChunk)
	}
	return (*buf)[:n], readSection(b, s, (*buf)[:n], off)
}

// readSection reads section bytes at offset off; bytes past the file data
// read as zero.
func readSection(b *Binary, s *Section, p []byte, off uint32) error {
	n := 0
	if off < s.FileSize {
		n = min(len(p), int(s.FileSize-off))
		if got, err := b.r.ReadAt(p[:n], s.Offset+int64(off)); err != nil && got < n {
			return fmt.Errorf("section %s: %w", s.Name, err)
		}
	}
	clear(p[n:])
	return nil
}
