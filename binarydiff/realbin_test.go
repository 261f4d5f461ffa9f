package binarydiff_test

import (
	"context"
	"debug/pe"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/patchmodel/patchmodel/binarydiff"
)

// Real compiler output: two versions of a small program, built here, whose
// source differs in known functions (testdata/realbin/v1.* and v2.*). The
// ground truth comes from the symbol table of each build.

// realCase is a pair of builds and what the source change did.
type realCase struct {
	old, new                string // paths of the two images
	changed, added, removed []string

	// rewritten lists changed functions that the compiler rewrote so much
	// that, without names, nothing tells them from a removal plus an
	// addition (gcc -O2 turns v1's cmov clamp into v2's branches: token
	// similarity 0.375, under the 0.5 threshold). Stripped, such a function
	// may be reported either way; with names it must be Changed.
	rewritten []string
}

// buildGo returns testdata/realbin/<version>.go built for windows/amd64
// (see fxMatrix).
func buildGo(t *testing.T, version string) string {
	t.Helper()
	return binarydiff.GoFixture(t, "windows", "amd64", "", version)
}

// buildC compiles testdata/realbin/<version>.c with MinGW-w64 GCC.
func buildC(t *testing.T, dir, version string) string {
	t.Helper()
	cc, err := exec.LookPath("x86_64-w64-mingw32-gcc")
	if err != nil {
		t.Skip("x86_64-w64-mingw32-gcc not found: apt-get install -y gcc-mingw-w64-x86-64")
	}
	out := filepath.Join(dir, version+"-c.exe")
	cmd := exec.Command(cc, "-O2", "-o", out, filepath.Join("testdata", "realbin", version+".c"))
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", cc, version, err, msg)
	}
	return out
}

// codeSymbols maps the RVA of every COFF symbol in an executable section,
// except section symbols, to its names, read with debug/pe independently
// of binarydiff. (MinGW types its import thunks 0, not 0x20, so the type
// cannot tell functions from data there.)
func codeSymbols(t *testing.T, path string) map[uint32][]string {
	t.Helper()
	f, err := pe.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[uint32][]string{}
	for _, s := range f.Symbols {
		if s.SectionNumber <= 0 || int(s.SectionNumber) > len(f.Sections) || strings.HasPrefix(s.Name, ".") {
			continue
		}
		sec := f.Sections[s.SectionNumber-1]
		if sec.Characteristics&pe.IMAGE_SCN_MEM_EXECUTE == 0 {
			continue
		}
		rva := sec.VirtualAddress + s.Value
		out[rva] = append(out[rva], s.Name)
	}
	if len(out) == 0 {
		t.Fatalf("%s has no symbols", path)
	}
	return out
}

func TestRealGo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	checkReal(t, realCase{
		old:     buildGo(t, "v1"),
		new:     buildGo(t, "v2"),
		changed: []string{"main.clamp", "main.main", "main.scale"},
		added:   []string{"main.fresh"},
		removed: []string{"main.legacy"},
	})
}

func TestRealC(t *testing.T) {
	dir := t.TempDir()
	checkReal(t, realCase{
		old:       buildC(t, dir, "v1"),
		new:       buildC(t, dir, "v2"),
		changed:   []string{"clamp", "main", "scale"},
		added:     []string{"fresh"},
		removed:   []string{"legacy"},
		rewritten: []string{"clamp"},
	})
}

// checkReal diffs the pair with names and without, and checks that exactly
// the functions changed in the source are Changed, Added or Removed, and
// that every pair joins functions of the same name.
func checkReal(t *testing.T, c realCase) {
	t.Helper()
	oldSyms, newSyms := codeSymbols(t, c.old), codeSymbols(t, c.new)
	for _, ignore := range []bool{false, true} {
		t.Run(fmt.Sprintf("IgnoreSymbols=%v", ignore), func(t *testing.T) {
			a, err := binarydiff.Open(context.Background(), c.old)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			b, err := binarydiff.Open(context.Background(), c.new)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			res, err := binarydiff.Diff(context.Background(), a, b, binarydiff.Options{IgnoreSymbols: ignore})
			if err != nil {
				t.Fatal(err)
			}
			checkAccounting(t, a, b, res)
			for _, want := range append(slices.Clone(c.changed), c.removed...) {
				if !slices.ContainsFunc(a.Functions, func(f binarydiff.Function) bool { return slices.Contains(oldSyms[f.RVA], want) }) {
					t.Errorf("old binary: no function found at symbol %s", want)
				}
			}
			for _, want := range append(slices.Clone(c.changed), c.added...) {
				if !slices.ContainsFunc(b.Functions, func(f binarydiff.Function) bool { return slices.Contains(newSyms[f.RVA], want) }) {
					t.Errorf("new binary: no function found at symbol %s", want)
				}
			}
			name := func(syms map[uint32][]string, r *binarydiff.FuncRef) string {
				if n := syms[r.RVA]; len(n) > 0 {
					return strings.Join(n, "=")
				}
				return fmt.Sprintf("?%#x", r.RVA) // discovered without a symbol
			}
			got := map[binarydiff.Kind][]string{}
			var mispaired []string
			for _, fd := range res.Functions {
				switch {
				case fd.Old == nil:
					got[fd.Kind] = append(got[fd.Kind], name(newSyms, fd.New))
				case fd.New == nil:
					got[fd.Kind] = append(got[fd.Kind], name(oldSyms, fd.Old))
				default:
					on, nn := name(oldSyms, fd.Old), name(newSyms, fd.New)
					if on != nn && !strings.HasPrefix(on, "?") && !strings.HasPrefix(nn, "?") {
						mispaired = append(mispaired, fmt.Sprintf("%s %s→%s (%v, %.2f)", fd.Kind, on, nn, fd.Pass, fd.Similarity))
					}
					got[fd.Kind] = append(got[fd.Kind], on)
				}
			}
			for _, f := range c.rewritten {
				if ignore && slices.Contains(got[binarydiff.Added], f) && slices.Contains(got[binarydiff.Removed], f) {
					t.Logf("stripped: rewritten %s reported as removed + added", f)
					got[binarydiff.Added] = slices.DeleteFunc(got[binarydiff.Added], func(s string) bool { return s == f })
					got[binarydiff.Removed] = slices.DeleteFunc(got[binarydiff.Removed], func(s string) bool { return s == f })
					got[binarydiff.Changed] = append(got[binarydiff.Changed], f)
				}
			}
			for kind, want := range map[binarydiff.Kind][]string{binarydiff.Changed: c.changed, binarydiff.Added: c.added, binarydiff.Removed: c.removed} {
				sort.Strings(got[kind])
				if !slices.Equal(got[kind], want) {
					t.Errorf("%v: got %v, want %v", kind, got[kind], want)
				}
			}
			if len(mispaired) > 0 {
				t.Errorf("%d pairs join differently named functions:\n%s", len(mispaired), strings.Join(mispaired, "\n"))
			}
		})
	}
}
