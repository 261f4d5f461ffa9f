package binarydiff

import (
	"bytes"
	"encoding/binary"
)

// The run-time type information MSVC emits for x64 C++ classes refers to
// its parts by image-relative 32-bit offsets, which no relocation names:
// where the records moved, their bytes change though they describe the
// same class, and a vtable's slot pointing to its class's record is not
// where the alignment puts it. sameRTTI tells those records apart by what
// they describe.
//
// An RTTICompleteObjectLocator (x64) is six 32-bit words: signature 1,
// offset and cdOffset of the vtable in the complete object, and the
// offsets from the image base of the TypeDescriptor, the
// ClassHierarchyDescriptor and itself. A TypeDescriptor is a pointer to
// type_info's vtable, a spare pointer, then the class's decorated name
// (".?AVname@@"), NUL-terminated. ("Reversing Microsoft Visual C++ Part
// II: Classes, Methods and RTTI", openrce.org,
// http://www.openrce.org/articles/full_view/23; the layout of the x64
// signature-1 locator: LLVM's MicrosoftCXXABI.cpp,
// https://github.com/llvm/llvm-project/blob/main/clang/lib/CodeGen/MicrosoftCXXABI.cpp)

// completeObjectLocatorSize is the size of an x64 RTTICompleteObjectLocator.
const completeObjectLocatorSize = 24

// maxRTTIName bounds the decorated name sameRTTI compares.
const maxRTTIName = 4096

// sameRTTI reports whether old address a and new address b both hold an
// x64 complete object locator (signature 1, its last word its own
// address) with the same offsets, whose type descriptors name the same
// class.
func (h *assessor) sameRTTI(a, b uint32) bool {
	if h.old.Arch != ArchAMD64 || h.new.Arch != ArchAMD64 || h.old.Format != FormatPE {
		return false
	}
	var oc, nc [completeObjectLocatorSize]byte
	if !h.readRVA(h.old, oc[:], a) || !h.readRVA(h.new, nc[:], b) ||
		!isCompleteObjectLocator(oc[:], a) || !isCompleteObjectLocator(nc[:], b) ||
		!bytes.Equal(oc[4:12], nc[4:12]) {
		return false
	}
	on, ok := h.rttiName(h.old, binary.LittleEndian.Uint32(oc[12:]))
	if !ok {
		return false
	}
	nn, ok := h.rttiName(h.new, binary.LittleEndian.Uint32(nc[12:]))
	return ok && on == nn
}

// isCompleteObjectLocator reports whether p, read at address rva, is an
// x64 complete object locator: signature 1 and its self offset rva.
func isCompleteObjectLocator(p []byte, rva uint32) bool {
	return binary.LittleEndian.Uint32(p) == 1 && binary.LittleEndian.Uint32(p[20:]) == rva
}

// rttiName returns the decorated name of the TypeDescriptor at address
// td of image b (".?AV…@@"), if it reads as one: read 256 bytes at a
// time, most names being shorter, up to maxRTTIName.
func (h *assessor) rttiName(b *Binary, td uint32) (string, bool) {
	s := h.section(b, td+16)
	if s == nil || s.Flags&SectionExec != 0 {
		return "", false
	}
	off := td + 16 - s.RVA
	var small [256]byte
	for _, size := range []uint32{uint32(len(small)), maxRTTIName} {
		n := min(size, s.FileSize-min(off, s.FileSize))
		buf := small[:min(n, uint32(len(small)))]
		if n > uint32(len(small)) {
			buf = make([]byte, n)
		}
		if n < 4 || readSection(b, s, buf, off) != nil || !bytes.HasPrefix(buf, []byte(".?A")) {
			return "", false
		}
		if end := bytes.IndexByte(buf, 0); end >= 0 {
			return string(buf[:end]), true
		}
		if n < size {
			break // the section ends first
		}
	}
	return "", false
}

// sameOffsetTarget reports whether image-relative offsets a (old) and b
// (new) denote the same thing: the same offset of paired functions, or
// data of the section pair (os, ns) itself where its alignment puts it
// (other data sections are not aligned for this: a number that only
// looks like an offset into a large one would cost its alignment).
func (h *assessor) sameOffsetTarget(os, ns *Section, a, b uint32) bool {
	ts, tn := h.section(h.old, a), h.section(h.new, b)
	switch {
	case ts == nil || tn == nil:
		return false
	case ts.Flags&SectionExec != 0 || tn.Flags&SectionExec != 0:
		return h.sameTarget(a, b)
	case ts == os && tn == ns:
		return h.alignedPointer(ts, tn, a-ts.RVA, b-tn.RVA)
	}
	return false
}

// dropImageRelative returns changed (offsets in new section ns, aligned
// with old section os by al) less the 32-bit words of an x64 PE image
// that hold, on both sides, image-relative offsets of the same thing (a
// paired function's same offset, or data where the alignments put it):
// MSVC's x64 RTTI, switch tables and C++ exception tables refer to their
// targets by such offsets,
// which no relocation names, so they change wherever what they point to
// moved. Go programs have none (their offsets count from the module's
// tables), and are skipped: their type descriptors change in many small
// ranges, each word of which would be looked up.
func (h *assessor) dropImageRelative(al *dataAlign, os, ns *Section, changed []ByteRange) []ByteRange {
	if h.old.Arch != ArchAMD64 || h.new.Arch != ArchAMD64 || h.old.Format != FormatPE || h.new.Format != FormatPE {
		return changed
	}
	if _, types := h.goRuntime(h.new); types.Size > 0 {
		return changed // Go's offsets are from its module's tables, not the image base
	}
	ow, nw := window{b: h.old, s: os}, window{b: h.new, s: ns}
	var out []ByteRange
	for _, r := range changed {
		var same []Range
		for w := r.Off &^ 3; w < r.Off+r.Size; w += 4 {
			o, ok := al.oldOffset(w)
			op, np := ow.at(o, 4), nw.at(w, 4)
			if !ok || op == nil || np == nil {
				continue
			}
			if ov, nv := binary.LittleEndian.Uint32(op), binary.LittleEndian.Uint32(np); ov != nv && h.sameOffsetTarget(os, ns, ov, nv) {
				same = append(same, Range{RVA: ns.RVA + w, Size: 4})
			}
		}
		out = subtract(out, r, ns.RVA, same)
	}
	return out
}
