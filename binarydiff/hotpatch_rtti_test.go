package binarydiff

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// rttiSource is a C++ DLL for clang's MSVC ABI with polymorphic classes,
// so with their RTTI (Square's and Circle's: Shape is never made); EXTRA is replaced by the edit. It needs no
// C runtime: type_info's vtable is an alias for a dummy.
const rttiSource = `struct Shape { virtual int area() const { return -1; } virtual int sides() const { return 0; } };
struct Square : Shape { int s; Square(int s) : s(s) {} int area() const override { return s * s; } int sides() const override { return 4; } };
struct Circle : Shape { int r; Circle(int r) : r(r) {} int area() const override { return 3 * r * r; } };
__declspec(noinline) int measure(const Shape *p) { return p->area() + p->sides(); }
extern "C" __declspec(dllexport) int square(int x) { Square s(x); return measure(&s); }
extern "C" __declspec(dllexport) int circle(int x) { Circle c(x); return measure(&c); }
EXTRA
extern "C" int _DllMainCRTStartup(void *, unsigned, void *) { return 1; }
extern "C" const void *fake_type_info_vftable[1] = {0};
`

// buildRTTIDLL builds C++ source src (rttiSource edited) for x64 Windows
// with clang and lld-link, and opens it.
func buildRTTIDLL(t *testing.T, dir, name, src string) *Binary {
	t.Helper()
	clang, err := exec.LookPath("clang++")
	if err != nil {
		t.Skip("clang++ not found: apt-get install -y clang lld")
	}
	if _, err := exec.LookPath("lld-link"); err != nil {
		t.Skip("lld-link not found: apt-get install -y lld")
	}
	return compileOpen(t, dir, name+".cpp", name+".dll", src, clang, "--target=x86_64-pc-windows-msvc", "-O2", "-fuse-ld=lld", "-nostdlib", "-shared",
		"-Wl,/entry:_DllMainCRTStartup", "-Wl,/alternatename:??_7type_info@@6B@=fake_type_info_vftable")
}

// completeObjectLocators returns the addresses of the x64 complete
// object locators in b's read-only data, by the decorated name of their
// class.
func completeObjectLocators(t *testing.T, h *assessor, b *Binary) map[string]uint32 {
	t.Helper()
	out := map[string]uint32{}
	for i := range b.Sections {
		s := &b.Sections[i]
		if s.Flags&(SectionExec|SectionWrite) != 0 {
			continue
		}
		p := make([]byte, s.FileSize)
		if err := readSection(b, s, p, 0); err != nil {
			t.Fatal(err)
		}
		for off := 0; off+completeObjectLocatorSize <= len(p); off += 4 {
			if rva := s.RVA + uint32(off); isCompleteObjectLocator(p[off:], rva) {
				name, ok := h.rttiName(b, leUint32(p[off+12:]))
				if !ok {
					t.Fatalf("locator at %#x: no type descriptor name", rva)
				}
				out[name] = rva
			}
		}
	}
	return out
}

func leUint32(p []byte) uint32 { return uint32(leUint(p[:4])) }

// TestSameRTTI: in a DLL built with clang's MSVC ABI, the complete object
// locators of the classes are found with their classes' decorated
// names; after an edit that moves them (a new function with a table of
// strings, a class renamed), sameRTTI pairs each old locator with the new
// one of the same class and no other.
func TestSameRTTI(t *testing.T) {
	dir := t.TempDir()
	extra := func(s string) string { return strings.Replace(rttiSource, "EXTRA", s, 1) }
	old := buildRTTIDLL(t, dir, "old", extra(""))
	new := buildRTTIDLL(t, dir, "new", extra(`extern "C" __declspec(dllexport) const char *table(int i) { static const char *const t[] = {"alpha", "beta", "gamma", "delta"}; return t[i]; }`))
	renamed := buildRTTIDLL(t, dir, "renamed", extra("struct Disk : Circle { Disk() : Circle(2) {} int sides() const override { return 1; } };\n"+
		`extern "C" __declspec(dllexport) int disk() { Disk d; return measure(&d); }`))
	for _, tc := range []struct {
		name string
		new  *Binary
	}{{"moved", new}, {"class-added", renamed}} {
		t.Run(tc.name, func(t *testing.T) {
			h := &assessor{ctx: context.Background(), old: old, new: tc.new, a: &Assessment{}}
			ol, nl := completeObjectLocators(t, h, old), completeObjectLocators(t, h, tc.new)
			for _, name := range []string{".?AUSquare@@", ".?AUCircle@@"} {
				if _, ok := ol[name]; !ok {
					t.Fatalf("old image: no locator of %s among %v", name, ol)
				}
			}
			moved := 0
			for on, a := range ol {
				for nn, b := range nl {
					if got := h.sameRTTI(a, b); got != (on == nn) {
						t.Errorf("sameRTTI(%s at %#x, %s at %#x) = %v", on, a, nn, b, got)
					}
					if on == nn && a != b {
						moved++
					}
				}
			}
			if tc.name == "moved" && moved == 0 {
				t.Errorf("no locator moved: %v → %v", ol, nl)
			}
		})
	}
}

// TestHotpatchCppStringTable: the C++ DLL (with a table of 512 distinct
// constants, so that its .rdata has words to anchor by) whose square()
// gains a table of strings, the classes untouched. Only changed code
// reads what changed, so it is patchable. Before: the RTTI records, whose
// image-relative offsets changed as they moved, were changed data under
// unchanged code (circle), and so were the new strings, charged to the
// datum before them rather than to the table of pointers to them.
func TestHotpatchCppStringTable(t *testing.T) {
	var vals strings.Builder
	for i := range 512 {
		fmt.Fprintf(&vals, "%du,", uint32(i+1)*2654435761)
	}
	base := strings.Replace(rttiSource, "EXTRA", `extern "C" __declspec(dllexport) unsigned big(int i) { static const unsigned t[512] = {`+vals.String()+`}; return t[i & 511]; }`, 1)
	const square = `extern "C" __declspec(dllexport) int square(int x) { Square s(x); return measure(&s); }`
	edited := strings.Replace(base, square, `extern "C" __declspec(dllexport) int square(int x) { static const char *const t[] = {"alpha", "beta", "gamma", "delta"}; Square s(x); return measure(&s) + t[x & 3][0]; }`, 1)
	if edited == base {
		t.Fatal("the edit did not apply")
	}
	dir := t.TempDir()
	old, new := buildRTTIDLL(t, dir, "old", base), buildRTTIDLL(t, dir, "new", edited)
	res, err := Diff(context.Background(), old, new, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a := res.Hotpatchability(old, new); a.Verdict != Patchable {
		t.Errorf("verdict %v (%s), want patchable\nfindings: %v\nunknowns: %v", a.Verdict, a.Reason, a.Findings, a.Unknowns)
	}
}
