package binarydiff_test

import (
	"context"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/patchmodel/patchmodel/binarydiff"
)

// ELF real compiler output: versions of a small C program built with gcc,
// as an executable (PIE), stripped, and as a relocatable object with
// -ffunction-sections. Ground truth comes from the source: which functions
// each version changes, and which data.

const elfBase = `#include <stdio.h>
#define N __attribute__((noinline, noclone))
int counter = 5;
static const char *names[] = {"alpha", "beta"};
N int scale(int x) { return x * 3 + 7; }
N int clamp(int x, int lo, int hi) { if (x < lo) return lo; if (x > hi) return hi; return x; }
N int legacy(int x) { return x ^ 0x5a5a; }
N const char *pick(int i) { return names[i & 1]; }
int main(int argc, char **argv) {
	counter += argc;
	printf("%d %d %s %d %d\n", scale(argc), clamp(argc, 2, 5), pick(argc), legacy(argc), counter);
	return 0;
}
`

// elfVariants are edits of elfBase: the functions they change (Changed,
// Added, Removed by name) and the rule an assessment must report (none for
// a body-only change).
var elfVariants = map[string]struct {
	edit                    func(string) string
	changed, added, removed []string
	dataOnly                []string // changed, because the data they read changed
	rule                    binarydiff.Rule
}{
	"body": {
		edit: func(s string) string {
			s = strings.Replace(s, "x * 3 + 7", "x * 3 + 9", 1)
			s = strings.Replace(s, "if (x > hi) return hi;", "if (x > hi) return hi; if (x == 3) return 4;", 1)
			s = strings.Replace(s, "N int legacy(int x) { return x ^ 0x5a5a; }", "N int fresh(int x) { return (x << 2) | 1; }", 1)
			return strings.Replace(s, "legacy(argc)", "fresh(argc)", 1)
		},
		changed: []string{"clamp", "main", "scale"}, added: []string{"fresh"}, removed: []string{"legacy"},
	},
	"data": {
		edit:    func(s string) string { return strings.Replace(s, "int counter = 5;", "int counter = 6;", 1) },
		changed: []string{"main"}, dataOnly: []string{"main"}, // it reads counter
		rule: binarydiff.RuleDataChanged,
	},
	"rodata": {
		edit: func(s string) string { return strings.Replace(s, `"alpha"`, `"alphA"`, 1) },
		rule: binarydiff.RuleRodataChanged,
	},
}

func gccPath(t *testing.T) string {
	t.Helper()
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not found: apt-get install -y gcc")
	}
	return cc
}

// gccBuild compiles src with gcc and args into dir/name.
func gccBuild(t *testing.T, dir, name, src string, args ...string) string {
	t.Helper()
	c := filepath.Join(dir, name+".c")
	if err := os.WriteFile(c, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name)
	cmd := exec.Command(gccPath(t), append(append([]string{"-O2"}, args...), "-o", out, c)...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gcc %s: %v\n%s", name, err, msg)
	}
	return out
}

func parseELFFile(t *testing.T, path string) *binarydiff.Binary {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := binarydiff.Parse(context.Background(), strings.NewReader(string(data)), int64(len(data)))
	if err != nil {
		t.Fatalf("Parse %s: %v", path, err)
	}
	return b
}

// kinds returns the names of the functions of each kind but Identical and
// Moved, sorted.
func kinds(res *binarydiff.Result) map[binarydiff.Kind][]string {
	got := map[binarydiff.Kind][]string{}
	for _, fd := range res.Functions {
		ref := fd.Old
		if ref == nil {
			ref = fd.New
		}
		if fd.Kind != binarydiff.Identical && fd.Kind != binarydiff.Moved && !strings.HasSuffix(ref.Name, "@plt") {
			got[fd.Kind] = append(got[fd.Kind], ref.Name)
		}
	}
	for _, v := range got {
		sort.Strings(v)
	}
	return got
}

func TestELFReal(t *testing.T) {
	dir := t.TempDir()
	for _, mode := range []struct {
		name string
		args []string
	}{
		{"exec", nil},
		{"object", []string{"-c", "-ffunction-sections", "-fdata-sections"}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			old := parseELFFile(t, gccBuild(t, dir, mode.name+"-base", elfBase, mode.args...))
			for vname, v := range elfVariants {
				t.Run(vname, func(t *testing.T) {
					new := parseELFFile(t, gccBuild(t, dir, mode.name+"-"+vname, v.edit(elfBase), mode.args...))
					res, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{})
					if err != nil {
						t.Fatal(err)
					}
					got := kinds(res)
					var dataOnly []string
					for _, fd := range res.Functions {
						if fd.Cause == binarydiff.CauseData {
							dataOnly = append(dataOnly, fd.Name())
						}
					}
					if !slices.Equal(dataOnly, v.dataOnly) {
						t.Errorf("changed by data only: got %v, want %v", dataOnly, v.dataOnly)
					}
					for kind, want := range map[binarydiff.Kind][]string{binarydiff.Changed: v.changed, binarydiff.Added: v.added, binarydiff.Removed: v.removed} {
						if !slices.Equal(got[kind], want) {
							t.Errorf("%v: got %v, want %v", kind, got[kind], want)
						}
					}
					a := res.Hotpatchability(old, new)
					switch {
					case v.rule == binarydiff.RuleNone && !a.Patchable():
						t.Errorf("body change not patchable: %v", a.Blockers())
					case v.rule != binarydiff.RuleNone && !slices.Contains(a.Rules(), v.rule):
						t.Errorf("want %v, got %v %v", v.rule, a.Verdict, a.Blockers())
					}
				})
			}
		})
	}
}

// TestELFStripped checks that a stripped executable's functions are found
// from .eh_frame: every sized function symbol of the unstripped build
// starts a discovered function.
func TestELFStripped(t *testing.T) {
	dir := t.TempDir()
	path := gccBuild(t, dir, "full", elfBase)
	strip, err := exec.LookPath("strip")
	if err != nil {
		t.Skip("strip not found")
	}
	stripped := filepath.Join(dir, "stripped")
	if msg, err := exec.Command(strip, "-o", stripped, path).CombinedOutput(); err != nil {
		t.Fatalf("strip: %v\n%s", err, msg)
	}
	syms := binarydiff.ElfSymbols(t, path)
	b := parseELFFile(t, stripped)
	starts := map[uint32]binarydiff.Source{}
	for _, fn := range b.Functions {
		starts[fn.RVA] = fn.Source
		if fn.Name != "" {
			t.Errorf("stripped binary names %s", fn.Name)
		}
	}
	for _, s := range syms {
		if elf.ST_TYPE(s.Info) != elf.STT_FUNC || s.Size == 0 || s.Section == elf.SHN_UNDEF || s.Name == "_init" || s.Name == "_fini" {
			continue
		}
		if _, ok := starts[uint32(s.Value-b.ImageBase)]; !ok {
			t.Errorf("function %s at %#x not discovered", s.Name, s.Value)
		}
	}
	n := 0
	for _, src := range starts {
		if src == binarydiff.SourceEHFrame {
			n++
		}
	}
	if n < 5 {
		t.Errorf("only %d functions from .eh_frame", n)
	}
}

// TestELFShared diffs shared objects: a body change is patchable; adding
// and removing exported functions changes the dynamic symbol table.
func TestELFShared(t *testing.T) {
	dir := t.TempDir()
	lib := strings.Replace(elfBase, "int main(int argc, char **argv) {", "int entry(int argc, char **argv) {", 1)
	old := parseELFFile(t, gccBuild(t, dir, "base.so", lib, "-shared", "-fPIC"))
	for _, tc := range []struct {
		name string
		edit func(string) string
		rule binarydiff.Rule
	}{
		{"immediate", func(s string) string { return strings.Replace(s, "x * 3 + 7", "x * 3 + 9", 1) }, binarydiff.RuleNone},
		{"exports", elfVariants["body"].edit, binarydiff.RuleExportsChanged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			new := parseELFFile(t, gccBuild(t, dir, tc.name+".so", tc.edit(lib), "-shared", "-fPIC"))
			res, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := kinds(res)[binarydiff.Changed]; !slices.Contains(got, "scale") {
				t.Errorf("changed %v lacks scale", got)
			}
			a := res.Hotpatchability(old, new)
			switch {
			case tc.rule == binarydiff.RuleNone && !a.Patchable():
				t.Errorf("not patchable: %v", a.Blockers())
			case tc.rule != binarydiff.RuleNone && !slices.Contains(a.Rules(), tc.rule):
				t.Errorf("want %v, got %v", tc.rule, a.Blockers())
			}
			if len(a.Old.Exports) < 5 {
				t.Errorf("exports %v", a.Old.Exports)
			}
		})
	}
}

// TestELFDuplicateStatics links two files that each define a static
// helper: the names are qualified by file ("a.c:helper", "b.c:helper"),
// and a change to one is reported under its own name.
func TestELFDuplicateStatics(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := write("a.c", "#define N __attribute__((noinline))\nN static int helper(int x) { return x * 5 + 1; }\nint fa(int x) { return helper(x) + 2; }\n")
	mainSrc := write("main.c", "int fa(int), fb(int);\nint main(int c, char **v) { return fa(c) + fb(c); }\n")
	var bins [2]*binarydiff.Binary
	for i, bsrc := range []string{
		"#define N __attribute__((noinline))\nN static int helper(int x) { return x * 9 + 4; }\nint fb(int x) { return helper(x) - 3; }\n",
		"#define N __attribute__((noinline))\nN static int helper(int x) { return x * 9 + 6; }\nint fb(int x) { return helper(x) - 3; }\n",
	} {
		out := filepath.Join(dir, fmt.Sprintf("v%d", i))
		if err := os.MkdirAll(filepath.Join(dir, fmt.Sprintf("b%d", i)), 0o755); err != nil {
			t.Fatal(err)
		}
		b := write(fmt.Sprintf("b%d/b.c", i), bsrc)
		cmd := exec.Command(gccPath(t), "-O2", "-o", out, a, b, mainSrc)
		cmd.Dir = dir
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("gcc: %v\n%s", err, msg)
		}
		bins[i] = parseELFFile(t, out)
	}
	var names []string
	for _, f := range bins[0].Functions {
		if strings.HasSuffix(f.Name, "helper") {
			names = append(names, f.Name)
		}
	}
	sort.Strings(names)
	if !slices.Equal(names, []string{"a.c:helper", "b.c:helper"}) {
		t.Errorf("helpers named %v", names)
	}
	res, err := binarydiff.Diff(context.Background(), bins[0], bins[1], binarydiff.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := kinds(res)[binarydiff.Changed]; !slices.Equal(got, []string{"b.c:helper"}) {
		t.Errorf("changed %v, want [b.c:helper]", got)
	}
}

// TestELFFactsWarnings pins which warnings the facts of an ELF image
// carry: those of the section layout, which the facts read through, and
// not those of function discovery, which the Binary's Warnings hold.
// The facts read the headers the parse kept; each call's warnings are
// its own.
func TestELFFactsWarnings(t *testing.T) {
	path := gccBuild(t, t.TempDir(), "exec", elfBase)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ef, err := elf.NewFile(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	set := func(name string, field int, v uint64) { // a field of the section's header
		i := slices.IndexFunc(ef.Sections, func(s *elf.Section) bool { return s.Name == name })
		if i < 0 {
			t.Skipf("no %s section", name)
		}
		shoff := binary.LittleEndian.Uint64(data[0x28:]) // e_shoff; section headers are 64 bytes
		binary.LittleEndian.PutUint64(data[shoff+uint64(i)*64+uint64(field):], v)
	}
	const shAddr, shSize = 16, 32
	rodata, hdr, ehf := ef.Section(".rodata"), ef.Section(".eh_frame_hdr"), ef.Section(".eh_frame")
	if rodata == nil || hdr == nil || ehf == nil || ehf.Addr <= hdr.Addr {
		t.Skip("no .rodata, or no .eh_frame after .eh_frame_hdr")
	}
	set(".rodata", shAddr, 0x7fff00000000)            // its segment says where it loads: moved back
	set(".eh_frame_hdr", shSize, ehf.Addr-hdr.Addr+8) // overlapping the next section: a discovery warning
	b, err := binarydiff.Parse(context.Background(), strings.NewReader(string(data)), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	layout := binarydiff.Warning{Off: -1, Msg: fmt.Sprintf("section .rodata at 0x7fff00000000, but its bytes load at %#x; moved there", rodata.Addr)}
	overlap := binarydiff.Warning{Off: -1, Msg: "section .eh_frame overlaps .eh_frame_hdr; ignored"}
	if !slices.Contains(b.Warnings, layout) || !slices.Contains(b.Warnings, overlap) {
		t.Errorf("parse warnings %v, want %v and %v among them", b.Warnings, layout, overlap)
	}
	f, err := b.Facts()
	if err != nil {
		t.Fatal(err)
	}
	if want := []binarydiff.Warning{layout}; !slices.Equal(f.Warnings, want) {
		t.Errorf("facts warnings %v, want %v", f.Warnings, want)
	}
	f.Warnings[0].Msg = "edited"
	if again, _ := b.Facts(); !slices.Equal(again.Warnings, []binarydiff.Warning{layout}) {
		t.Errorf("facts warnings after an edit of earlier facts: %v", again.Warnings)
	}
}
