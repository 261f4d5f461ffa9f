package binarydiff

import (
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/patchmodel/patchmodel/internal/corpuscache"
)

// TestRelativeSlotsAtLinkAddress: an R_X86_64_RELATIVE slot holds the
// load bias plus the addend, and the bias is zero at the addresses the
// image is linked at, whatever its lowest segment's address. A shared
// object with a table of pointers to its functions, linked at 0x400000 by
// GNU ld (which writes the addend into the slot) and by LLVM lld (which
// leaves the slot zero): every slot reads as an address inside the image,
// and as the file's word where the file holds one (read as that address
// plus the addend, each pointer pointed 4 MB too far).
func TestRelativeSlotsAtLinkAddress(t *testing.T) {
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not found")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "t.c")
	if err := os.WriteFile(src, []byte(`#define N __attribute__((noinline, noclone))
N static int f1(int x) { return x + 1; }
N static int f2(int x) { return x * 2; }
N static int f3(int x) { return x - 3; }
static int (*const table[])(int) = {f1, f2, f3};
N int call(int i, int x) { return table[i](x); }
`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ linker, base string }{{"bfd", "-Wl,-Ttext-segment=0x400000"}, {"lld", "-Wl,--image-base=0x400000"}} {
		t.Run(tc.linker, func(t *testing.T) {
			if tc.linker == "lld" {
				if _, err := exec.LookPath("ld.lld"); err != nil {
					t.Skip("ld.lld not found: apt-get install -y lld")
				}
			}
			out := filepath.Join(dir, tc.linker+".so")
			if msg, err := exec.Command(gcc, "-O2", "-shared", "-fPIC", "-fuse-ld="+tc.linker, tc.base, "-o", out, src).CombinedOutput(); err != nil {
				t.Fatalf("gcc: %v\n%s", err, msg)
			}
			checkRelativeSlots(t, out, 3)
		})
	}
}

// TestRelativeSlotsGoPIE is TestRelativeSlotsAtLinkAddress on the Go
// PIEs of the corpus cache ($PATCHMODEL_CORPUS_CACHE or
// ~/.cache/patchmodel-corpus, filled by binarydiff/corpus/fetch.sh),
// linked at 0x400000 by Go's linker; skipped without it.
func TestRelativeSlotsGoPIE(t *testing.T) {
	for _, name := range []string{"go1.16.15-linux-amd64-pie-v1", "go1.26.8-linux-amd64-pie-v1"} {
		t.Run(name, func(t *testing.T) {
			path, ok := corpuscache.File(name)
			if !ok {
				t.Skipf("%s absent: run binarydiff/corpus/fetch.sh", path)
			}
			checkRelativeSlots(t, path, 1000)
		})
	}
}

// checkRelativeSlots checks that every relocated slot of the image at
// path, linked at a nonzero address, reads as an address within the
// image (Go's linker has pointers to the ends of sections, between them), equal to the file's word unless that is zero, and that there are
// at least min of them.
func checkRelativeSlots(t *testing.T, path string, min int) {
	t.Helper()
	b, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.ImageBase == 0 {
		t.Fatalf("ImageBase 0: not the case this test is about")
	}
	var end uint64 // of the image's last section
	for _, s := range b.Sections {
		end = max(end, uint64(s.RVA)+uint64(s.Size))
	}
	var w [8]byte
	n := 0
	for _, rva := range b.relocs.rvas {
		if b.readRVA(w[:], rva) != nil {
			continue
		}
		n++
		word := binary.LittleEndian.Uint64(w[:])
		v := b.relocatedPointer(rva, word)
		if word != 0 && v != word || v < b.ImageBase || v-b.ImageBase > end {
			t.Fatalf("slot at %#x: file word %#x, read as %#x (image at %#x)", rva, word, v, b.ImageBase)
		}
	}
	if n < min {
		t.Fatalf("%d relocated slots read, want at least %d", n, min)
	}
}
