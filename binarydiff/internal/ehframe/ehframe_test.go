package ehframe

import (
	"debug/elf"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// cieZR is a CIE with augmentation "zR" and FDE encoding pcrel|sdata4, as
// GCC emits on x86-64.
func cieZR() []byte {
	body := []byte{0, 0, 0, 0, 1, 'z', 'R', 0, 1, 0x78, 0x10, 1, DW_EH_PE_pcrel | DW_EH_PE_sdata4, 0x0c, 7, 8, 0x90, 1, 0, 0}
	return append(binary.LittleEndian.AppendUint32(nil, uint32(len(body))), body...)
}

// fde returns an FDE at section offset off whose CIE is at offset 0,
// covering [begin, begin+size) for a section loaded at addr.
func fde(off int, addr uint64, begin, size uint32) []byte {
	body := binary.LittleEndian.AppendUint32(nil, uint32(off+4)) // back to the CIE at 0
	field := addr + uint64(off) + 8
	body = binary.LittleEndian.AppendUint32(body, uint32(int32(int64(begin)-int64(field))))
	body = binary.LittleEndian.AppendUint32(body, size)
	body = append(body, 0, 0, 0, 0)
	return append(binary.LittleEndian.AppendUint32(nil, uint32(len(body))), body...)
}

func TestParseSynthetic(t *testing.T) {
	const addr = 0x2000
	sec := cieZR()
	sec = append(sec, fde(len(sec), addr, 0x1000, 0x20)...)
	sec = append(sec, fde(len(sec), addr, 0x1040, 0x8)...)
	sec = append(sec, 0, 0, 0, 0)
	fdes, errs := Parse(sec, addr, 8)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(fdes) != 2 || fdes[0].Begin != 0x1000 || fdes[0].Size != 0x20 || fdes[1].Begin != 0x1040 || fdes[1].Size != 8 {
		t.Errorf("%+v", fdes)
	}
	// Truncations and bogus lengths: errors, never a panic.
	for n := range sec {
		Parse(sec[:n], addr, 8)
	}
	bad := append([]byte(nil), sec...)
	binary.LittleEndian.PutUint32(bad[len(cieZR()):], 0xfffffff0)
	if _, errs := Parse(bad, addr, 8); len(errs) == 0 {
		t.Error("bogus length accepted")
	}
}

// TestParseGCC checks the FDEs of a GCC-built executable against its
// symbol table: every function symbol with a size has an FDE at its start
// covering it.
func TestParseGCC(t *testing.T) {
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not found")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "t.c")
	os.WriteFile(src, []byte("#include <stdio.h>\nstatic int h(int x){return x*7;}\nint add(int a,int b){return h(a)+b;}\nint main(int c,char**v){printf(\"%d\\n\",add(c,2));return 0;}\n"), 0o644)
	out := filepath.Join(dir, "t")
	if msg, err := exec.Command(gcc, "-O2", "-o", out, src).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := f.Section(".eh_frame")
	data, err := s.Data()
	if err != nil {
		t.Fatal(err)
	}
	fdes, errs := Parse(data, s.Addr, 8)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	starts := map[uint64]uint64{}
	for _, d := range fdes {
		starts[d.Begin] = d.Size
	}
	syms, _ := f.Symbols()
	n := 0
	for _, sym := range syms {
		if elf.ST_TYPE(sym.Info) == elf.STT_FUNC && sym.Size > 0 && sym.Section != elf.SHN_UNDEF && sym.Name != "_init" && sym.Name != "_fini" {
			n++
			if size, ok := starts[sym.Value]; !ok || size < sym.Size {
				t.Errorf("%s [%#x,+%#x): no FDE (have %v)", sym.Name, sym.Value, sym.Size, fdes)
			}
		}
	}
	if n < 2 {
		t.Errorf("only %d function symbols", n)
	}
}

func FuzzEHFrame(f *testing.F) {
	sec := cieZR()
	sec = append(sec, fde(len(sec), 0x2000, 0x1000, 0x20)...)
	f.Add(sec, uint64(0x2000), true)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0, 0, 0, 0, 0}, uint64(0), false)
	f.Fuzz(func(t *testing.T, p []byte, addr uint64, wide bool) {
		ptr := 4
		if wide {
			ptr = 8
		}
		fdes, _ := Parse(p, addr, ptr)
		if len(fdes) > len(p)/8 {
			t.Fatalf("%d FDEs from %d bytes", len(fdes), len(p))
		}
	})
}
