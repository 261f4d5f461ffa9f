package binarydiff_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/patchmodel/patchmodel/binarydiff"
)

// slotTableBase is a shared object with a constant table (static: read
// directly, not through a GOT slot) of pointers to its own functions: position-independent, so every slot of the
// table gets an R_X86_64_RELATIVE relocation whose addend is the
// function's address. GNU ld writes the addend into the slot as well;
// LLVM lld leaves the slot zero, so that only the relocation says where
// it points.
const slotTableBase = `#define N __attribute__((noinline, noclone))
N static int f1(int x) { return x + 1; }
N static int f2(int x) { return x * 2; }
N static int f3(int x) { return x - 3; }
N static int f4(int x) { return x ^ 7; }
static int (*const table[])(int) = {f1, f2, f3, f4};
N int call(int i, int x) { return table[i](x); }
`

// TestELFRelocatedSlotTable: a table of pointers to functions is
// retargeted (its first two entries swapped: a reference is judged by the item it points to, here the first slot) while no code changes. Its reader is
// Changed by data whichever linker wrote the slots, names read or not; when
// the functions only move (a function inserted before them) it is not.
func TestELFRelocatedSlotTable(t *testing.T) {
	retarget := strings.Replace(slotTableBase, "{f1, f2, f3, f4}", "{f2, f1, f3, f4}", 1)
	grow := strings.Replace(slotTableBase, "N static int f1", "N int g0(int x) { return x * x + 3 * x - 2; }\nN static int f1", 1)
	for _, tc := range []struct {
		linker string
		src    string
		want   binarydiff.Kind
	}{
		{"bfd", retarget, binarydiff.Changed},
		{"lld", retarget, binarydiff.Changed},
		{"bfd", grow, binarydiff.Moved},
		{"lld", grow, binarydiff.Moved},
	} {
		edit := "retargeted"
		if tc.src == grow {
			edit = "moved"
		}
		t.Run(tc.linker+"/"+edit, func(t *testing.T) {
			if tc.linker == "lld" {
				if _, err := exec.LookPath("ld.lld"); err != nil {
					t.Skip("ld.lld not found: apt-get install -y lld")
				}
			}
			dir := t.TempDir()
			args := []string{"-shared", "-fPIC", "-fuse-ld=" + tc.linker}
			old := parseELFFile(t, gccBuild(t, dir, "old", slotTableBase, args...))
			new := parseELFFile(t, gccBuild(t, dir, "new", tc.src, args...))
			for _, ignore := range []bool{false, true} {
				res, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{IgnoreSymbols: ignore})
				if err != nil {
					t.Fatal(err)
				}
				fd := findDiff(res, old, "call")
				if fd == nil {
					t.Fatalf("IgnoreSymbols=%v: call not paired", ignore)
				}
				if fd.Kind != tc.want || tc.want == binarydiff.Changed && fd.Cause != binarydiff.CauseData {
					t.Errorf("IgnoreSymbols=%v: call is %v (cause %v), want %v%s", ignore, fd.Kind, fd.Cause, tc.want,
						map[bool]string{true: " by data"}[tc.want == binarydiff.Changed])
				}
			}
		})
	}
}

// findDiff returns the pair whose old function is old's function named
// name (found by address: with names ignored the result has none).
func findDiff(res *binarydiff.Result, old *binarydiff.Binary, name string) *binarydiff.FunctionDiff {
	for _, f := range old.Functions {
		if f.Name != name {
			continue
		}
		for i, fd := range res.Functions {
			if fd.Old != nil && fd.New != nil && fd.Old.RVA == f.RVA {
				return &res.Functions[i]
			}
		}
	}
	return nil
}
