package binarydiff

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"runtime"
	"testing"
)

// Stripped Go binaries (-ldflags=-s -w): names come from the pclntab, in
// an ELF file (.gopclntab) and in an Arm64 PE image (inside .rdata).
func TestPclntabStripped(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		goos, goarch string
		parse        func(p []byte) (*Binary, error)
	}{
		{"linux", "amd64", func(p []byte) (*Binary, error) { return Parse(context.Background(), bytes.NewReader(p), int64(len(p))) }},
		{"windows", "amd64", func(p []byte) (*Binary, error) { return Parse(context.Background(), bytes.NewReader(p), int64(len(p))) }},
		{"windows", "arm64", func(p []byte) (*Binary, error) {
			return parsePE(context.Background(), bytes.NewReader(p), int64(len(p)), runtime.GOMAXPROCS(0))
		}},
	} {
		t.Run(tc.goos+"/"+tc.goarch, func(t *testing.T) {
			var bins [2]*Binary
			for i, v := range []string{"v1", "v2"} {
				path := buildGoFor(t, dir, v, tc.goos, tc.goarch, "-s -w")
				p, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if bins[i], err = tc.parse(p); err != nil {
					t.Fatal(err)
				}
			}
			// Go links linux/amd64 executables static, without relocations:
			// the pointers in their data are inferred.
			if tc.goos == "linux" && len(bins[0].relocs.rvas) < 1000 {
				t.Errorf("%d pointers inferred in a Go ELF executable", len(bins[0].relocs.rvas))
			}
			named := 0 // stripped: every name comes from the pclntab
			for _, f := range bins[0].Functions {
				if f.Name != "" {
					named++
				}
			}
			if named < 1000 {
				t.Errorf("only %d functions named by the pclntab", named)
			}
			res, err := Diff(context.Background(), bins[0], bins[1], Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := otherKinds(res, "runtime.text", "go:buildid") // the build ID, at the start of the text
			for kind, want := range map[Kind][]string{Changed: {"main.clamp", "main.main", "main.scale"}, Added: {"main.fresh"}, Removed: {"main.legacy"}} {
				if !equalStrings(got[kind], want) {
					t.Errorf("%v: got %v, want %v", kind, got[kind], want)
				}
			}
		})
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// buildGoFor builds testdata/realbin/<version>.go for goos/goarch.
func buildGoFor(t *testing.T, dir, version, goos, goarch, ldflags string) string {
	t.Helper()
	if goos == "windows" {
		return buildGoWindows(t, dir, version, goarch, ldflags)
	}
	t.Setenv("GOOS", goos)
	return buildGoWindows(t, dir, version, goarch, ldflags)
}

func TestParsePclntabBad(t *testing.T) {
	hdr := make([]byte, 80)
	binary.LittleEndian.PutUint32(hdr, go120PclntabMagic)
	hdr[6], hdr[7] = 1, 8
	binary.LittleEndian.PutUint64(hdr[8:], 1<<40) // absurd function count
	var fe *FormatError
	if _, err := ParsePclntab(hdr, 0x401000); !errors.As(err, &fe) {
		t.Errorf("absurd count: %v", err)
	}
	for n := range 16 {
		if _, err := ParsePclntab(hdr[:n], 0); err == nil {
			t.Errorf("%d-byte table accepted", n)
		}
	}
}

func FuzzPclntab(f *testing.F) {
	// testdata/fuzz/FuzzPclntab holds the first 4 KiB of a real table (a
	// go1.26 test binary's).
	hdr := make([]byte, 80)
	binary.LittleEndian.PutUint32(hdr, go120PclntabMagic)
	hdr[6], hdr[7] = 1, 8
	binary.LittleEndian.PutUint64(hdr[8:], 2)
	f.Add(hdr)
	f.Fuzz(func(t *testing.T, p []byte) {
		funcs, err := ParsePclntab(p, 0x401000)
		if err == nil && len(funcs) > len(p)/8 {
			t.Fatalf("%d functions from %d bytes", len(funcs), len(p))
		}
	})
}
