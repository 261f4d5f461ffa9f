package binarydiff_test

import (
	"context"
	"os/exec"
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
