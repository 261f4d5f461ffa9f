package difftest_test

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/patchmodel/patchmodel/binarydiff/difftest"
	"golang.org/x/arch/x86/x86asm"
)

// image is a view of a built PE file by RVA, checked independently of the
// builder: debug/pe reads the headers, x86asm decodes the code, and the
// exception, export and base relocation directories are parsed here from
// the spec.
type image struct {
	f    *pe.File
	opt  *pe.OptionalHeader64
	file []byte
}

func (im *image) at(rva, n uint32) ([]byte, error) {
	for _, s := range im.f.Sections {
		if rva >= s.VirtualAddress && uint64(rva)+uint64(n) <= uint64(s.VirtualAddress)+uint64(s.VirtualSize) {
			off := uint64(s.Offset) + uint64(rva-s.VirtualAddress)
			if off+uint64(n) > uint64(len(im.file)) || rva-s.VirtualAddress+n > s.Size {
				return nil, fmt.Errorf("rva %#x+%d beyond raw data", rva, n)
			}
			return im.file[off : off+uint64(n)], nil
		}
	}
	return nil, fmt.Errorf("rva %#x+%d in no section", rva, n)
}

func (im *image) u32(rva uint32) uint32 {
	b, err := im.at(rva, 4)
	if err != nil {
		panic(err)
	}
	return binary.LittleEndian.Uint32(b)
}

func (im *image) cstring(rva uint32) string {
	var s []byte
	for {
		b, err := im.at(rva, 1)
		if err != nil || b[0] == 0 {
			return string(s)
		}
		s = append(s, b[0])
		rva++
	}
}

// verify checks that l.Bytes is a correct PE32+ image of im and that the
// ground truth in l describes it.
func verify(t tb, src *difftest.Image, l *difftest.Layout) {
	t.Helper()
	f, err := pe.NewFile(bytes.NewReader(l.Bytes))
	if err != nil {
		t.Fatalf("debug/pe: %v", err)
	}
	opt, ok := f.OptionalHeader.(*pe.OptionalHeader64)
	if !ok {
		t.Fatalf("optional header is %T, want PE32+", f.OptionalHeader)
	}
	im := &image{f: f, opt: opt, file: l.Bytes}
	if f.Machine != pe.IMAGE_FILE_MACHINE_AMD64 {
		t.Errorf("machine %#x", f.Machine)
	}
	if opt.ImageBase != l.ImageBase || opt.AddressOfEntryPoint != l.Entry {
		t.Errorf("image base %#x entry %#x, layout says %#x %#x", opt.ImageBase, opt.AddressOfEntryPoint, l.ImageBase, l.Entry)
	}

	// Sections: aligned, ascending, inside SizeOfImage and the file.
	if len(f.Sections) != len(l.Sections) {
		t.Fatalf("%d sections, layout has %d", len(f.Sections), len(l.Sections))
	}
	end := uint32(0)
	for i, s := range f.Sections {
		if s.Name != l.Sections[i].Name || s.VirtualAddress != l.Sections[i].RVA || s.VirtualSize != l.Sections[i].Size {
			t.Errorf("section %d = %s %#x+%#x, layout %+v", i, s.Name, s.VirtualAddress, s.VirtualSize, l.Sections[i])
		}
		if s.VirtualAddress%opt.SectionAlignment != 0 || s.Offset%opt.FileAlignment != 0 || s.Size%opt.FileAlignment != 0 {
			t.Errorf("section %s misaligned: rva %#x offset %#x size %#x", s.Name, s.VirtualAddress, s.Offset, s.Size)
		}
		if s.VirtualAddress < end || s.VirtualAddress < opt.SizeOfHeaders {
			t.Errorf("section %s at %#x overlaps", s.Name, s.VirtualAddress)
		}
		end = s.VirtualAddress + s.VirtualSize
		if uint64(s.Offset)+uint64(s.Size) > uint64(len(l.Bytes)) {
			t.Errorf("section %s raw data beyond the file", s.Name)
		}
	}
	if want := (end + opt.SectionAlignment - 1) &^ (opt.SectionAlignment - 1); opt.SizeOfImage != want {
		t.Errorf("SizeOfImage %#x, want %#x", opt.SizeOfImage, want)
	}
	if opt.NumberOfRvaAndSizes != 16 {
		t.Errorf("NumberOfRvaAndSizes %d", opt.NumberOfRvaAndSizes)
	}
	if want := peChecksum(l.Bytes); opt.CheckSum != want {
		t.Errorf("CheckSum %#x, want %#x", opt.CheckSum, want)
	}

	verifyCode(t, im, src, l)
	verifyPdata(t, im, src, l)
	verifyExports(t, im, src, l)
	verifyRelocs(t, im, src, l)
	verifySymbols(t, f, src, l)
}

// verifyCode decodes every function and checks that it decodes whole, ends
// in ret, and that calls, branches and RIP-relative operands reach what the
// source names.
func verifyCode(t tb, im *image, src *difftest.Image, l *difftest.Layout) {
	t.Helper()
	addr := map[string]uint32{}
	for _, p := range append(append([]difftest.Placed(nil), l.Funcs...), l.Data...) {
		addr[p.Name] = p.RVA
	}
	prevEnd := uint32(0)
	for i, fn := range src.Funcs {
		p := l.Funcs[i]
		if p.Name != fn.Name {
			t.Fatalf("layout func %d is %q, want %q", i, p.Name, fn.Name)
		}
		if p.RVA < prevEnd {
			t.Errorf("%s at %#x overlaps the previous function", fn.Name, p.RVA)
		}
		prevEnd = p.End()
		if got, ok := l.FuncAt(p.RVA + p.Size - 1); !ok || got != p {
			t.Errorf("FuncAt(%#x) = %v, %v", p.RVA+p.Size-1, got, ok)
		}
		code, err := im.at(p.RVA, p.Size)
		if err != nil {
			t.Fatalf("%s: %v", fn.Name, err)
		}
		var insns []x86asm.Inst
		var starts []uint32
		for off := 0; off < len(code); {
			in, err := x86asm.Decode(code[off:], 64)
			if err != nil {
				t.Fatalf("%s+%#x: decode % x: %v", fn.Name, off, code[off:min(off+16, len(code))], err)
			}
			insns = append(insns, in)
			starts = append(starts, p.RVA+uint32(off))
			off += in.Len
		}
		if last := insns[len(insns)-1]; last.Op != x86asm.RET {
			t.Errorf("%s ends with %v", fn.Name, last)
		}
		prolog := len(fn.Saved)
		if fn.Frame > 0 {
			prolog++
		}
		raw := 0
		for _, b := range fn.Body {
			if b.Op == difftest.Raw {
				raw++
			}
		}
		if raw == 0 && len(insns) != prolog+len(fn.Body)+prolog+1 {
			t.Fatalf("%s: decoded %d instructions, want %d", fn.Name, len(insns), 2*prolog+len(fn.Body)+1)
		}
		if raw > 0 {
			continue
		}
		for k, b := range fn.Body {
			in, start := insns[prolog+k], starts[prolog+k]
			next := start + uint32(in.Len)
			want := int64(addr[b.Target]) + int64(b.Addend)
			switch b.Op {
			case difftest.Call, difftest.TailJmp, difftest.Jmp, difftest.Jcc:
				rel, ok := in.Args[0].(x86asm.Rel)
				if !ok {
					t.Fatalf("%s: %v decoded as %v", fn.Name, b, in)
				}
				if b.Op == difftest.Jmp || b.Op == difftest.Jcc {
					if b.Label < len(fn.Body) {
						want = int64(starts[prolog+b.Label])
					} else {
						want = int64(starts[prolog+len(fn.Body)])
					}
				}
				if got := int64(next) + int64(rel); got != want {
					t.Errorf("%s: %v goes to %#x, want %#x", fn.Name, b, got, want)
				}
				wantOp := map[difftest.Op]x86asm.Op{difftest.Call: x86asm.CALL, difftest.TailJmp: x86asm.JMP, difftest.Jmp: x86asm.JMP}[b.Op]
				if b.Op == difftest.Jcc {
					wantOp = jccOps[b.Cond]
				}
				if in.Op != wantOp {
					t.Errorf("%s: %v decoded as %v", fn.Name, b, in)
				}
			case difftest.Load, difftest.Lea, difftest.Store:
				mem, ok := in.Args[1].(x86asm.Mem)
				if b.Op == difftest.Store {
					mem, ok = in.Args[0].(x86asm.Mem)
				}
				if !ok || mem.Base != x86asm.RIP {
					t.Fatalf("%s: %v decoded as %v", fn.Name, b, in)
				}
				if got := int64(next) + int64(int32(mem.Disp)); got != want {
					t.Errorf("%s: %v refers to %#x, want %#x", fn.Name, b, got, want)
				}
			case difftest.MovAbs:
				imm, ok := in.Args[1].(x86asm.Imm)
				if !ok || in.Op != x86asm.MOV || uint64(imm) != l.ImageBase+uint64(want) {
					t.Errorf("%s: %v decoded as %v, want address %#x", fn.Name, b, in, l.ImageBase+uint64(want))
				}
			case difftest.MovImm, difftest.AddImm, difftest.CmpImm:
				imm, ok := in.Args[1].(x86asm.Imm)
				if !ok || int64(imm) != int64(b.Imm) || in.Args[0] != x86asm.RAX+x86asm.Reg(b.Dst) {
					t.Errorf("%s: %v decoded as %v", fn.Name, b, in)
				}
			case difftest.MovReg, difftest.AddReg, difftest.XorReg:
				if in.Args[0] != x86asm.RAX+x86asm.Reg(b.Dst) || in.Args[1] != x86asm.RAX+x86asm.Reg(b.Src) {
					t.Errorf("%s: %v decoded as %v", fn.Name, b, in)
				}
			}
		}
	}
}

var jccOps = [16]x86asm.Op{x86asm.JO, x86asm.JNO, x86asm.JB, x86asm.JAE, x86asm.JE, x86asm.JNE, x86asm.JBE, x86asm.JA,
	x86asm.JS, x86asm.JNS, x86asm.JP, x86asm.JNP, x86asm.JL, x86asm.JGE, x86asm.JLE, x86asm.JG}

// verifyPdata parses the exception directory: RUNTIME_FUNCTION entries
// sorted and disjoint, one per function with unwind info (two when
// chained), each UNWIND_INFO version 1 with codes matching the prologue.
func verifyPdata(t tb, im *image, src *difftest.Image, l *difftest.Layout) {
	t.Helper()
	dir := im.opt.DataDirectory[pe.IMAGE_DIRECTORY_ENTRY_EXCEPTION]
	var want [][3]uint32 // begin, end, chained-to begin (or ^0)
	for i, fn := range src.Funcs {
		p := l.Funcs[i]
		if fn.NoUnwind {
			continue
		}
		if fn.Chain == 0 {
			want = append(want, [3]uint32{p.RVA, p.End(), ^uint32(0)})
			continue
		}
		code, _ := im.at(p.RVA, p.Size)
		split := p.RVA + uint32(bodyOffset(t, code, fn, fn.Chain))
		want = append(want, [3]uint32{p.RVA, split, ^uint32(0)}, [3]uint32{split, p.End(), p.RVA})
	}
	if dir.Size != uint32(12*len(want)) {
		t.Fatalf("exception directory size %d, want %d entries", dir.Size, len(want))
	}
	for k, w := range want {
		e := dir.VirtualAddress + uint32(12*k)
		begin, end, unwind := im.u32(e), im.u32(e+4), im.u32(e+8)
		if begin != w[0] || end != w[1] {
			t.Errorf("RUNTIME_FUNCTION %d = [%#x,%#x), want [%#x,%#x)", k, begin, end, w[0], w[1])
		}
		if unwind%4 != 0 {
			t.Errorf("UNWIND_INFO at %#x not DWORD aligned", unwind)
		}
		hdr, err := im.at(unwind, 4)
		if err != nil {
			t.Fatalf("UNWIND_INFO %d: %v", k, err)
		}
		version, flags, nslots := hdr[0]&7, hdr[0]>>3, uint32(hdr[2])
		if version != 1 {
			t.Errorf("UNWIND_INFO %d version %d", k, version)
		}
		if w[2] != ^uint32(0) {
			if flags != 4 || nslots != 0 {
				t.Errorf("chained UNWIND_INFO %d flags %d codes %d", k, flags, nslots)
			}
			parent := unwind + 4
			if im.u32(parent) != w[2] {
				t.Errorf("chained entry %d points to %#x, want %#x", k, im.u32(parent), w[2])
			}
			continue
		}
		if flags != 0 {
			t.Errorf("UNWIND_INFO %d flags %d", k, flags)
		}
		fn := src.Funcs[indexOf(l, begin)]
		checkUnwindCodes(t, im, unwind, fn)
	}
}

// checkUnwindCodes replays the unwind codes: they must undo exactly the
// pushes and the stack allocation of fn's prologue, at the right offsets.
func checkUnwindCodes(t tb, im *image, unwind uint32, fn difftest.Func) {
	t.Helper()
	hdr, _ := im.at(unwind, 4)
	n := uint32(hdr[2])
	codes, err := im.at(unwind+4, 2*n)
	if err != nil {
		t.Fatalf("%s: unwind codes: %v", fn.Name, err)
	}
	var pushed []difftest.Reg
	var alloc uint32
	for i := 0; i < int(n); i++ {
		op, info := codes[2*i+1]&15, codes[2*i+1]>>4
		switch op {
		case 0: // UWOP_PUSH_NONVOL
			pushed = append(pushed, difftest.Reg(info))
		case 1: // UWOP_ALLOC_LARGE
			if info == 0 {
				alloc += 8 * uint32(binary.LittleEndian.Uint16(codes[2*i+2:]))
				i++
			} else {
				alloc += binary.LittleEndian.Uint32(codes[2*i+2:])
				i += 2
			}
		case 2: // UWOP_ALLOC_SMALL
			alloc += 8*uint32(info) + 8
		default:
			t.Errorf("%s: unexpected unwind op %d", fn.Name, op)
		}
	}
	if alloc != fn.Frame {
		t.Errorf("%s: unwind allocates %d, frame is %d", fn.Name, alloc, fn.Frame)
	}
	for i, r := range pushed { // latest first
		if want := fn.Saved[len(fn.Saved)-1-i]; r != want {
			t.Errorf("%s: unwind pops %v, want %v", fn.Name, r, want)
		}
	}
	if len(pushed) != len(fn.Saved) {
		t.Errorf("%s: unwind pops %d registers, want %d", fn.Name, len(pushed), len(fn.Saved))
	}
}

func indexOf(l *difftest.Layout, rva uint32) int {
	return sort.Search(len(l.Funcs), func(i int) bool { return l.Funcs[i].RVA >= rva })
}

// bodyOffset returns the offset of Body[k] in the encoded function.
func bodyOffset(t tb, code []byte, fn difftest.Func, k int) int {
	skip := len(fn.Saved) + k
	if fn.Frame > 0 {
		skip++
	}
	off := 0
	for i := 0; i < skip; i++ {
		in, err := x86asm.Decode(code[off:], 64)
		if err != nil {
			t.Fatal(err)
		}
		off += in.Len
	}
	return off
}

// verifyExports walks the export directory: every exported function by
// name, the name pointer table sorted.
func verifyExports(t tb, im *image, src *difftest.Image, l *difftest.Layout) {
	t.Helper()
	want := map[string]uint32{}
	for i, fn := range src.Funcs {
		if fn.Export {
			want[fn.Name] = l.Funcs[i].RVA
		}
	}
	dir := im.opt.DataDirectory[pe.IMAGE_DIRECTORY_ENTRY_EXPORT]
	if len(want) == 0 {
		if dir.VirtualAddress != 0 {
			t.Errorf("export directory without exports")
		}
		return
	}
	d := dir.VirtualAddress
	nfuncs, nnames := im.u32(d+20), im.u32(d+24)
	eat, enpt, eot := im.u32(d+28), im.u32(d+32), im.u32(d+36)
	base := im.u32(d + 16)
	if nnames != uint32(len(want)) || nfuncs != nnames || base != 1 {
		t.Fatalf("export directory: %d functions %d names base %d, want %d", nfuncs, nnames, base, len(want))
	}
	prev := ""
	for i := uint32(0); i < nnames; i++ {
		name := im.cstring(im.u32(enpt + 4*i))
		if name <= prev && i > 0 {
			t.Errorf("export names not sorted: %q after %q", name, prev)
		}
		prev = name
		b, _ := im.at(eot+2*i, 2)
		ord := uint32(binary.LittleEndian.Uint16(b))
		if got := im.u32(eat + 4*ord); got != want[name] {
			t.Errorf("export %q at %#x, want %#x", name, got, want[name])
		}
	}
	if dll := im.cstring(im.u32(d + 12)); dll == "" {
		t.Errorf("export directory has no DLL name")
	}
}

// verifyRelocs parses .reloc: the DIR64 entries are exactly l.Relocs, and
// each points at an 8-byte value inside the image.
func verifyRelocs(t tb, im *image, src *difftest.Image, l *difftest.Layout) {
	t.Helper()
	dir := im.opt.DataDirectory[pe.IMAGE_DIRECTORY_ENTRY_BASERELOC]
	if src.NoRelocs || len(l.Relocs) == 0 {
		if dir.VirtualAddress != 0 || im.f.Characteristics&pe.IMAGE_FILE_RELOCS_STRIPPED == 0 {
			t.Errorf("relocations present or not marked stripped")
		}
		return
	}
	var got []uint32
	for off := uint32(0); off < dir.Size; {
		page, size := im.u32(dir.VirtualAddress+off), im.u32(dir.VirtualAddress+off+4)
		if size < 8 || size%4 != 0 || off+size > dir.Size {
			t.Fatalf("reloc block at %d: size %d", off, size)
		}
		entries, _ := im.at(dir.VirtualAddress+off+8, size-8)
		for i := 0; i+1 < len(entries); i += 2 {
			e := binary.LittleEndian.Uint16(entries[i:])
			switch e >> 12 {
			case 0:
			case 10:
				got = append(got, page+uint32(e&0xFFF))
			default:
				t.Errorf("reloc type %d", e>>12)
			}
		}
		off += size
	}
	if fmt.Sprint(got) != fmt.Sprint(l.Relocs) {
		t.Errorf("relocs %x, layout says %x", got, l.Relocs)
	}
	lo, hi := l.ImageBase, l.ImageBase+uint64(im.opt.SizeOfImage)
	for _, r := range got {
		b, err := im.at(r, 8)
		if err != nil {
			t.Fatalf("reloc at %#x: %v", r, err)
		}
		if v := binary.LittleEndian.Uint64(b); v < lo || v >= hi {
			t.Errorf("reloc at %#x holds %#x, outside the image", r, v)
		}
	}
}

// verifySymbols checks the COFF symbol table as debug/pe reads it.
func verifySymbols(t tb, f *pe.File, src *difftest.Image, l *difftest.Layout) {
	t.Helper()
	if !src.Symbols {
		if len(f.Symbols) != 0 {
			t.Errorf("%d symbols, want none", len(f.Symbols))
		}
		return
	}
	if len(f.Symbols) != len(l.Funcs)+len(l.Data) {
		t.Fatalf("%d symbols, want %d", len(f.Symbols), len(l.Funcs)+len(l.Data))
	}
	for i, p := range append(append([]difftest.Placed(nil), l.Funcs...), l.Data...) {
		s := f.Symbols[i]
		sec := f.Sections[s.SectionNumber-1]
		if s.Name != p.Name || sec.VirtualAddress+s.Value != p.RVA {
			t.Errorf("symbol %d = %q at %s+%#x, want %q at %#x", i, s.Name, sec.Name, s.Value, p.Name, p.RVA)
		}
		if isFunc := i < len(l.Funcs); isFunc != (s.Type == 0x20) {
			t.Errorf("symbol %q type %#x", s.Name, s.Type)
		}
	}
}

// peChecksum is the PE image checksum, computed independently of the
// builder with the CheckSum field (at a fixed offset from e_lfanew) zeroed.
func peChecksum(file []byte) uint32 {
	at := int(binary.LittleEndian.Uint32(file[0x3C:])) + 4 + 20 + 64
	c := append([]byte(nil), file...)
	copy(c[at:at+4], []byte{0, 0, 0, 0})
	var sum uint32
	for i := 0; i < len(c); i += 2 {
		w := uint32(c[i])
		if i+1 < len(c) {
			w |= uint32(c[i+1]) << 8
		}
		sum += w
		sum = (sum & 0xFFFF) + (sum >> 16)
	}
	sum = (sum & 0xFFFF) + (sum >> 16)
	return sum + uint32(len(c))
}

// tb is what verify needs of *testing.T and *rapid.T.
type tb interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Fatal(args ...any)
}
