package binarydiff

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// TestRelativeSlotsAtLinkAddress: an R_X86_64_RELATIVE slot holds the
// load bias plus the addend, and the bias is zero at the addresses the
// image is linked at, whatever its lowest segment's address: a Go PIE is
// linked at 0x400000 and its linker writes the addend into each slot, so
// every slot read as the loader leaves it equals the file's word (read as
// that address plus the addend, each pointer of the image pointed 4 MB too
// far). Real Go PIEs of the corpus cache (fetched by
// binarydiff/corpus/fetch.sh); skipped without it.
func TestRelativeSlotsAtLinkAddress(t *testing.T) {
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Skip(err)
	}
	for _, name := range []string{"go1.16.15-linux-amd64-pie-v1", "go1.26.8-linux-amd64-pie-v1"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(cache, "patchmodel-corpus", "files", name)
			if _, err := os.Stat(path); err != nil {
				t.Skipf("%s: corpus cache absent (%v)", name, err)
			}
			b, err := Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if b.ImageBase == 0 {
				t.Fatalf("ImageBase 0: not the case this test is about")
			}
			var w [8]byte
			n := 0
			for _, rva := range b.relocs.rvas {
				if b.readRVA(w[:], rva) != nil {
					continue
				}
				n++
				if word := binary.LittleEndian.Uint64(w[:]); b.relocatedPointer(rva, word) != word {
					t.Fatalf("slot at %#x: file word %#x, read as %#x", rva, word, b.relocatedPointer(rva, word))
				}
			}
			if n < 1000 {
				t.Fatalf("%d relocated slots read, want a Go PIE's thousands", n)
			}
		})
	}
}
