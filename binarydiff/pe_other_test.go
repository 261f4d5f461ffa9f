package binarydiff

import (
	"context"
	"debug/pe"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/exp/mmap"
)

// Real PE32 (x86) and PE32+ Arm64 images built here from the two versions
// of testdata/realbin, whose source changes scale, clamp and main, removes
// legacy and adds fresh.

func openOther(t *testing.T, path string) *Binary {
	t.Helper()
	m, err := mmap.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	b, err := parsePE(context.Background(), m, int64(m.Len()), runtime.GOMAXPROCS(0))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}

// otherKinds returns the names of the functions of each kind but
// Identical and Moved, sorted, leaving out the names in ignore.
func otherKinds(res *Result, ignore ...string) map[Kind][]string {
	got := map[Kind][]string{}
	for _, fd := range res.Functions {
		ref := fd.Old
		if ref == nil {
			ref = fd.New
		}
		if fd.Kind != Identical && fd.Kind != Moved && !slices.Contains(ignore, ref.Name) {
			got[fd.Kind] = append(got[fd.Kind], ref.Name)
		}
	}
	for _, v := range got {
		sort.Strings(v)
	}
	return got
}

func checkOther(t *testing.T, old, new string, arch Arch, changed, added, removed []string, ignore ...string) *Assessment {
	t.Helper()
	a, b := openOther(t, old), openOther(t, new)
	if a.Arch != arch || len(a.Functions) < 3 {
		t.Fatalf("%v image with %d functions", a.Arch, len(a.Functions))
	}
	res, err := Diff(context.Background(), a, b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := otherKinds(res, ignore...)
	for kind, want := range map[Kind][]string{Changed: changed, Added: added, Removed: removed} {
		if !slices.Equal(got[kind], want) {
			t.Errorf("%v: got %v, want %v", kind, got[kind], want)
		}
	}
	return res.Hotpatchability(a, b)
}

func TestPE32Real(t *testing.T) {
	cc, err := exec.LookPath("i686-w64-mingw32-gcc")
	if err != nil {
		t.Skip("i686-w64-mingw32-gcc not found: apt-get install -y gcc-mingw-w64-i686")
	}
	dir := t.TempDir()
	var out [2]string
	for i, v := range []string{"v1", "v2"} {
		out[i] = filepath.Join(dir, v+".exe")
		if msg, err := exec.Command(cc, "-O2", "-o", out[i], filepath.Join("testdata", "realbin", v+".c")).CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, msg)
		}
	}
	a := checkOther(t, out[0], out[1], Arch386, []string{"_clamp", "_main", "_scale"}, []string{"_fresh"}, []string{"_legacy"})
	if !a.Patchable() {
		t.Errorf("C body changes not patchable: %v", a.Blockers())
	}
	if a.Old.Machine != pe.IMAGE_FILE_MACHINE_I386 || len(a.Old.Imports) == 0 || a.Old.TLS == nil {
		t.Errorf("facts: machine %#x, %d imports, TLS %v", a.Old.Machine, len(a.Old.Imports), a.Old.TLS)
	}
}

// buildGoWindows returns testdata/realbin/<version>.go built for
// windows/goarch ($GOOS/goarch when GOOS is set) by the fixture builder
// of fixture_test.go.
func buildGoWindows(t *testing.T, dir, version, goarch string, ldflags string) string {
	t.Helper()
	goos := os.Getenv("GOOS")
	if goos == "" {
		goos = "windows"
	}
	return GoFixture(t, goos, goarch, ldflags, version)
}

func TestPEArm64Real(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	dir := t.TempDir()
	old, new := buildGoWindows(t, dir, "v1", "arm64", ""), buildGoWindows(t, dir, "v2", "arm64", "")
	// The Go linker puts the build ID at runtime.text, which .pdata
	// covers on arm64: its bytes change with every build.
	a := checkOther(t, old, new, ArchARM64, []string{"main.clamp", "main.main", "main.scale"}, []string{"main.fresh"}, []string{"main.legacy"}, "runtime.text")
	if a.Old.Machine != pe.IMAGE_FILE_MACHINE_ARM64 || a.Old.CHPE != CHPENone {
		t.Errorf("facts: machine %#x, CHPE %v", a.Old.Machine, a.Old.CHPE)
	}
	// Go's runtime metadata (pclntab, funcdata, the text section map)
	// changes with the code and is regenerated; the new strings are read
	// only by changed code; legacy, removed, is no longer reached.
	if !a.Patchable() {
		t.Errorf("Go arm64 change not patchable: %s; %v", a.Reason, a.Blockers())
	}
	// Go's windows/arm64 linker writes no exception directory: the
	// functions come from the COFF symbol table.
	b := openOther(t, old)
	if i := slices.IndexFunc(b.Functions, func(f Function) bool { return f.Name == "main.scale" }); i < 0 || b.Functions[i].Size < 8 {
		t.Errorf("main.scale not found with a size")
	}
}

// TestPE386GoReal diffs a Go program built for windows/386: PE32 code
// decoded in 32-bit mode, absolute addresses found through HIGHLOW base
// relocations, functions from the COFF symbols and the pclntab.
func TestPE386GoReal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	dir := t.TempDir()
	old, new := buildGoWindows(t, dir, "v1", "386", ""), buildGoWindows(t, dir, "v2", "386", "")
	a := checkOther(t, old, new, Arch386, []string{"main.clamp", "main.main", "main.scale"}, []string{"main.fresh"}, []string{"main.legacy"})
	if a.Old.Machine != pe.IMAGE_FILE_MACHINE_I386 {
		t.Errorf("facts: machine %#x", a.Old.Machine)
	}
}

const a64Src = `static volatile int sink;
#define E __declspec(dllexport) __attribute__((noinline))
E int scale(int x) { return x * 3 + 7; }
E int clamp(int x, int lo, int hi) { if (x < lo) return lo; if (x > hi) return hi; return x; }
E int big(int x) { int a[64]; for (int i = 0; i < 64; i++) a[i] = x + i; sink = a[x & 63]; return a[3]; }
E int mainCRTStartup(void) { sink = scale(sink) + clamp(sink, 2, 5) + big(sink); return 0; }
`

// TestPEArm64Pdata builds Arm64 PE images with clang and lld-link (the
// MSVC ABI, which writes .pdata), and checks the functions found from
// the exception directory and the changed set.
func TestPEArm64Pdata(t *testing.T) {
	clang, err := exec.LookPath("clang")
	if err != nil {
		t.Skip("clang not found: apt-get install -y clang lld")
	}
	if _, err := exec.LookPath("lld-link"); err != nil {
		t.Skip("lld-link not found: apt-get install -y lld")
	}
	dir := t.TempDir()
	var out [2]string
	for i, src := range []string{a64Src, strings.NewReplacer("x * 3 + 7", "x * 3 + 9", "if (x > hi) return hi;", "if (x > hi) return hi; if (x == 3) return 4;").Replace(a64Src)} {
		c := filepath.Join(dir, fmt.Sprintf("v%d.c", i))
		os.WriteFile(c, []byte(src), 0o644)
		out[i] = filepath.Join(dir, fmt.Sprintf("v%d.exe", i))
		cmd := exec.Command(clang, "--target=aarch64-pc-windows-msvc", "-O2", "-fuse-ld=lld", "-nostdlib",
			"-Wl,/entry:mainCRTStartup", "-Wl,/subsystem:console", "-o", out[i], c)
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("clang: %v\n%s", err, msg)
		}
	}
	b := openOther(t, out[0])
	n := 0
	for _, f := range b.Functions {
		if f.Source == SourcePdata {
			n++
		}
	}
	if n < 2 {
		t.Errorf("%d functions from .pdata: %+v", n, b.Functions)
	}
	a := checkOther(t, out[0], out[1], ArchARM64, []string{"clamp", "scale"}, nil, nil)
	if a.Old.Machine != pe.IMAGE_FILE_MACHINE_ARM64 || len(a.Old.Exports) != 4 {
		t.Errorf("facts: machine %#x, exports %v", a.Old.Machine, a.Old.Exports)
	}
}

// FuzzPEOther parses mutated PE32 x86 and Arm64 images. Its seeds in
// testdata/fuzz/FuzzPEOther were built once with i686-w64-mingw32-gcc and
// clang --target=aarch64-pc-windows-msvc (-nostdlib, a two-function
// program): compiling in the fuzz function would run in every worker.
func FuzzPEOther(f *testing.F) {
	f.Add([]byte("MZ"))
	f.Fuzz(func(t *testing.T, p []byte) {
		defer watchdog(len(p))()
		b, err := parsePE(context.Background(), strings.NewReader(string(p)), int64(len(p)), 1)
		if err != nil {
			return
		}
		if len(b.Functions) > len(p) {
			t.Fatalf("%d functions from %d bytes", len(b.Functions), len(p))
		}
	})
}

// watchdog crashes a fuzz worker stuck for 10 s on one input, so that the
// fuzzer saves it.
func watchdog(n int) func() {
	t := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("hang on a %d-byte input", n)) })
	return func() { t.Stop() }
}
