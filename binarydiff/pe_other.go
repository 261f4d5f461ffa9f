package binarydiff

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// PE images of other machines: PE32 for x86 (IMAGE_FILE_MACHINE_I386)
// and PE32+ for Arm64 (IMAGE_FILE_MACHINE_ARM64, including Arm64X hybrid
// images, whose CHPE metadata the image facts report).
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

func parsePEOther(r io.ReaderAt, size int64, workers int) (*Binary, error) {
	var warns []Warning
	im, err := readPEImage(r, size, func(off int64, format string, args ...any) {
		warns = append(warns, Warning{Off: off, Msg: fmt.Sprintf(format, args...)})
	})
	if err != nil {
		return nil, err
	}
	b := &Binary{Format: FormatPE, r: r, size: size, ImageBase: im.base, Entry: im.entry, Sections: im.secs, Warnings: warns}
	switch {
	case im.machine == IMAGE_FILE_MACHINE_I386 && !im.plus:
		b.Arch = Arch386
	case (im.machine == IMAGE_FILE_MACHINE_ARM64 || im.machine == IMAGE_FILE_MACHINE_ARM64X) && im.plus:
		b.Arch = ArchARM64
	case im.machine == IMAGE_FILE_MACHINE_AMD64 && im.plus:
		return parsePE(r, size, workers)
	default:
		return nil, fmt.Errorf("PE machine %#x (PE32+ %v): %w", im.machine, im.plus, ErrUnsupportedFormat)
	}
	pf := &peFile{b: b, dirs: im.dirs}
	if fh, err := im.read(lfanewOf(im)+4, sizeofFileHeader, "file header"); err == nil {
		pf.symPtr, pf.numSyms = binary.LittleEndian.Uint32(fh[8:]), binary.LittleEndian.Uint32(fh[12:])
	}
	pf.readStringTable()
	if err := pf.parseSections(); err != nil {
		return nil, err
	}
	relocs := pf.baseRelocs(IMAGE_REL_BASED_HIGHLOW, IMAGE_REL_BASED_DIR64)
	b.imports = peImportSlots(im)
	b.relocs = relocs
	d := newDiscovery(b)
	if b.Arch == ArchARM64 {
		b.code = arm64{}
		pf.arm64Pdata(d)
	} else {
		b.code = i386{}
	}
	pf.exports(d)
	pf.symbols(d)
	addGoFuncs(b, d)
	if b.Entry != 0 {
		d.add(b.Entry, 0, SourceEntry, "")
	}
	if err := d.run(workers); err != nil {
		return nil, err
	}
	return b, nil
}

func lfanewOf(im *peImage) int64 {
	p, err := im.read(0x3c, 4, "e_lfanew")
	if err != nil {
		return 0
	}
	return int64(binary.LittleEndian.Uint32(p))
}

// peImportSlots maps each import address table slot to "dll!name", for
// 4- and 8-byte thunks, within one walk budget.
func peImportSlots(im *peImage) map[uint32]string {
	fr := &factsReader{im: im, f: &ImageFacts{}, budget: int(min(im.size/2, 4*maxImports)) + 1024}
	raw := fr.dir(IMAGE_DIRECTORY_ENTRY_IMPORT, "import")
	ps := im.ptrSize()
	ord := uint64(1) << (8*ps - 1)
	m := map[uint32]string{}
	for off := 0; off+sizeofImportDescriptor <= len(raw) && fr.budget > 0; off += sizeofImportDescriptor {
		e := raw[off:]
		ilt, nameRVA, iat := binary.LittleEndian.Uint32(e[0:]), binary.LittleEndian.Uint32(e[12:]), binary.LittleEndian.Uint32(e[16:])
		if ilt == 0 && nameRVA == 0 && iat == 0 {
			break
		}
		dll, ok := im.cString(nameRVA, 256)
		if !ok {
			continue
		}
		dll = strings.ToLower(dll)
		if ilt == 0 {
			ilt = iat
		}
		i := uint32(0)
		fr.thunks(ilt, func(t uint64) {
			if t&ord != 0 {
				m[iat+i*ps] = dll + "!#" + strconv.Itoa(int(t&0xffff))
			} else if sym, ok := im.cString(uint32(t)+2, 512); ok {
				m[iat+i*ps] = dll + "!" + sym
			}
			i++
		})
	}
	return m
}

// arm64Pdata adds one function per Arm64 .pdata entry; fragments without
// a prologue that continue the previous entry are merged into it.
func (pf *peFile) arm64Pdata(d *discovery) {
	raw := pf.dirBytes(IMAGE_DIRECTORY_ENTRY_EXCEPTION, "exception")
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
	d.reserve(len(es))
	for _, e := range es {
		if e.begin < end {
			pf.warn(-1, "pdata entry [%#x,+%#x) overlaps the previous one; skipped", e.begin, e.size)
			continue
		}
		d.add(e.begin, e.size, SourcePdata, "")
		end = e.begin + e.size
	}
}
