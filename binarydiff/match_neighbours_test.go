package binarydiff

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
)

// A C++ shared object built here twice (testdata/neighbours/lib.cc; -DV2
// adds a class in the middle and changes run): its deleting destructors,
// accessors and template instances have the same code class after class,
// and once paired them by position or by raw bytes that matched by chance
// (a jump's displacement), with the wrong partner. With names ignored,
// every function named alike on both sides must pair with its namesake:
// the vtables, told apart by their type names and their constructors'
// references, pair the functions they hold.
func TestNeighboursCxx(t *testing.T) {
	if testing.Short() {
		t.Skip("builds C++")
	}
	cxx, err := exec.LookPath("g++")
	if err != nil {
		t.Skip("g++ not found")
	}
	dir := t.TempDir()
	var bins [2]*Binary
	for i, def := range []string{"-DV1", "-DV2"} {
		out := filepath.Join(dir, def[2:]+".so")
		cmd := exec.Command(cxx, "-O2", "-fPIC", "-shared", def, "-o", out, filepath.Join("testdata", "neighbours", "lib.cc"))
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("g++: %v\n%s", err, msg)
		}
		if bins[i], err = Open(context.Background(), out); err != nil {
			t.Fatal(err)
		}
		defer bins[i].Close()
	}
	res, err := Diff(context.Background(), bins[0], bins[1], Options{IgnoreSymbols: true})
	if err != nil {
		t.Fatal(err)
	}
	name := func(b *Binary, rva uint32) string {
		if i := b.FunctionAt(rva); i >= 0 {
			return b.Functions[i].Name
		}
		return ""
	}
	newNames := map[string]bool{}
	for _, f := range bins[1].Functions {
		newNames[f.Name] = true
	}
	pairs := 0
	for _, fd := range res.Functions {
		switch {
		case fd.Old != nil && fd.New != nil:
			pairs++
			if on, nn := name(bins[0], fd.Old.RVA), name(bins[1], fd.New.RVA); on != nn {
				t.Errorf("%v by %v: %s paired with %s", fd.Kind, fd.Pass, on, nn)
			}
		case fd.Old != nil:
			if on := name(bins[0], fd.Old.RVA); newNames[on] {
				t.Errorf("%s removed, yet in the new file", on)
			}
		}
	}
	if pairs < 60 {
		t.Errorf("only %d pairs", pairs)
	}
}
