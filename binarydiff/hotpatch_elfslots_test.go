package binarydiff_test

import (
	"context"
	"fmt"
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
	sharedObjectLinkers(t, "", func(t *testing.T, args []string) {
		dir := t.TempDir()
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
		if len(found) != 1 || !strings.Contains(found[0], "f4") || !strings.Contains(found[0], "pointed to by a word of data") {
			t.Errorf("removed-referenced findings %q, want one: f4 pointed to by the old table's slot\nall: %v", found, a.Findings)
		}
	})
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
		sharedObjectLinkers(t, tc.edit+"/", func(t *testing.T, args []string) {
			dir := t.TempDir()
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

// rodataShiftBase is a shared object whose .rodata holds, after an 8-byte
// blob, an 8-byte constant whose value (0x2f0) is an address inside the
// image (shared objects are linked at 0): the constant is no pointer, the
// object having a relocation for each of its pointers and none here.
const rodataShiftBase = `#define N __attribute__((noinline, noclone))
__asm__(".section .rodata\n.balign 16\n.globl blob\n.hidden blob\nblob: .byte 1,2,3,4,5,6,7,8\n"
	".globl key\n.hidden key\nkey: .byte 0xf0,2,0,0,0,0,0,0\n.previous");
extern const char blob[], key[];
N const char *getkey(void) { return key; }
N const char *getblob(void) { return blob; }
`

// TestHotpatchRodataSmallValueShifted: the blob grows by a byte, moving
// the constant after it off its 8-byte alignment. Only the blob changed:
// the constant's reader is not Changed and no finding concerns the
// constant (a small value at an aligned offset once read as a pointer, so
// that the same bytes moved by an odd amount compared unequal).
func TestHotpatchRodataSmallValueShifted(t *testing.T) {
	grown := strings.Replace(rodataShiftBase, ".byte 1,2,3,4,5,6,7,8", ".byte 1,2,3,4,5,6,7,8,9", 1)
	dir := t.TempDir()
	args := []string{"-shared", "-fPIC"}
	newPath := gccBuild(t, dir, "new", grown, args...)
	old := parseELFFile(t, gccBuild(t, dir, "old", rodataShiftBase, args...))
	new := parseELFFile(t, newPath)
	res, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if fd := findDiff(res, old, "getkey"); fd == nil || fd.Kind == binarydiff.Changed {
		t.Errorf("getkey: %v, want it paired and not Changed", fd)
	}
	key := symbolValue(t, newPath, "key")
	a := res.Hotpatchability(old, new)
	for _, f := range slices.Concat(a.Findings, a.Unknowns, a.Warnings) {
		if f.Image == "new" && f.Size > 0 && f.RVA < key+8 && key < f.RVA+f.Size {
			t.Errorf("finding on the unchanged constant at %#x: %v", key, f)
		}
	}
}

// symbolValue returns the value of the symbol named name in ELF file path.
func symbolValue(t *testing.T, path, name string) uint32 {
	t.Helper()
	for _, s := range binarydiff.ElfSymbols(t, path) {
		if s.Name == name {
			return uint32(s.Value)
		}
	}
	t.Fatalf("%s: no symbol %s", path, name)
	return 0
}

// hookBase is a shared object with a mutable function pointer, relocated.
const hookBase = `#define N __attribute__((noinline, noclone))
N int first(int x) { return x + 1; }
N int second(int x) { return x * 2; }
int (*hook)(int) = first;
N int call(int x) { return hook(x); }
`

// TestHotpatchHookRetargeted: a mutable function pointer retargeted is
// data-changed, shown as the whole pointer (the alignment reads it as two
// bytes naming its target, which alone showed as two equal bytes) and
// named: what it points to now and before. GCC places the function hook
// points to first, so the pointer's bytes are the same in both versions:
// only the names tell the change. Both linkers (lld leaves the slot zero).
func TestHotpatchHookRetargeted(t *testing.T) {
	sharedObjectLinkers(t, "", func(t *testing.T, args []string) {
		dir := t.TempDir()
		newPath := gccBuild(t, dir, "new", strings.Replace(hookBase, "hook)(int) = first", "hook)(int) = second", 1), args...)
		old := parseELFFile(t, gccBuild(t, dir, "old", hookBase, args...))
		new := parseELFFile(t, newPath)
		res, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{})
		if err != nil {
			t.Fatal(err)
		}
		hook := symbolValue(t, newPath, "hook")
		var got []binarydiff.Finding
		for _, f := range res.Hotpatchability(old, new).Findings {
			if f.Rule == binarydiff.RuleDataChanged {
				got = append(got, f)
			}
		}
		if len(got) != 1 {
			t.Fatalf("data-changed findings %v, want one", got)
		}
		f := got[0]
		if f.RVA != hook || f.Size != 8 || len(f.OldBytes) != 16 || len(f.NewBytes) != 16 ||
			!strings.Contains(f.Message, "points to second, was first") {
			t.Errorf("finding %+v, want the 8 bytes of hook at %#x and its targets named", f, hook)
		}
	})
}

// masksSource is a shared object whose .rodata holds a table made of
// runs of equal words (16 rows of 16 bytes, row i starting with i bytes
// 0xff, like the masks Go's AES hash reads) between two blocks of
// distinct bytes, with extra bytes before the table when before is set
// and after it otherwise: from one to the other the table moves by 32
// bytes while the blocks around it stay. With edit, row 10 ends in 0x01.
func masksSource(before, edit bool) string {
	var b strings.Builder
	b.WriteString("#define N __attribute__((noinline, noclone))\n__asm__(\".section .rodata\\n.balign 16\\n")
	block := func(label string, seed, n int) {
		fmt.Fprintf(&b, ".globl %[1]s\\n.hidden %[1]s\\n%[1]s: .byte ", label)
		x := uint32(seed)
		for i := range n {
			x = x*1664525 + 1013904223
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "%d", x>>24)
		}
		b.WriteString("\\n")
	}
	block("blocka", 1, 512)
	if before {
		block("extra", 3, 32)
	}
	b.WriteString(".globl masks\\n.hidden masks\\nmasks: .byte ")
	for row := range 16 {
		for col := range 16 {
			if row+col > 0 {
				b.WriteString(",")
			}
			switch {
			case col < row:
				b.WriteString("255")
			case edit && row == 10 && col == 15:
				b.WriteString("1")
			default:
				b.WriteString("0")
			}
		}
	}
	b.WriteString("\\n")
	if !before {
		block("extra", 3, 32)
	}
	block("blockb", 2, 512)
	b.WriteString(".previous\");\nextern const char blocka[], blockb[], masks[];\n" +
		"N const char *geta(void) { return blocka; }\nN const char *getb(void) { return blockb; }\n" +
		"N const char *getmasks(void) { return masks; }\nN const char *getrow1(void) { return masks + 16; }\n")
	return b.String()
}

// TestHotpatchMovedTableOfEqualRuns: a table with no word unique to
// anchor it moves by another amount than the data around it. Its readers
// are paired with the same code (the diff compared what they read where
// they point), so the table is data that moved, not read-only data
// changed under unchanged code: no rodata-changed finding. When a row of
// it also changed, that row is still found.
func TestHotpatchMovedTableOfEqualRuns(t *testing.T) {
	for _, edit := range []bool{false, true} {
		t.Run(map[bool]string{false: "moved", true: "moved-and-changed"}[edit], func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"-shared", "-fPIC"}
			newPath := gccBuild(t, dir, "new", masksSource(true, edit), args...)
			old := parseELFFile(t, gccBuild(t, dir, "old", masksSource(false, false), args...))
			new := parseELFFile(t, newPath)
			res, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if fd := findDiff(res, old, "getrow1"); fd == nil || fd.Kind == binarydiff.Changed || fd.Kind == binarydiff.Removed {
				t.Fatalf("getrow1: %v, want it paired with the same code", fd)
			}
			a := res.Hotpatchability(old, new)
			row10 := symbolValue(t, newPath, "masks") + 10*16 + 15
			found := false
			for _, f := range slices.Concat(a.Findings, a.Unknowns) {
				switch {
				case f.RVA <= row10 && row10 < f.RVA+f.Size && strings.HasPrefix(f.Rule.String(), "rodata-"):
					found = true
				case f.Rule == binarydiff.RuleRodataChanged && !edit:
					t.Errorf("finding %v: the table only moved", f)
				}
			}
			if edit && !found {
				t.Errorf("no finding on the changed row at %#x: %v %v", row10, a.Findings, a.Unknowns)
			}
		})
	}
}

// sharedObjectLinkers runs test, as subtest prefix+linker, with the gcc
// arguments that build a shared object with GNU ld and with LLVM lld
// (which leaves relocated slots zero), skipping lld where it is missing.
func sharedObjectLinkers(t *testing.T, prefix string, test func(t *testing.T, args []string)) {
	for _, linker := range []string{"bfd", "lld"} {
		t.Run(prefix+linker, func(t *testing.T) {
			if linker == "lld" {
				if _, err := exec.LookPath("ld.lld"); err != nil {
					t.Skip("ld.lld not found: apt-get install -y lld")
				}
			}
			test(t, []string{"-shared", "-fPIC", "-fuse-ld=" + linker})
		})
	}
}
