package binarydiff_test

import (
	"context"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/patchmodel/patchmodel/binarydiff"
)

// TestHotpatchRemovedInRelocatedSlot: a function removed by the patch
// whose address the old image's constant table (slotTableBase) still
// holds is removed-referenced, whichever linker wrote the table: GNU ld
// writes the address into the slot, LLVM lld leaves the slot zero and
// only the R_X86_64_RELATIVE relocation's addend says where it points,
// so the assessment must read pointers as the loader leaves them.
func TestHotpatchRemovedInRelocatedSlot(t *testing.T) {
	removed := strings.NewReplacer("N static int f4(int x) { return x ^ 7; }\n", "", "{f1, f2, f3, f4}", "{f1, f2, f3}").Replace(slotTableBase)
	if removed == slotTableBase {
		t.Fatal("the edit did not apply to slotTableBase")
	}
	for _, linker := range []string{"bfd", "lld"} {
		t.Run(linker, func(t *testing.T) {
			if linker == "lld" {
				if _, err := exec.LookPath("ld.lld"); err != nil {
					t.Skip("ld.lld not found: apt-get install -y lld")
				}
			}
			dir := t.TempDir()
			args := []string{"-shared", "-fPIC", "-fuse-ld=" + linker}
			old := parseELFFile(t, gccBuild(t, dir, "old", slotTableBase, args...))
			new := parseELFFile(t, gccBuild(t, dir, "new", removed, args...))
			res, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if fd := findDiff(res, old, "f4"); fd != nil {
				t.Fatalf("f4 is paired (%v), want it removed", fd.Kind)
			}
			a := res.Hotpatchability(old, new)
			var found []string
			for _, f := range a.Findings {
				if f.Rule == binarydiff.RuleRemovedReferenced {
					found = append(found, f.String())
				}
			}
			if len(found) != 1 || !strings.Contains(found[0], "f4") || !strings.Contains(found[0], "pointed to by 1 words of data") {
				t.Errorf("removed-referenced findings %q, want one: f4 pointed to by the old table's slot\nall: %v", found, a.Findings)
			}
		})
	}
}

// relroBase is a shared object whose constant pointer p (RELRO: written
// by the loader, read-only after) points to one of two things, both
// relocated: a constant table (RELRO too) or a mutable global.
const relroBase = `#define N __attribute__((noinline, noclone))
const char *const names[] = {"alpha", "beta"};
const char *const other[] = {"gamma", "delta"};
int counter = 1, spare = 2;
const char *const *const p = names;
int *const q = &counter;
N const char *name(int i) { return p[i]; }
N int count(void) { return *q; }
`

// TestHotpatchPointerIntoRELRO: a constant pointer retargeted to another
// mutable global is const-pointer-changed; retargeted to other RELRO data
// (.data.rel.ro, read-only once relocated) it is changed read-only data
// (rodata-changed, -private or -unattributed, by who reads it),
// not a pointer to mutable data. Both linkers (lld leaves the slots zero).
func TestHotpatchPointerIntoRELRO(t *testing.T) {
	for _, tc := range []struct {
		edit    string
		from    string
		to      string
		want    []binarydiff.Rule
		notWant binarydiff.Rule
	}{
		{"to-relro", "p = names", "p = other", []binarydiff.Rule{binarydiff.RuleRodataChanged, binarydiff.RuleRodataPrivate, binarydiff.RuleRodataUnattributed}, binarydiff.RuleConstPointer},
		{"to-mutable", "q = &counter", "q = &spare", []binarydiff.Rule{binarydiff.RuleConstPointer}, 0},
	} {
		for _, linker := range []string{"bfd", "lld"} {
			t.Run(tc.edit+"/"+linker, func(t *testing.T) {
				if linker == "lld" {
					if _, err := exec.LookPath("ld.lld"); err != nil {
						t.Skip("ld.lld not found: apt-get install -y lld")
					}
				}
				dir := t.TempDir()
				args := []string{"-shared", "-fPIC", "-fuse-ld=" + linker}
				old := parseELFFile(t, gccBuild(t, dir, "old", relroBase, args...))
				new := parseELFFile(t, gccBuild(t, dir, "new", strings.Replace(relroBase, tc.from, tc.to, 1), args...))
				res, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{})
				if err != nil {
					t.Fatal(err)
				}
				a := res.Hotpatchability(old, new)
				var rules []binarydiff.Rule // every finding's, blocker or not
				for _, rc := range a.ByRule {
					rules = append(rules, rc.Rule)
				}
				if !slices.ContainsFunc(tc.want, func(r binarydiff.Rule) bool { return slices.Contains(rules, r) }) || tc.notWant != 0 && slices.Contains(rules, tc.notWant) {
					t.Errorf("rules %v, want one of %v and not %v\nfindings: %v %v", rules, tc.want, tc.notWant, a.Findings, a.Unknowns)
				}
			})
		}
	}
}
