package binarydiff_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/patchmodel/patchmodel/binarydiff"
	"github.com/patchmodel/patchmodel/binarydiff/difftest"
	"pgregory.net/rapid"
)

// A ground-truth edit of testdata/hotpatch/shop.c: the define that makes
// the new image, and the verdict and blocking rule it must get.
type groundTruth struct {
	edit    string
	verdict binarydiff.Verdict
	rule    binarydiff.Rule // the blocker that must be among the findings; RuleNone when Patchable
	why     string
}

var shopEdits = []groundTruth{
	{"EDIT_BODY", binarydiff.Patchable, binarydiff.RuleNone,
		"only compute's body changed: redirect it"},
	{"EDIT_STRING", binarydiff.Patchable, binarydiff.RuleNone,
		"describe changed and reads a new string no other function reads: the patch carries it"},
	{"EDIT_INIT", binarydiff.NotPatchable, binarydiff.RuleDataChanged,
		"counter's initializer changed: the running process keeps the old value"},
	{"EDIT_LAYOUT", binarydiff.NotPatchable, binarydiff.RuleDataResized,
		"cfg grew: an existing mutable global's layout changed"},
	{"EDIT_EXPORT", binarydiff.NotPatchable, binarydiff.RuleExportsChanged,
		"audit is a new export (legacy rule)"},
	{"EDIT_PTRTABLE", binarydiff.NotPatchable, binarydiff.RuleConstPointer,
		"an entry of a constant table of pointers now points to another mutable global"},
	{"EDIT_LEAF", binarydiff.Patchable, binarydiff.RuleNone,
		"only dec's body changed, a leaf function reached only through a table of pointers: redirect it (the diff must see it)"},
	{"EDIT_VTABLE", binarydiff.NotPatchable, binarydiff.RuleDataChanged,
		"a table of functions a mutable global object points to gained a slot: the object keeps pointing to the old table"},
	{"EDIT_GREETING", binarydiff.NotPatchable, binarydiff.RuleDataChanged,
		"the string a mutable global points to changed: the global stays in the base image, pointing to the old string"},
}

// cToolchain builds shop.c into a DLL.
type cToolchain struct {
	name string
	cc   string
	args []string
	// padded: the toolchain leaves the padding a redirect needs before
	// each function (clang -fms-hotpatch with /functionpadmin), so a
	// changed function draws no unpadded-entry warning.
	padded bool
}

var cToolchains = []cToolchain{
	{"mingw-gcc", "x86_64-w64-mingw32-gcc", []string{"-O2", "-ffunction-sections", "-fdata-sections", "-shared"}, false},
	// clang for the MSVC target, without a C runtime: hotpatchable
	// prologs (-fms-hotpatch) and 6 bytes of padding before each function.
	{"clang-msvc", "clang", []string{"--target=x86_64-pc-windows-msvc", "-O2", "-ffunction-sections", "-fdata-sections",
		"-fms-hotpatch", "-nostdlib", "-fuse-ld=lld", "-shared", "-Wl,/functionpadmin:6", "-Wl,/entry:_DllMainCRTStartup", "-DNO_CRT"}, true},
}

// buildShop compiles testdata/hotpatch/shop.c with tc and the defines into
// dir, and opens the result.
func buildShop(t *testing.T, tc cToolchain, dir string, defines ...string) *binarydiff.Binary {
	t.Helper()
	src, err := filepath.Abs(filepath.Join("testdata", "hotpatch", "shop.c"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, strings.Join(append([]string{tc.name}, defines...), "-")+".dll")
	args := slices.Clone(tc.args)
	for _, d := range defines {
		args = append(args, "-D"+d)
	}
	args = append(args, "-o", out, src)
	if b, err := exec.Command(tc.cc, args...).CombinedOutput(); err != nil {
		if tc.cc == "clang" && strings.Contains(string(b), "lld") {
			t.Skipf("clang cannot link for the MSVC target here (lld missing?): %s", b)
		}
		t.Fatalf("%s %v: %v\n%s", tc.cc, args, err, b)
	}
	return openBinary(t, out)
}

func openBinary(t *testing.T, path string) *binarydiff.Binary {
	t.Helper()
	b, err := binarydiff.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func assessPair(t *testing.T, old, new *binarydiff.Binary) *binarydiff.Assessment {
	t.Helper()
	res, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := res.HotpatchabilityContext(context.Background(), old, new)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestHotpatchGroundTruthC builds shop.c with each toolchain, once as is
// and once per edit, and checks the verdict and its reason.
func TestHotpatchGroundTruthC(t *testing.T) {
	for _, tc := range cToolchains {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := exec.LookPath(tc.cc); err != nil {
				t.Skipf("%s not installed", tc.cc)
			}
			dir := t.TempDir()
			old := buildShop(t, tc, dir)
			for _, gt := range shopEdits {
				t.Run(gt.edit, func(t *testing.T) {
					a := assessPair(t, old, buildShop(t, tc, dir, gt.edit))
					checkGroundTruth(t, a, gt)
					if gt.edit == "EDIT_LEAF" && strings.HasPrefix(a.Reason, "nothing to patch") {
						t.Errorf("the changed leaf function went unseen: %s", a.Reason)
					}
					if gt.edit == "EDIT_BODY" {
						unpadded := slices.ContainsFunc(a.Warnings, func(f binarydiff.Finding) bool { return f.Rule == binarydiff.RuleUnpaddedEntry })
						if unpadded == tc.padded {
							t.Errorf("unpadded-entry warning %v for a toolchain that pads %v: %v", unpadded, tc.padded, a.Warnings)
						}
					}
				})
			}
		})
	}
}

func checkGroundTruth(t *testing.T, a *binarydiff.Assessment, gt groundTruth) {
	t.Helper()
	if a.Verdict != gt.verdict {
		t.Errorf("%s: verdict %v (%s), want %v: %s\nblockers %v\nunknowns %v", gt.edit, a.Verdict, a.Reason, gt.verdict, gt.why, a.Blockers(), a.Unknowns)
	}
	if gt.rule != binarydiff.RuleNone && !slices.Contains(a.Rules(), gt.rule) {
		t.Errorf("%s: blocking rules %v, want %v among them: %s", gt.edit, a.Rules(), gt.rule, gt.why)
	}
	// Whatever the verdict, metadata never blocks, and every finding
	// names what it is about.
	for _, f := range a.Findings {
		if f.Rule.Info().Effect != binarydiff.Blocks && f.Rule != binarydiff.RuleCHPEImage {
			t.Errorf("%s: blocker of rule %v, whose effect is %v", gt.edit, f.Rule, f.Rule.Info().Effect)
		}
	}
	for _, fs := range [][]binarydiff.Finding{a.Findings, a.Unknowns} {
		for _, f := range fs {
			if f.Message == "" || f.Function == "" && f.Section == "" && len(f.Readers) == 0 && f.Rule != binarydiff.RuleExportsChanged && f.Rule != binarydiff.RuleImportsChanged {
				t.Errorf("%s: finding names nothing: %+v", gt.edit, f)
			}
		}
	}
	if gt.verdict == binarydiff.NotPatchable && len(a.Findings) == 1 && a.Revert == nil {
		t.Errorf("%s: one blocker but no change to revert: %s", gt.edit, a.Reason)
	}
}

type goEdit struct {
	file, edit string
	changed    string          // a function the diff must find Changed, if any
	block      binarydiff.Rule // NotPatchable by this rule, or RuleNone: Patchable, or Unknown with a reason
	why        string
}

// goEdits are the edits of testdata/hotpatch/go: the file an overlay
// replaces by another (so that the build settings recorded in the binary
// stay the same), and what the verdict must be.
var goEdits = []goEdit{
	{"fee.go", "fee.go.edit", "main.fee", binarydiff.RuleNone, "one function's body changed"},
	{"owner.go", "owner.go.edit", "", binarydiff.RuleDataChanged, "a global string's initializer changed: the global stays in the base image, pointing to the old string"},
	{"fee.go", "fee.go.global", "main.fee", binarydiff.RuleDataResized, "fee counts its calls in a new global: new mutable state"},
	{"fee.go", "fee.go.str", "main.fee", binarydiff.RuleNone, "fee reads a new string, and owner's moved: the global string's value is the same"},
	{"account.go", "account.go.swap", "main.withdraw", binarydiff.RuleGoTypeLayout, "account's fields swapped: accounts already on the heap have the old layout"},
	{"account.go", "account.go.grow", "main.main", binarydiff.RuleGoTypeLayout, "account grew a field: accounts already on the heap are too small"},
}

// TestHotpatchGroundTruthGo builds testdata/hotpatch/go for windows/amd64,
// in the default build mode and as an executable without relocations, as
// is and with each edit of goEdits, and checks the verdict.
func TestHotpatchGroundTruthGo(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	dir := t.TempDir()
	src, err := filepath.Abs(filepath.Join("testdata", "hotpatch", "go"))
	if err != nil {
		t.Fatal(err)
	}
	build := func(name string, flags ...string) *binarydiff.Binary {
		out := filepath.Join(dir, name+".exe")
		args := append([]string{"build", "-trimpath", "-o", out}, flags...)
		cmd := exec.Command(gobin, append(args, ".")...)
		cmd.Dir = src
		cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=", "GOWORK=off")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, b)
		}
		return openBinary(t, out)
	}
	// Windows builds have base relocations by default; -buildmode=exe
	// leaves them out, and the assessment infers the pointers.
	for _, mode := range []string{"default", "exe"} {
		flags := []string{}
		if mode == "exe" {
			flags = append(flags, "-buildmode=exe")
		}
		old := build("old-"+mode, flags...)
		for _, e := range goEdits {
			t.Run(mode+"/"+e.edit, func(t *testing.T) { checkGoEdit(t, old, build, src, dir, mode, flags, e) })
		}
	}
}

// checkGoEdit builds edit e of testdata/hotpatch/go (in src, overlays in
// dir) with flags through build, and checks its verdict against old.
func checkGoEdit(t *testing.T, old *binarydiff.Binary, build func(string, ...string) *binarydiff.Binary, src, dir, mode string, flags []string, e goEdit) {
	overlay := filepath.Join(dir, e.edit+".json")
	ov := fmt.Sprintf(`{"Replace": {%q: %q}}`, filepath.Join(src, e.file), filepath.Join(src, e.edit))
	if err := os.WriteFile(overlay, []byte(ov), 0o644); err != nil {
		t.Fatal(err)
	}
	new := build(e.edit+"-"+mode, append(slices.Clone(flags), "-overlay="+overlay)...)
	a := assessPair(t, old, new)
	t.Logf("verdict %v: %s", a.Verdict, a.Reason)
	switch {
	case e.block != binarydiff.RuleNone && (a.Verdict != binarydiff.NotPatchable || !slices.Contains(a.Rules(), e.block)):
		t.Errorf("verdict %v (%s), want NotPatchable by %v: %s\n%v", a.Verdict, a.Reason, e.block, e.why, a.Blockers())
	case e.block == binarydiff.RuleNone && a.Verdict == binarydiff.NotPatchable:
		t.Errorf("NotPatchable (%s): %s\n%v", a.Reason, e.why, a.Blockers())
	case a.Verdict == binarydiff.Unknown && (a.Reason == "" || len(a.Unknowns) == 0):
		t.Errorf("Unknown without a reason: %+v", a)
	}
	if e.changed == "" {
		return
	}
	res, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(res.Functions, func(fd binarydiff.FunctionDiff) bool {
		return fd.Kind == binarydiff.Changed && fd.Old.Name == e.changed
	}) {
		t.Errorf("%s not Changed", e.changed)
	}
}

// TestHotpatchBodyMutationsNeverBlockedByData is the property behind the
// ground truth: a difftest mutation that changes one function's body
// (an immediate, a register, an instruction inserted or deleted) never
// yields NotPatchable through a data, metadata or loader rule; only the
// entry point or a function without room for the jump may block.
func TestHotpatchBodyMutationsNeverBlockedByData(t *testing.T) {
	body := []difftest.Mutation{difftest.ChangeImmediate, difftest.ChangeRegister, difftest.InsertInsn, difftest.DeleteInsn}
	rapid.Check(t, func(t *rapid.T) {
		cfg := difftest.Config{Symbols: true, Exports: rapid.Bool().Draw(t, "exports")}
		old := difftest.ImageGen(cfg).Draw(t, "old")
		new := old.Clone()
		k := rapid.SampledFrom(body).Draw(t, "mutation")
		if !k.Apply(t, new, cfg) {
			t.Skip("mutation not applicable")
		}
		_, ob := hpBuild(t, old)
		_, nb := hpBuild(t, new)
		_, a := hpAssess(t, ob, nb)
		for _, r := range a.Rules() {
			if r != binarydiff.RuleEntryChanged && r != binarydiff.RuleNoRoomForJump {
				t.Fatalf("%v blocked by %v: %v", k, r, a.Blockers())
			}
		}
		if len(a.Unknowns) > 0 {
			t.Fatalf("%v undecided: %v", k, a.Unknowns)
		}
	})
}

// TestHotpatchabilityCancel checks that a done context stops the
// assessment with its error.
func TestHotpatchabilityCancel(t *testing.T) {
	p := difftest.RandomPair(5, difftest.Config{MinFuncs: 40, Exports: true, Symbols: true}, 6)
	_, ob := hpBuild(t, p.Old)
	_, nb := hpBuild(t, p.New)
	res, err := binarydiff.Diff(context.Background(), ob, nb, binarydiff.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a, err := res.HotpatchabilityContext(ctx, ob, nb)
	if a != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled assessment: %v, %v", a, err)
	}
	if a, err := res.HotpatchabilityContext(context.Background(), ob, nb); a == nil || err != nil {
		t.Fatalf("assessment: %v, %v", a, err)
	}
}

// TestHotpatchRuleTableDoc checks that the rule table in the package
// documentation says what Rule.Info says: each rule's effect and basis.
func TestHotpatchRuleTableDoc(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][2]string{}
	for _, line := range strings.Split(string(doc), "\n") {
		f := strings.Fields(strings.TrimPrefix(line, "//"))
		if len(f) >= 3 {
			rows[f[0]] = [2]string{f[1], f[2]}
		}
	}
	for _, ri := range binarydiff.HotpatchRules() {
		got, ok := rows[ri.Rule.String()]
		if want := [2]string{ri.Effect.String(), ri.Basis.String()}; !ok || got != want {
			t.Errorf("doc.go row of %v: %v, Rule.Info says %v", ri.Rule, got, want)
		}
		if ri.Why == "" {
			t.Errorf("rule %v has no reason", ri.Rule)
		}
		if ri.Rule != binarydiff.RuleFactsUnavailable && (ri.Source.Title == "" || !strings.HasPrefix(ri.Source.URL, "https://")) {
			t.Errorf("rule %v has no public source: %+v", ri.Rule, ri.Source)
		}
	}
}

// FuzzHotpatchability assesses a generated image against a mutated copy
// of itself: whatever the bytes, the assessment must not panic, and its
// verdict must follow from its lists.
//
//	go test ./binarydiff -run '^$' -fuzz FuzzHotpatchability -fuzztime 20s
func FuzzHotpatchability(f *testing.F) {
	p := difftest.RandomPair(3, difftest.Config{MinFuncs: 8, MaxFuncs: 16, Exports: true, Symbols: true}, 2)
	var images [2][]byte
	for i, im := range []*difftest.Image{p.Old, p.New} {
		l, err := im.Build()
		if err != nil {
			f.Fatal(err)
		}
		images[i] = l.Bytes
	}
	f.Add(images[1])
	f.Fuzz(func(t *testing.T, data []byte) {
		old, err := binarydiff.Parse(context.Background(), bytes.NewReader(images[0]), int64(len(images[0])))
		if err != nil {
			t.Fatal(err)
		}
		new, err := binarydiff.Parse(context.Background(), bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		res, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{})
		if err != nil {
			return
		}
		a, err := res.HotpatchabilityContext(context.Background(), old, new)
		if err != nil {
			t.Fatal(err)
		}
		checkVerdict(t, a)
	})
}
