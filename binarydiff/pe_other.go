package binarydiff

import (
	"debug/pe"
	"encoding/binary"
	"slices"
)

// PE images of machines other than x86-64, which parsePE also reads:
// PE32 for x86 (IMAGE_FILE_MACHINE_I386) and PE32+ for Arm64
// (IMAGE_FILE_MACHINE_ARM64, including Arm64X hybrid images, whose CHPE
// metadata the image facts report).
//
// x86 images have no exception directory: functions come from the export
// table, the COFF symbol table, the entry point and direct call targets.
// Arm64 images have one, with 8-byte entries (BeginAddress and either an
// .xdata RVA or packed unwind data): Flag 0 points to an .xdata record
// whose first word holds the function length; Flags 1 and 2 hold packed
// unwind data with the length in bits 2-12, in 4-byte units; Flag 2 marks
// a fragment without a prologue, which continues the function before it
// when contiguous (Microsoft, "ARM64 exception handling").

// Arm64 .pdata Flag values.
const (
	arm64PdataXdata    = 0
	arm64PdataPacked   = 1
	arm64PdataFragment = 2
)

// arm64Pdata adds one function per Arm64 .pdata entry; fragments without
// a prologue that continue the previous entry are merged into it.
func (pf *peFile) arm64Pdata(d *discovery) {
	raw := pf.dirBytes(pe.IMAGE_DIRECTORY_ENTRY_EXCEPTION, "exception")
	type entry struct{ begin, size uint32 }
	var es []entry
	for off := 0; off+8 <= len(raw); off += 8 {
		begin := binary.LittleEndian.Uint32(raw[off:])
		w := binary.LittleEndian.Uint32(raw[off+4:])
		var size uint32
		switch w & 3 {
		case arm64PdataXdata:
			var h [4]byte // on the stack: this runs once per entry
			if err := pf.b.readRVA(h[:], w); err != nil {
				pf.warn(-1, "pdata entry %d: xdata at %#x: %v; skipped", off/8, w, err)
				continue
			}
			size = 4 * (binary.LittleEndian.Uint32(h[:]) & 0x3FFFF)
		case arm64PdataPacked, arm64PdataFragment:
			size = 4 * (w >> 2 & 0x7FF)
		default:
			pf.warn(-1, "pdata entry %d: reserved flag 3; skipped", off/8)
			continue
		}
		s := pf.b.Section(begin)
		if size == 0 || s == nil || s.Flags&SectionExec == 0 || uint64(begin)+uint64(size) > uint64(s.RVA)+uint64(s.Size) {
			pf.warn(-1, "pdata entry %d [%#x,+%#x): not a range inside an executable section; skipped", off/8, begin, size)
			continue
		}
		if k := len(es) - 1; w&3 == arm64PdataFragment && k >= 0 && es[k].begin+es[k].size == begin {
			es[k].size += size
			continue
		}
		es = append(es, entry{begin, size})
	}
	slices.SortStableFunc(es, func(a, b entry) int { return cmpU32(a.begin, b.begin) })
	end := uint32(0)
	limit := pf.maxFunctions() // see addRuntimeFunctions
	d.reserve(min(len(es), limit), false)
	added := 0
	for _, e := range es {
		if e.begin < end {
			pf.warn(-1, "pdata entry [%#x,+%#x) overlaps the previous one; skipped", e.begin, e.size)
			continue
		}
		if added == limit {
			pf.warnf("pdata entries: more than one per %d bytes of code; the rest ignored", bytesPerFunc)
			pf.b.degrade("exception directory of %d entries for %d functions' worth of code", len(es), limit)
			break
		}
		added++
		d.add(e.begin, e.size, SourcePdata, "")
		end = e.begin + e.size
	}
}
