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

// sameOwnOffset reports whether image-relative offsets a (old) and b
// (new) both point into the read-only section pair (os, ns), where the
// alignment puts a on b: MSVC's x64 RTTI refers to its own records so, by
// offsets no relocation names, which change wherever the records moved.
// Only x64 PE images other than Go programs (whose offsets count from the
// module's tables) are asked; other data sections are not aligned for it
// (a number that only looks like an offset into one would cost its
// alignment).
func (h *assessor) sameOwnOffset(os, ns *Section, a, b uint32) bool {
	if h.old.Arch != ArchAMD64 || h.new.Arch != ArchAMD64 || h.old.Format != FormatPE || h.new.Format != FormatPE {
		return false
	}
	if _, types := h.goRuntime(h.new); types.Size > 0 {
		return false
	}
	return os.Contains(a) && ns.Contains(b) && h.alignedPointer(os, ns, a-os.RVA, b-ns.RVA)
}
