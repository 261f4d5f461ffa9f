package binarydiff

import (
	"cmp"
	"slices"
)

// seenMoved reports whether changed range r (offsets in new read-only
// section ns, aligned with old section os by al) is only data that moved
// by a shift the alignment did not find. The anchors are words unique on
// both sides; a table made of runs of equal words (the masks the AES hash
// of Go's runtime reads) holds none, and when the data around it moved by
// other amounts than it, the alignment compares it at a wrong place. The
// diff judged the references of the functions paired with the same code
// (Identical or Moved) to read the same data; so it is here: r is data
// that moved when such a reader refers to it (at most maxAttribution
// bytes before it) with a shift other than the alignment's there, and
// under that shift every byte from the referenced one to the end of r
// equals its old byte and every pointer among them points to the same
// thing: the datum it reads is the same up to and across r.
func (h *assessor) seenMoved(os, ns *Section, al *dataAlign, r ByteRange, readers []int32) bool {
	k := al.anchorBefore(r.Off)
	for _, j := range readers {
		refs := h.refShifts(os, ns, j)
		// The references at most maxAttribution bytes before r, or in it.
		i, _ := slices.BinarySearchFunc(refs, r.Off-min(r.Off, maxAttribution), func(a dataAnchor, off uint32) int { return cmp.Compare(a.new, off) })
		for ; i < len(refs) && refs[i].new < r.Off+r.Size; i++ {
			sh := refs[i]
			if al.alignsLike(k, sh) || al.alignsLike(k+1, sh) {
				continue // the alignment compared r along this shift
			}
			span := ByteRange{Off: min(sh.new, r.Off)}
			span.Size = r.Off + r.Size - span.Off
			if h.equalUnder(al, span, sh) && h.samePointersUnder(os, ns, span, sh) {
				return true
			}
		}
	}
	return false
}

// refShifts returns the references of new function j into new section ns,
// with their old function's reference of the same index into old section
// os, by new offset, when j is paired with the same code (Identical or
// Moved); made once per function and section (readers of many changed
// ranges are asked again).
func (h *assessor) refShifts(os, ns *Section, j int32) []dataAnchor {
	if h.shifts.ns != ns {
		h.shifts.ns, h.shifts.of = ns, map[int32][]dataAnchor{}
	}
	if refs, ok := h.shifts.of[j]; ok {
		return refs
	}
	var refs []dataAnchor
	if fd, ok := h.fdOf(h.new, int(j)); ok && fd.Old != nil && (fd.Kind == Identical || fd.Kind == Moved) && len(h.old.fps) == len(h.old.Functions) {
		if i := h.functionIndex(h.old, fd.Old.RVA); i >= 0 && h.old.fps[i].drefN == h.new.fps[j].drefN {
			on, nn := h.old.fps[i], h.new.fps[j]
			orefs := h.old.drefs[on.drefOff : on.drefOff+on.drefN]
			for x, b := range h.new.drefs[nn.drefOff : nn.drefOff+nn.drefN] {
				if a := orefs[x]; ns.Contains(b) && os.Contains(a) {
					refs = append(refs, dataAnchor{old: a - os.RVA, new: b - ns.RVA})
				}
			}
			slices.SortFunc(refs, func(x, y dataAnchor) int { return cmp.Compare(x.new, y.new) })
		}
	}
	h.shifts.of[j] = refs
	return refs
}

// alignsLike reports whether anchor k of al exists and shifts as a does.
func (al *dataAlign) alignsLike(k int, a dataAnchor) bool {
	return k >= 0 && k < len(al.anchors) && al.anchors[k].delta() == a.delta()
}

// equalUnder reports whether every byte of r (new offsets) equals the old
// byte anchor a's shift puts it on.
func (h *assessor) equalUnder(al *dataAlign, r ByteRange, a dataAnchor) bool {
	for n := r.Off; n < r.Off+r.Size; n++ {
		if !al.sameAt(int(n), a) {
			return false
		}
	}
	return true
}

// samePointersUnder reports whether each pointer of new section ns in r
// and the old pointer anchor a's shift puts it on denote the same thing:
// the alignment's bytes name a pointer to data by its section only (see
// sectionBytes), so where in it they point is compared here.
func (h *assessor) samePointersUnder(os, ns *Section, r ByteRange, a dataAnchor) bool {
	ps := h.ptrSize()
	ow, nw := window{b: h.old, s: os}, window{b: h.new, s: ns}
	for _, n := range pointerSlots(h.new, ns, r.Off, r.Off+r.Size) {
		o := int64(n) - a.delta()
		if o < 0 {
			return false
		}
		op, np := ow.at(uint32(o), ps), nw.at(n, ps)
		if op == nil || np == nil {
			return false
		}
		ot, ook := imageAddress(h.old, h.old.pointerIn(os.RVA+uint32(o), op))
		nt, nok := imageAddress(h.new, h.new.pointerIn(ns.RVA+n, np))
		if ook != nok || ook && !h.sameThing(ot, nt) {
			return false
		}
	}
	return true
}

// sameThing reports whether old address a and new address b denote the
// same thing: a paired function's same offset (sameTarget), or data
// where the alignment of its section pair puts it.
func (h *assessor) sameThing(a, b uint32) bool {
	if h.functionIndex(h.old, a) >= 0 || h.functionIndex(h.new, b) >= 0 {
		return h.sameTarget(a, b)
	}
	ts, tn := h.section(h.old, a), h.section(h.new, b)
	if ts == nil || tn == nil || ts.Name != tn.Name {
		return false
	}
	return h.alignedPointer(ts, tn, a-ts.RVA, b-tn.RVA)
}
