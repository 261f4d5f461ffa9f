package binarydiff

import (
	"context"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// placeSource has functions of equal code (dup*), no one calls, between
// functions of code of their own (uniq*), and functions reached only
// through the PLT or the GOT of a shared object (preempt*, default
// visibility): called by call*, their addresses taken by take*.
func placeSource() string {
	var b strings.Builder
	b.WriteString("#define N __attribute__((noinline, noclone, used))\n")
	for k := range 6 {
		fmt.Fprintf(&b, "N int uniq%d(int x) { return x * %d + %d; }\n", k, 11+k, 3*k+1)
		fmt.Fprintf(&b, "N int dup%d(int x) { return x * 3 + 7; }\n", k)
		fmt.Fprintf(&b, "N int preempt%d(int x) { return x * 5 - 9; }\n", k)
		fmt.Fprintf(&b, "N int call%d(int x) { return preempt%d(x) + %d; }\n", k, k, 100+k)
		fmt.Fprintf(&b, "N void *take%d(void) { return (void *)preempt%d; }\n", k, k)
	}
	return b.String()
}

// buildPlace compiles placeSource into a shared object and opens it.
func buildPlace(t *testing.T) *Binary {
	t.Helper()
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not found")
	}
	return compileOpen(t, t.TempDir(), "place.c", "place.so", placeSource(), cc, "-O2", "-fPIC", "-shared")
}

// compileOpen writes src to dir/file, compiles it with compiler and args
// into dir/out (the source and "-o out" appended), and opens the result
// for the test's duration.
func compileOpen(t *testing.T, dir, file, out, src, compiler string, args ...string) *Binary {
	t.Helper()
	file, out = filepath.Join(dir, file), filepath.Join(dir, out)
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command(compiler, append(args, "-o", out, file)...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", filepath.Base(compiler), err, msg)
	}
	b, err := Open(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// placeMatcher diffs b with itself, names ignored, every function paired
// with itself except those unpaired reports.
func placeMatcher(b *Binary, unpaired func(name string) bool) *matcher {
	m := newMatcher(context.Background(), b, b, Options{IgnoreSymbols: true, Threshold: DefaultThreshold, Workers: 1})
	m.completeFeatures()
	for i, f := range b.Functions {
		if !unpaired(f.Name) {
			m.pair(i, i, PassExact)
		}
	}
	return m
}

// TestPlacePasses: the passes that pair by place pair each function left
// unpaired with itself, and no other.
func TestPlacePasses(t *testing.T) {
	b := buildPlace(t)
	byName := map[string]int{}
	for i, f := range b.Functions {
		byName[f.Name] = i
	}
	for _, tc := range []struct {
		name     string
		unpaired func(name string) bool
		wrong    [2]string // a pair made wrong on purpose, if any
		run      func(m *matcher) int
	}{
		{"offset/equal code", func(n string) bool { return strings.HasPrefix(n, "dup") }, [2]string{}, func(m *matcher) int { m.offsetPass(); return 0 }},
		{"offset/a wrong pair nearby", func(n string) bool { return strings.HasPrefix(n, "dup") }, [2]string{"uniq2", "uniq4"}, func(m *matcher) int { m.offsetPass(); return 0 }},
		{"position/one-function gaps", func(n string) bool { return n == "uniq1" || n == "uniq3" || n == "dup5" }, [2]string{}, (*matcher).positionPass},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := placeMatcher(b, tc.unpaired)
			if w := tc.wrong; w[0] != "" {
				o, n := byName[w[0]], byName[w[1]]
				// Old w[0] takes new w[1]: new w[0] and old w[1] are left
				// unpaired (a self-diff: old and new indices agree).
				m.o2n[o], m.n2o[o], m.n2o[n], m.o2n[n] = int32(n), -1, int32(o), -1
			}
			tc.run(m)
			for i, f := range b.Functions {
				if !tc.unpaired(f.Name) {
					continue
				}
				if p := m.o2n[i]; p != int32(i) {
					got := "nothing"
					if p >= 0 {
						got = b.Functions[p].Name
					}
					t.Errorf("%s paired with %s", f.Name, got)
				}
			}
		})
	}
}

// TestGotEdges: a function of a shared object that its code reaches only
// through the PLT or its GOT slot has its callers and address takers as
// referrers, each the right one.
func TestGotEdges(t *testing.T) {
	b := buildPlace(t)
	refs := map[string][]string{}
	edges := gotEdges(b)
	for i, f := range b.Functions {
		edges(i, func(t int32) { refs[b.Functions[t].Name] = append(refs[b.Functions[t].Name], f.Name) })
	}
	for k := range 6 {
		p := fmt.Sprintf("preempt%d", k)
		got := strings.Join(refs[p], " ")
		// The compiler may also reach one of them from another function
		// it inlined or cloned; those two must be among the referrers.
		for _, want := range []string{fmt.Sprintf("call%d", k), fmt.Sprintf("take%d", k)} {
			if !strings.Contains(" "+got+" ", " "+want+" ") {
				t.Errorf("%s: referrers %q, want %s among them", p, got, want)
			}
		}
	}
}

// TestAddrIndexSpread: addresses a malformed file spreads over the whole
// 32-bit range (GOT slots from its relocations) are found, and the index
// stays small (a table over their range took 4 GiB).
func TestAddrIndexSpread(t *testing.T) {
	a := newAddrIndex(map[uint32]int32{0: 1, 0x1000: 2, 0xfffffff8: 3})
	for rva, want := range map[uint32]int32{0: 1, 0x1000: 2, 0xfffffff8: 3, 8: -1, 0xfffffff0: -1} {
		if got := a.get(rva, true); got != want {
			t.Errorf("get(%#x) = %d, want %d", rva, got, want)
		}
	}
	if a.get(0, false) != -1 {
		t.Error("get of no address found a function")
	}
	if n := len(a.x.first); n > 1<<16 {
		t.Errorf("index of 3 addresses has %d buckets", n)
	}
}

// TestSymbolPointers: in a shared object, a pointer to an exported
// (preemptible) function is filled by a symbolic R_X86_64_64 relocation,
// and the file holds 0 there: symbolPointers gives the slot the function's
// address, as the parse recorded it.
func TestSymbolPointers(t *testing.T) {
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not found")
	}
	src := "int hook_target(int x) { return x + 1; }\nint (*hook)(int) = hook_target;\n"
	b := compileOpen(t, t.TempDir(), "p.c", "p.so", src, cc, "-O2", "-fPIC", "-shared")
	var target uint32
	for _, f := range b.Functions {
		if f.Name == "hook_target" {
			target = f.RVA
		}
	}
	ptrs := symbolPointers(b, elf.R_X86_64_64)
	found := false
	for _, va := range ptrs {
		found = found || va == b.ImageBase+uint64(target)
	}
	if target == 0 || !found {
		t.Errorf("symbolPointers(R_X86_64_64) = %v, want a slot holding hook_target at %#x", ptrs, target)
	}
}
