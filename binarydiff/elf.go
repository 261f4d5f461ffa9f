package binarydiff

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/patchmodel/patchmodel/binarydiff/internal/ehframe"
	"github.com/zeebo/xxh3"
)

// ELF support: x86-64 executables, shared objects and relocatable objects.
//
// Sections with SHF_ALLOC become Sections at their address minus the
// lowest PT_LOAD address (the ImageBase). A relocatable object (.o) has no
// addresses: its allocated sections are laid out in header order, aligned,
// from RVA 0x1000, and its relocations are applied to an in-memory copy of
// them, so that code is fingerprinted as it would be once linked. Each
// undefined symbol gets a 16-byte stub (jmp [rip+slot]) named sym@plt and
// an 8-byte slot named by the symbol, the way a linker's PLT and GOT
// would: calls to a different external function are then calls to a
// different function.
//
// Functions come from .symtab and .dynsym (STT_FUNC and STT_GNU_IFUNC
// with their sizes), then from .eh_frame FDEs for code no symbol covers
// (all of it in a stripped binary), then the entry point, then direct call
// targets. Duplicate names of local functions are qualified by the source
// file of their STT_FILE scope ("file.c:name"), and by an ordinal
// ("name#2") if still ambiguous, as Linux's klp-build does (objtool
// klp diff, tools/objtool/klp-diff.c, Linux 6.19).

const (
	elfStubSize  = 16
	maxELFStubs  = 1 << 16
	relImageBase = 0x1000 // RVA of the first section of a relocatable object
	maxELFAlign  = 4096
)

// elfImage is a parsed ELF file and the layout of its sections.
type elfImage struct {
	f      *elf.File
	size   int64
	base   uint64   // lowest PT_LOAD address, page aligned (0 for ET_REL)
	rel    bool     // ET_REL: addresses are synthetic
	secRVA []uint32 // per section index: RVA, or noRVA
	syms   []elfSym // .symtab; of a linked file, only function and file names are read
	dsyms  []elfSym
	stubs  map[string]uint32 // undefined symbol → stub RVA (ET_REL)
	slots  map[string]uint32 // undefined symbol → slot RVA (ET_REL)
	// absRelocs are the RVAs of 64-bit absolute addresses: R_X86_64_64
	// fields of a relocatable object, R_X86_64_RELATIVE and R_X86_64_64
	// dynamic relocations of an executable or shared object.
	absRelocs []uint32
	// slotVals holds what the dynamic linker writes into the pointer
	// slots whose file word says otherwise, by slot RVA (see
	// dynRelocs and relocatedPointer).
	slotVals map[uint32]uint64
	// symSlots are the symbolic dynamic relocations to defined symbols
	// (R_X86_64_64, GLOB_DAT, JUMP_SLOT), recorded in the Binary's copy
	// (see forFacts) as dynRelocs reads them, for symbolPointers.
	symSlots []symSlot
	wl       warnLog   // the parse's warnings
	warns    []Warning // the layout warnings, for the image facts (see forFacts)
}

const noRVA = ^uint32(0)

// relReader is the in-memory, relocated copy of a relocatable object's
// allocated sections (file offset = RVA), keeping the original file for
// the image facts.
type relReader struct {
	*bytes.Reader
	orig io.ReaderAt
	size int64
}

// newELFImage reads the ELF file held by r: its headers, .symtab,
// .dynsym and the layout of its sections.
func newELFImage(r io.ReaderAt, size int64) (im *elfImage, err error) {
	defer func() {
		if p := recover(); p != nil { // debug/elf on hostile input
			im, err = nil, &FormatError{Off: -1, Msg: fmt.Sprintf("ELF: %v", p)}
		}
	}()
	f, err := elf.NewFile(io.NewSectionReader(r, 0, size))
	if err != nil {
		return nil, &FormatError{Off: 0, Msg: "ELF: " + err.Error()}
	}
	if f.Class != elf.ELFCLASS64 || f.Data != elf.ELFDATA2LSB || f.Machine != elf.EM_X86_64 {
		return nil, fmt.Errorf("ELF %v %v %v: %w", f.Class, f.Data, f.Machine, ErrUnsupportedFormat)
	}
	im = &elfImage{f: f, size: size, rel: f.Type == elf.ET_REL}
	var err1, err2 error
	// Read in place (elfsyms.go): debug/elf's Symbols and DynamicSymbols
	// copy the tables, then every name, then version strings.
	named := func(info byte) bool {
		t := elf.ST_TYPE(info)
		return im.rel || t == elf.STT_FUNC || t == elf.STT_GNU_IFUNC || t == elf.STT_FILE
	}
	im.syms, err1 = readSymbols(r, size, f, elf.SHT_SYMTAB, named)
	if im.dsyms, err2 = readSymbols(r, size, f, elf.SHT_DYNSYM, nil); err2 == nil {
		if err2 = checkVersions(f); err2 != nil {
			im.dsyms = nil
		}
	}
	// An absent table is normal (stripped, static); an unreadable one is
	// damage: its functions are lost, and the image must say so.
	if err1 != nil && !errors.Is(err1, elf.ErrNoSymbols) {
		im.warn(".symtab unreadable (%v); its functions lost", err1)
	}
	if err2 != nil && !errors.Is(err2, elf.ErrNoSymbols) {
		im.warn(".dynsym unreadable (%v); its functions lost", err2)
	}
	if im.rel && len(f.Progs) > 0 {
		// Objects have no segments: a linked file whose e_type was damaged.
		im.warn("e_type ET_REL, yet %d program headers: laid out as an object, at addresses of its own", len(f.Progs))
	}
	for _, sec := range f.Sections {
		if want := map[string]elf.SectionType{".symtab": elf.SHT_SYMTAB, ".dynsym": elf.SHT_DYNSYM}[sec.Name]; want != 0 && sec.Type != want {
			im.warn("section %s has type %v, not %v; its symbols not read", sec.Name, sec.Type, want)
		}
	}
	im.layout()
	return im, nil
}

func (im *elfImage) warn(format string, args ...any) {
	im.wl.add(-1, format, args...)
}

// layout assigns every allocated section its RVA.
func (im *elfImage) layout() {
	f := im.f
	im.secRVA = make([]uint32, len(f.Sections))
	for i := range im.secRVA {
		im.secRVA[i] = noRVA
	}
	if im.rel {
		next := uint64(relImageBase)
		for i, s := range f.Sections {
			if s.Flags&elf.SHF_ALLOC == 0 || s.Size == 0 || s.Size > uint64(im.size) && s.Type != elf.SHT_NOBITS {
				continue
			}
			a := min(max(s.Addralign, 1), maxELFAlign)
			next = (next + a - 1) &^ (a - 1)
			if !within(next, s.Size, 1<<31-1) {
				im.warn("section %s: layout past 2 GiB; ignored", s.Name)
				continue
			}
			im.secRVA[i] = uint32(next)
			next += s.Size
		}
		return
	}
	im.base = ^uint64(0)
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			im.base = min(im.base, p.Vaddr&^0xfff)
		}
	}
	if im.base == ^uint64(0) {
		im.base = 0
	}
	for i, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC == 0 || s.Size == 0 || s.Flags&elf.SHF_TLS != 0 && s.Type == elf.SHT_NOBITS {
			continue // .tbss overlaps the sections after it
		}
		if addr, ok := im.segmentAddr(s); ok && addr != s.Addr {
			// The loader maps segments, not sections: a section header
			// that disagrees with its segment is damaged.
			im.warn("section %s at %#x, but its bytes load at %#x; moved there", s.Name, s.Addr, addr)
			s.Addr = addr
		}
		if s.Addr < im.base || !within(s.Addr-im.base, s.Size, 1<<32-1) {
			im.warn("section %s at %#x outside 4 GiB of the image base; ignored", s.Name, s.Addr)
			continue
		}
		im.secRVA[i] = uint32(s.Addr - im.base)
	}
}

// segmentAddr returns the address at which the PT_LOAD segment holding
// section s's file bytes loads them, and false when none holds them (or s
// has none).
func (im *elfImage) segmentAddr(s *elf.Section) (uint64, bool) {
	if s.Type == elf.SHT_NOBITS {
		return 0, false
	}
	for _, p := range im.f.Progs {
		if p.Type == elf.PT_LOAD && s.Offset >= p.Off && within(s.Offset-p.Off, s.Size, p.Filesz) {
			return p.Vaddr + (s.Offset - p.Off), true
		}
	}
	return 0, false
}

// rva converts a symbol's value to an RVA, or noRVA.
func (im *elfImage) symRVA(s elfSym) uint32 {
	if s.Section == elf.SHN_UNDEF || s.Section >= elf.SHN_LORESERVE || int(s.Section) >= len(im.secRVA) {
		return noRVA
	}
	base := im.secRVA[s.Section]
	if base == noRVA {
		return noRVA
	}
	if im.rel {
		if s.Value > im.f.Sections[s.Section].Size {
			return noRVA
		}
		return base + uint32(s.Value)
	}
	if s.Value < im.base || s.Value-im.base >= 1<<32 {
		return noRVA
	}
	return uint32(s.Value - im.base)
}

func parseELF(ctx context.Context, r io.ReaderAt, size int64, workers int) (*Binary, error) {
	im, err := newELFImage(r, size)
	if err != nil {
		return nil, err
	}
	b := &Binary{Format: FormatELF, Arch: ArchAMD64, ImageBase: im.base, r: r, size: size, code: amd64{}, ctx: ctx}
	b.elf = im.forFacts()
	if im.rel {
		rr, err := im.relocate(r)
		if err != nil {
			return nil, err
		}
		b.r, b.size = rr, rr.Size()
	}
	im.sections(b)
	switch {
	case len(b.Sections) == 0:
		// Nothing to load: a file of more than its header with no
		// allocated section has lost its section headers.
		im.warn("no allocated section (%d section headers); nothing read", len(im.f.Sections))
		b.degrade("no allocated section (section headers missing or damaged)")
	case !slices.ContainsFunc(b.Sections, func(s Section) bool { return s.Flags&SectionExec != 0 }) &&
		slices.ContainsFunc(im.f.Progs, func(p *elf.Prog) bool { return p.Type == elf.PT_LOAD && p.Flags&elf.PF_X != 0 && p.Filesz > 0 }):
		// Functions are found through sections: without them the code
		// of the executable segment goes unread.
		im.warn("no executable section, but an executable segment (%d section headers); code not read", len(im.f.Sections))
		b.degrade("no executable section (section headers missing or damaged)")
	}
	im.dynRelocs(b)
	if !im.rel && im.f.Entry >= im.base && im.f.Entry-im.base < 1<<32 {
		b.Entry = uint32(im.f.Entry - im.base)
	}
	d := newDiscovery(b)
	im.functions(b, d)
	addGoFuncs(b, d)
	if b.Entry != 0 {
		d.add(b.Entry, 0, SourceEntry, "")
	}
	b.wlog = im.wl
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := d.run(workers); err != nil {
		return nil, err
	}
	b.finishWarnings()
	return b, nil
}

// forFacts returns what the image facts read of im as newELFImage left
// it: the headers, the section layout, the dynamic symbols and the layout
// warnings (the facts' own; the parse adds its later ones to the
// Binary's). The symbol table and the relocation state of a relocatable
// object are left out: the facts do not need them, and a Binary keeps
// this for its life.
func (im *elfImage) forFacts() *elfImage {
	return &elfImage{f: im.f, base: im.base, rel: im.rel, secRVA: im.secRVA, dsyms: im.dsyms, warns: slices.Clone(im.wl.list)}
}

// sections fills b.Sections from the allocated sections (and the stub and
// slot sections of a relocatable object), sorted by RVA.
func (im *elfImage) sections(b *Binary) {
	for i, s := range im.f.Sections {
		rva := im.secRVA[i]
		if rva == noRVA {
			continue
		}
		sec := Section{Name: s.Name, RVA: rva, Size: uint32(s.Size), Offset: int64(s.Offset), Flags: SectionRead}
		if im.rel {
			sec.Offset = int64(rva)
		}
		if s.Flags&elf.SHF_EXECINSTR != 0 {
			sec.Flags |= SectionExec
		}
		if s.Flags&elf.SHF_WRITE != 0 {
			sec.Flags |= SectionWrite
		}
		switch {
		case s.Type == elf.SHT_NOBITS:
			sec.Flags |= SectionBSS
		case im.rel: // laid out in the relocated copy
			if sec.Offset <= b.size {
				sec.FileSize = uint32(min(int64(sec.Size), b.size-sec.Offset))
			}
		case within(s.Offset, s.Size, uint64(b.size)):
			sec.FileSize = sec.Size
		case s.Offset <= uint64(b.size):
			im.warn("section %s: [%#x,+%#x) past the end of the file; clipped", s.Name, s.Offset, s.Size)
			sec.FileSize = uint32(uint64(b.size) - s.Offset)
		default:
			im.warn("section %s: offset %#x past the end of the file; no bytes", s.Name, s.Offset)
			sec.Offset = 0
		}
		b.Sections = append(b.Sections, sec)
	}
	if im.rel && len(im.stubs) > 0 {
		stubs, slots := im.stubRange()
		b.Sections = append(b.Sections,
			Section{Name: ".plt", RVA: stubs.RVA, Size: stubs.Size, Offset: int64(stubs.RVA), FileSize: stubs.Size, Flags: SectionExec | SectionRead},
			Section{Name: ".got", RVA: slots.RVA, Size: slots.Size, Offset: int64(slots.RVA), FileSize: slots.Size, Flags: SectionRead | SectionWrite})
	}
	slices.SortStableFunc(b.Sections, func(x, y Section) int { return cmpU32(x.RVA, y.RVA) })
	// Drop sections overlapping their predecessor: lookups need a partition.
	kept := b.Sections[:0]
	for _, s := range b.Sections {
		if k := len(kept) - 1; k >= 0 && uint64(kept[k].RVA)+uint64(kept[k].Size) > uint64(s.RVA) {
			im.warn("section %s overlaps %s; ignored", s.Name, kept[k].Name)
			continue
		}
		kept = append(kept, s)
	}
	b.Sections = kept
}

// stubRange returns where the stubs and the slots of a relocatable
// object's undefined symbols are: after its last section.
func (im *elfImage) stubRange() (stubs, slots Range) {
	end := im.sectionsEnd()
	n := uint32(len(im.stubs))
	stubs = Range{RVA: (end + 0xfff) &^ 0xfff, Size: n * elfStubSize}
	slots = Range{RVA: (stubs.End() + 0xfff) &^ 0xfff, Size: n * 8}
	return stubs, slots
}

// sectionsEnd is the first RVA after the laid-out sections of a
// relocatable object.
func (im *elfImage) sectionsEnd() uint32 {
	end := uint32(relImageBase)
	for i, rva := range im.secRVA {
		if rva != noRVA {
			end = max(end, rva+uint32(im.f.Sections[i].Size))
		}
	}
	return end
}

// relocate builds the relocated in-memory image of a relocatable object.
func (im *elfImage) relocate(orig io.ReaderAt) (*relReader, error) {
	f := im.f
	// Undefined symbols referenced by relocations get stubs, in order.
	im.stubs, im.slots = map[string]uint32{}, map[string]uint32{}
	var undef []string
	type rela struct {
		target int // section index relocated
		off    uint64
		sym    uint32
		typ    elf.R_X86_64
		addend int64
	}
	var relas []rela
	for _, s := range f.Sections {
		if s.Type != elf.SHT_RELA || int(s.Info) >= len(f.Sections) || im.secRVA[s.Info] == noRVA {
			continue
		}
		if s.Size > uint64(im.size) {
			im.warn("%s: %d bytes past the file; ignored", s.Name, s.Size)
			continue
		}
		data, err := s.Data()
		if err != nil {
			im.warn("%s: %v; ignored", s.Name, err)
			continue
		}
		for k := 0; k+24 <= len(data); k += 24 {
			info := binary.LittleEndian.Uint64(data[k+8:])
			r := rela{target: int(s.Info), off: binary.LittleEndian.Uint64(data[k:]), sym: uint32(info >> 32), typ: elf.R_X86_64(info & 0xffffffff), addend: int64(binary.LittleEndian.Uint64(data[k+16:]))}
			relas = append(relas, r)
			if r.sym > 0 && int(r.sym) <= len(im.syms) {
				if sym := im.syms[r.sym-1]; sym.Section == elf.SHN_UNDEF && sym.Name != "" || sym.Section == elf.SHN_COMMON {
					if _, ok := im.stubs[sym.Name]; !ok && len(undef) < maxELFStubs {
						im.stubs[sym.Name] = 0
						undef = append(undef, sym.Name)
					}
				}
			}
		}
	}
	stubs, slots := Range{}, Range{}
	end := im.sectionsEnd()
	if len(undef) > 0 { // im.stubs holds every undefined name: stubRange sees the count
		stubs, slots = im.stubRange()
		end = slots.End()
	}
	if int64(end) > 4*im.size+1<<20 {
		return nil, &FormatError{Off: -1, Msg: "relocatable object lays out larger than its file", Val: end}
	}
	buf := make([]byte, end)
	for i, s := range f.Sections {
		rva := im.secRVA[i]
		if rva == noRVA || s.Type == elf.SHT_NOBITS {
			continue
		}
		n := min(s.Size, uint64(im.size)-min(s.Offset, uint64(im.size)))
		if _, err := orig.ReadAt(buf[rva:rva+uint32(n)], int64(s.Offset)); err != nil && err != io.EOF {
			return nil, &FormatError{Off: int64(s.Offset), Msg: "reading section " + s.Name + ": " + err.Error()}
		}
	}
	for i, name := range undef {
		st, sl := stubs.RVA+uint32(i)*elfStubSize, slots.RVA+uint32(i)*8
		im.stubs[name], im.slots[name] = st, sl
		p := buf[st : st+elfStubSize]
		p[0], p[1] = 0xFF, 0x25 // jmp [rip+slot]
		binary.LittleEndian.PutUint32(p[2:], sl-(st+6))
		for k := 6; k < elfStubSize; k++ {
			p[k] = 0xCC
		}
	}
	for _, r := range relas {
		ts := f.Sections[r.target]
		if r.off >= ts.Size || ts.Type == elf.SHT_NOBITS {
			continue
		}
		P := uint64(im.secRVA[r.target]) + r.off
		var S uint64
		switch {
		case r.sym == 0:
		case int(r.sym) > len(im.syms):
			continue
		default:
			sym := im.syms[r.sym-1]
			if st, ok := im.stubs[sym.Name]; ok && (sym.Section == elf.SHN_UNDEF || sym.Section == elf.SHN_COMMON) {
				S = uint64(st)
				if r.typ == elf.R_X86_64_GOTPCREL || r.typ == elf.R_X86_64_GOTPCRELX || r.typ == elf.R_X86_64_REX_GOTPCRELX {
					S = uint64(im.slots[sym.Name])
				}
			} else if sym.Section == elf.SHN_ABS {
				S = sym.Value
			} else if rva := im.symRVA(sym); rva != noRVA {
				S = uint64(rva)
			} else {
				continue
			}
		}
		v := S + uint64(r.addend)
		switch r.typ {
		case elf.R_X86_64_64:
			if P+8 <= uint64(len(buf)) {
				binary.LittleEndian.PutUint64(buf[P:], v)
				im.absRelocs = append(im.absRelocs, uint32(P))
			}
		case elf.R_X86_64_PC32, elf.R_X86_64_PLT32, elf.R_X86_64_GOTPCREL, elf.R_X86_64_GOTPCRELX, elf.R_X86_64_REX_GOTPCRELX:
			if P+4 <= uint64(len(buf)) {
				binary.LittleEndian.PutUint32(buf[P:], uint32(v-P))
			}
		case elf.R_X86_64_32, elf.R_X86_64_32S:
			if P+4 <= uint64(len(buf)) {
				binary.LittleEndian.PutUint32(buf[P:], uint32(v))
			}
		case elf.R_X86_64_PC64:
			if P+8 <= uint64(len(buf)) {
				binary.LittleEndian.PutUint64(buf[P:], v-P)
			}
		}
	}
	return &relReader{Reader: bytes.NewReader(buf), orig: orig, size: im.size}, nil
}

// dynRelocs reads the dynamic relocations of an executable or shared
// object: R_X86_64_RELATIVE and R_X86_64_64 fields hold addresses (masked
// like PE base relocations); R_X86_64_GLOB_DAT and R_X86_64_JUMP_SLOT
// fields are GOT slots of named symbols (identities, like PE import
// address table slots). For a relocatable object it records the stubs'
// slots.
func (im *elfImage) dynRelocs(b *Binary) {
	b.imports = map[uint32]string{}
	if im.rel {
		for name, sl := range im.slots {
			b.imports[sl] = name
		}
		for name, st := range im.stubs {
			b.imports[st] = name // a call to a stub calls name
		}
		b.relocs.index(slices.Compact(slices.Sorted(slices.Values(im.absRelocs))))
		return
	}
	var vals []slotVal
	var syms []symSlot
	for _, s := range im.f.Sections {
		if s.Type != elf.SHT_RELA || s.Flags&elf.SHF_ALLOC == 0 {
			continue
		}
		if s.Size > uint64(im.size) {
			continue
		}
		data, err := s.Data()
		if err != nil {
			im.warn("%s: %v; ignored", s.Name, err)
			continue
		}
		for k := 0; k+24 <= len(data); k += 24 {
			off := binary.LittleEndian.Uint64(data[k:])
			info := binary.LittleEndian.Uint64(data[k+8:])
			addend := binary.LittleEndian.Uint64(data[k+16:])
			if off < im.base || off-im.base >= 1<<32 {
				continue
			}
			rva := uint32(off - im.base)
			typ := elf.R_X86_64(info & 0xffffffff)
			if i := int(info >> 32); (typ == elf.R_X86_64_64 || typ == elf.R_X86_64_GLOB_DAT || typ == elf.R_X86_64_JMP_SLOT) &&
				i > 0 && i <= len(im.dsyms) && im.dsyms[i-1].Value != 0 {
				syms = append(syms, symSlot{rva: rva, typ: typ, va: im.dsyms[i-1].Value + addend})
			}
			switch typ {
			case elf.R_X86_64_RELATIVE, elf.R_X86_64_64:
				im.absRelocs = append(im.absRelocs, rva)
				if typ == elf.R_X86_64_RELATIVE {
					vals = append(vals, slotVal{rva, addend}) // B+A, B the load bias: 0 at the link-time addresses
				} else if i := int(info >> 32); i > 0 && i <= len(im.dsyms) && im.dsyms[i-1].Value != 0 {
					vals = append(vals, slotVal{rva, im.dsyms[i-1].Value + addend})
				}
			case elf.R_X86_64_GLOB_DAT, elf.R_X86_64_JMP_SLOT:
				if i := int(info >> 32); i > 0 && i <= len(im.dsyms) {
					b.imports[rva] = im.dsyms[i-1].Name
				}
			}
		}
	}
	if len(im.absRelocs) == 0 && im.f.Type == elf.ET_EXEC {
		im.absRelocs, b.relocsInferred = inferPointers(b), true
	}
	slices.Sort(im.absRelocs)
	b.relocs.index(slices.Compact(im.absRelocs))
	b.elf.slotVals, b.elf.symSlots = slotValues(b, vals), syms
}

// symSlot is a slot a symbolic dynamic relocation fills: its RVA, the
// relocation's type and the address (symbol value + addend).
type symSlot struct {
	rva uint32
	typ elf.R_X86_64
	va  uint64
}

// slotVal is the address a dynamic relocation puts in a pointer slot.
type slotVal struct {
	rva uint32
	va  uint64
}

// slotValues keeps of vals those whose slot holds something else in the
// file. With RELA relocations the addend lives in the relocation entry:
// GNU ld writes it into the slot too, LLVM lld leaves zeros (unless
// --apply-dynamic-relocs), and a symbolic R_X86_64_64 slot holds zeros
// either way. Read from the file alone, every pointer of such a table
// would be the same null, and a table retargeted from one function to
// another would read the same. It returns nil when every slot holds its
// value (GNU ld's relative relocations): nothing to keep.
func slotValues(b *Binary, vals []slotVal) map[uint32]uint64 {
	var out map[uint32]uint64
	var w [8]byte
	for _, v := range vals {
		if b.readRVA(w[:], v.rva) == nil && binary.LittleEndian.Uint64(w[:]) == v.va {
			continue
		}
		if out == nil {
			out = map[uint32]uint64{}
		}
		out[v.rva] = v.va
	}
	return out
}

// relocatedPointer returns the pointer the loader leaves in the slot at
// rva, whose file holds word: the relocation's value when it differs from
// the file's (see slotValues), else word.
func (b *Binary) relocatedPointer(rva uint32, word uint64) uint64 {
	if b.elf != nil {
		if v, ok := b.elf.slotVals[rva]; ok {
			return v
		}
	}
	return word
}

// loadedBytes overwrites p, the file's bytes at rva, with the pointers the
// dynamic linker writes into the 8-byte slots overlapping it where the
// file holds something else (see slotValues): the bytes as loaded.
func (b *Binary) loadedBytes(rva uint32, p []byte) {
	if b.elf == nil || len(b.elf.slotVals) == 0 {
		return
	}
	end := uint64(rva) + uint64(len(p))
	for slot := uint64(rva) - min(uint64(rva), 7); slot < end; slot++ {
		v, ok := b.elf.slotVals[uint32(slot)]
		if !ok {
			continue
		}
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], v)
		for i, c := range w {
			if at := slot + uint64(i); at >= uint64(rva) && at < end {
				p[at-uint64(rva)] = c
			}
		}
	}
}

// inferPointers finds the pointers in the data of an executable that has
// no dynamic relocations to name them (static and not position
// independent, as Go links by default): the 8-byte aligned words that hold
// an address inside a section of the image. They are masked like
// relocated pointers, so that data whose pointers changed only because
// what they point to moved is not taken for changed data. A constant that
// happens to look like such an address is masked too, which at worst hides
// a change of that constant from the data comparison.
func inferPointers(b *Binary) []uint32 {
	var lo, hi uint32 = ^uint32(0), 0
	for _, s := range b.Sections {
		if s.Size > 0 {
			lo, hi = min(lo, s.RVA), max(hi, s.RVA+s.Size)
		}
	}
	var out []uint32
	buf := make([]byte, 64<<10)
	for _, s := range b.Sections {
		if s.Flags&SectionExec != 0 || s.FileSize == 0 {
			continue
		}
		// Aligned by address, as the linker aligns pointers; in 64 bits,
		// so that a section at the top of the address space cannot wrap.
		end := uint64(s.RVA) + uint64(s.FileSize)
		for at := (uint64(s.RVA) + 7) &^ 7; at+8 <= end && at < 1<<32; {
			n := min(uint64(len(buf)), (end-at)&^7)
			if _, err := b.r.ReadAt(buf[:n], s.Offset+int64(at-uint64(s.RVA))); err != nil && err != io.EOF {
				break
			}
			for k := uint64(0); k+8 <= n; k += 8 {
				v := binary.LittleEndian.Uint64(buf[k:])
				if v >= b.ImageBase+uint64(lo) && v < b.ImageBase+uint64(hi) && at+k < 1<<32 {
					out = append(out, uint32(at+k))
				}
			}
			at += n
		}
	}
	return out
}

// elfFunc is a function symbol before it is handed to discovery.
type elfFunc struct {
	rva, size uint32
	name      string
	file      string // STT_FILE scope of a local symbol
	local     bool
	src       Source
}

// functions adds the functions of the symbol tables, then the .eh_frame
// FDEs no symbol covers, then (for a relocatable object) the stubs.
func (im *elfImage) functions(b *Binary, d *discovery) {
	exec := func(rva uint32) bool {
		s := b.Section(rva)
		return s != nil && s.Flags&SectionExec != 0
	}
	isFunc := func(s *elfSym) bool {
		t := elf.ST_TYPE(s.Info)
		return t == elf.STT_FUNC || t == elf.STT_GNU_IFUNC
	}
	n := 0
	for _, tab := range [][]elfSym{im.syms, im.dsyms} {
		for i := range tab {
			if isFunc(&tab[i]) {
				n++
			}
		}
	}
	fs := make([]elfFunc, 0, n)
	for _, tab := range [][]elfSym{im.syms, im.dsyms} {
		file := ""
		for i := range tab {
			s := &tab[i]
			if elf.ST_TYPE(s.Info) == elf.STT_FILE {
				file = s.Name
				continue
			}
			if !isFunc(s) {
				continue
			}
			rva := im.symRVA(*s)
			if rva == noRVA || !exec(rva) || s.Size >= 1<<32 {
				continue
			}
			fs = append(fs, elfFunc{rva: rva, size: uint32(s.Size), name: s.Name, file: file, local: elf.ST_BIND(s.Info) == elf.STB_LOCAL, src: SourceSymbol})
		}
	}
	fs = firstAtEachAddress(fs) // elfsyms.go
	qualifyNames(fs)
	// FDE ranges start where no symbol does: the addresses are distinct.
	fs = append(fs, im.fdeFuncs(b, fs, exec)...)
	slices.SortFunc(fs, func(x, y elfFunc) int { return cmpU32(x.rva, y.rva) })
	// An FDE range reaching into a symbol's function is clipped to it,
	// not allowed to turn the symbol into a label.
	for i := 0; i+1 < len(fs); i++ {
		if f := &fs[i]; f.src == SourceEHFrame && uint64(f.rva)+uint64(f.size) > uint64(fs[i+1].rva) {
			im.warn(".eh_frame: FDE range [%#x,+%#x) runs into %s at %#x; clipped", f.rva, f.size, fs[i+1].name, fs[i+1].rva)
			f.size = fs[i+1].rva - f.rva
		}
	}
	// Sized functions must not overlap: a symbol inside another is a label.
	end := uint64(0)
	d.reserve(len(fs), true)
	for _, f := range fs {
		if uint64(f.rva) < end {
			continue
		}
		d.add(f.rva, f.size, f.src, f.name)
		if f.size > 0 {
			end = uint64(f.rva) + uint64(f.size)
		}
	}
	if im.rel {
		for name, st := range im.stubs {
			d.add(st, elfStubSize, SourceSymbol, name+"@plt")
		}
	}
}

// qualifyNames makes duplicated names distinct: local functions get their
// file scope, then every remaining duplicate an ordinal in address order.
func qualifyNames(fs []elfFunc) {
	groups := sameNames(fs) // elfsyms.go
	renamed := false
	for _, g := range groups {
		for _, i := range g {
			if fs[i].local && fs[i].file != "" {
				fs[i].name = fs[i].file + ":" + fs[i].name
				renamed = true
			}
		}
	}
	if renamed {
		groups = sameNames(fs)
	}
	for _, g := range groups {
		for k, i := range g[1:] {
			fs[i].name = fmt.Sprintf("%s#%d", fs[i].name, k+2)
		}
	}
}

// fdeFuncs returns the .eh_frame FDE ranges that start in code no symbol
// covers.
func (im *elfImage) fdeFuncs(b *Binary, fs []elfFunc, exec func(uint32) bool) []elfFunc {
	var sec *elf.Section
	var idx int
	for i, s := range im.f.Sections {
		if s.Name == ".eh_frame" && im.secRVA[i] != noRVA && s.Type != elf.SHT_NOBITS {
			sec, idx = s, i
		}
	}
	if sec == nil {
		return nil
	}
	rva := im.secRVA[idx]
	data := make([]byte, min(sec.Size, uint64(b.size)))
	if err := b.readRVA(data, rva); err != nil {
		im.warn(".eh_frame: %v", err)
		return nil
	}
	// FDE addresses are absolute: the section's address is its RVA plus
	// the image base (0 for a relocatable object, whose copy is relocated).
	fdes, errs := ehframe.Parse(data, b.ImageBase+uint64(rva), 8)
	for _, err := range errs {
		im.warn(".eh_frame: %v", err)
	}
	if walked := fdeWalked(fdes); len(errs) > 0 && walked < len(data)/2 {
		// The walk stopped before half of the section: unless symbols
		// name most functions, the FDEs were the function table.
		expected := (len(fdes) + 1) * len(data) / max(walked, 1)
		if len(fs) < expected/2 {
			b.degrade(".eh_frame unusable after %d FDEs (%d of %d bytes read), and %d functions from symbols", len(fdes), walked, len(data), len(fs))
		}
	}
	covered := func(r uint32) bool {
		i := sort.Search(len(fs), func(i int) bool { return fs[i].rva > r }) - 1
		return i >= 0 && (fs[i].rva == r || r-fs[i].rva < fs[i].size)
	}
	var out []elfFunc
	for _, f := range fdes {
		if f.Begin < b.ImageBase || f.Begin-b.ImageBase >= 1<<32 {
			continue
		}
		r := uint32(f.Begin - b.ImageBase)
		if !exec(r) || covered(r) {
			continue
		}
		size := f.Size
		if s := b.Section(r); size > uint64(s.Size-(r-s.RVA)) {
			im.warn(".eh_frame: FDE at %#x: range [%#x,+%#x) past the end of %s; clipped", f.Off, r, f.Size, s.Name)
			size = uint64(s.Size - (r - s.RVA))
		}
		out = append(out, elfFunc{rva: r, size: uint32(size), src: SourceEHFrame})
	}
	return clipFDEs(out, im.warn)
}

// fdeWalked returns how far into .eh_frame the FDEs read reach: the
// offset of the last one, 0 if none.
func fdeWalked(fdes []ehframe.FDE) int {
	if len(fdes) == 0 {
		return 0
	}
	return fdes[len(fdes)-1].Off
}

// clipFDEs sorts FDE ranges by address and clips each that runs into the
// next: FDEs partition code, so one that swallows others is corrupt (a
// wrong address range), not a function holding them.
func clipFDEs(fs []elfFunc, warn func(format string, args ...any)) []elfFunc {
	slices.SortStableFunc(fs, func(x, y elfFunc) int { return cmpU32(x.rva, y.rva) })
	fs = slices.CompactFunc(fs, func(x, y elfFunc) bool { return x.rva == y.rva })
	for i := 0; i+1 < len(fs); i++ {
		end := uint64(fs[i].rva) + uint64(fs[i].size)
		if end <= uint64(fs[i+1].rva) {
			continue
		}
		n := sort.Search(len(fs)-i-1, func(k int) bool { return uint64(fs[i+1+k].rva) >= end })
		warn(".eh_frame: FDE range [%#x,%#x) covers %d later FDEs; clipped to the next", fs[i].rva, end, n)
		fs[i].size = fs[i+1].rva - fs[i].rva
	}
	return fs
}

// elfFacts reads the image facts of an ELF Binary through the headers and
// dynamic symbols its parse read: exported and imported dynamic symbols,
// the PT_TLS template, the initialization routines (DT_INIT, .init_array,
// .preinit_array) and the metadata sections.
func elfFacts(b *Binary) *ImageFacts {
	im := b.elf
	// The headers describe the file as it is, not a relocatable object's
	// relocated copy.
	r, size := b.r, b.size
	if rr, ok := b.r.(*relReader); ok {
		r, size = rr.orig, rr.size
	}
	f := &ImageFacts{Format: FormatELF, Machine: uint16(im.f.Machine), Entry: b.Entry, ImageBase: im.base}
	if !im.rel {
		for _, s := range im.dsyms {
			switch {
			case s.Section == elf.SHN_UNDEF && s.Name != "":
				f.Imports = append(f.Imports, s.Name)
			case elf.ST_BIND(s.Info) != elf.STB_LOCAL && s.Name != "":
				if rva := im.symRVA(s); rva != noRVA {
					f.Exports = append(f.Exports, Export{Name: s.Name, RVA: rva})
				}
			}
		}
		slices.Sort(f.Imports)
		f.Imports = slices.Compact(f.Imports)
		slices.SortFunc(f.Exports, func(a, b Export) int { return strings.Compare(a.Name, b.Name) })
	}
	for _, p := range im.f.Progs {
		if p.Type != elf.PT_TLS || p.Vaddr < im.base || p.Vaddr-im.base >= 1<<32 || p.Filesz > p.Memsz || p.Filesz >= 1<<32 || p.Memsz-p.Filesz >= 1<<32 {
			continue
		}
		t := &TLS{Template: Range{RVA: uint32(p.Vaddr - im.base), Size: uint32(p.Filesz)}, ZeroFill: uint32(p.Memsz - p.Filesz)}
		if p.Filesz <= uint64(size) {
			buf := make([]byte, p.Filesz)
			if _, err := r.ReadAt(buf, int64(p.Off)); err == nil || err == io.EOF {
				t.Hash = xxh3.Hash(buf)
			}
		}
		f.TLS = t
	}
	// Initialization routines: DT_INIT, then .preinit_array and .init_array.
	if !im.rel {
		if v, err := im.f.DynValue(elf.DT_INIT); err == nil && len(v) > 0 && v[0] >= im.base && v[0]-im.base < 1<<32 {
			f.Init = append(f.Init, uint32(v[0]-im.base))
		}
		for _, name := range []string{".preinit_array", ".init_array"} {
			s := im.f.Section(name)
			if s == nil || s.Type == elf.SHT_NOBITS || s.Size > uint64(size) || s.Size/8 > maxTLSCallbacks {
				continue
			}
			data, err := s.Data()
			if err != nil {
				continue
			}
			for k := 0; k+8 <= len(data); k += 8 {
				if v := binary.LittleEndian.Uint64(data[k:]); v >= im.base && v-im.base < 1<<32 {
					f.Init = append(f.Init, uint32(v-im.base))
				}
			}
		}
	}
	var ms []Range
	for _, s := range b.Sections {
		if metadataSection(s.Name) || elfMetadataSection(s.Name) {
			ms = append(ms, Range{s.RVA, s.Size})
		}
	}
	f.Metadata = mergeRanges(ms)
	f.Warnings = slices.Clone(im.warns) // the caller may change its facts, not the Binary
	return f
}

// elfMetadataSection reports whether an ELF section holds linker, loader
// or unwind metadata rather than program data.
func elfMetadataSection(name string) bool {
	switch name {
	case ".eh_frame", ".eh_frame_hdr", ".gcc_except_table", ".dynamic", ".dynsym", ".dynstr", ".got", ".got.plt",
		".plt", ".plt.got", ".plt.sec", ".gnu.hash", ".hash", ".gnu.version", ".gnu.version_r", ".gnu.version_d",
		".interp", ".init_array", ".fini_array", ".preinit_array", ".comment", ".note.gnu.property", ".note.gnu.build-id", ".note.ABI-tag":
		return true
	}
	return strings.HasPrefix(name, ".rela") || strings.HasPrefix(name, ".rel.") || strings.HasPrefix(name, ".note")
}
