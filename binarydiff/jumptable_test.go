package binarydiff_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/patchmodel/patchmodel/binarydiff"
)

// jumpTableBase has a switch that GCC compiles, in a position-independent
// executable, into a jump table in .rodata whose entries are offsets from
// the table to the code: when code moves relative to the table, every
// entry changes although nothing the switch does has.
const jumpTableBase = `#include <stdio.h>
#define N __attribute__((noinline, noclone))
N int f0(int x) { return x * 3 + 1; }
N int f1(int x) { return x ^ 0x55; }
N int f2(int x) { return x - 17; }
N int f3(int x) { return x << 3; }
N int f4(int x) { return x / 7; }
N int f5(int x) { return x % 11; }
N int pick(int i, int x) {
	switch (i) {
	case 0: return f0(x) + 5;
	case 1: return f1(x) * 3;
	case 2: return f2(x) - 9;
	case 3: return f3(x) ^ 7;
	case 4: return f4(x) + 100;
	case 5: return f5(x) * 13;
	default: return -1;
	}
}
int main(int argc, char **argv) { printf("%d\n", pick(argc, argc + 1)); return 0; }
`

// TestJumpTableMoved: a function is inserted before the switch, so the
// switch's code moves and its table's entries all change: the switch is
// Moved, not Changed (its entries lead to the same places of the same
// code), while main, which calls the new function, is Changed by code.
func TestJumpTableMoved(t *testing.T) {
	dir := t.TempDir()
	old := parseELFFile(t, gccBuild(t, dir, "jt-old", jumpTableBase))
	src := strings.Replace(jumpTableBase, "N int pick", "N int grow(int x) { return x * x + 3 * x - 2; }\nN int pick", 1)
	src = strings.Replace(src, "pick(argc, argc + 1)", "pick(argc, grow(argc))", 1)
	new := parseELFFile(t, gccBuild(t, dir, "jt-new", src))
	for _, ignore := range []bool{false, true} {
		t.Run(fmt.Sprintf("IgnoreSymbols=%v", ignore), func(t *testing.T) {
			res, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{IgnoreSymbols: ignore})
			if err != nil {
				t.Fatal(err)
			}
			rodata := false
			for _, sd := range res.Sections {
				rodata = rodata || sd.Name == ".rodata" && sd.Kind == binarydiff.Changed
			}
			if !rodata {
				t.Fatal(".rodata did not change: the table's entries are expected to")
			}
			for _, fd := range res.Functions {
				if fd.Old == nil {
					continue
				}
				name := old.Functions[old.FunctionAt(fd.Old.RVA)].Name
				switch {
				case name == "pick" && fd.Kind != binarydiff.Moved:
					e, _ := binarydiff.Explain(old, new, fd)
					t.Errorf("pick: %v %v, want moved\n%s", fd.Kind, fd.Cause, e)
				case name == "main" && (fd.Kind != binarydiff.Changed || fd.Cause != binarydiff.CauseCode):
					t.Errorf("main: %v %v, want changed by code", fd.Kind, fd.Cause)
				}
			}
		})
	}
}
