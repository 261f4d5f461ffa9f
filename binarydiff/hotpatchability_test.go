package binarydiff_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/patchmodel/patchmodel/binarydiff"
	"github.com/patchmodel/patchmodel/binarydiff/difftest"
	"pgregory.net/rapid"
)

// hpBuild builds im and parses it.
func hpBuild(t tb, im *difftest.Image) (*difftest.Layout, *binarydiff.Binary) {
	t.Helper()
	l, err := im.Build()
	if err != nil {
		t.Fatalf("difftest build: %v", err)
	}
	b, err := binarydiff.Parse(context.Background(), bytes.NewReader(l.Bytes), int64(len(l.Bytes)))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return l, b
}

func hpAssess(t tb, old, new *binarydiff.Binary) (*binarydiff.Result, *binarydiff.Assessment) {
	t.Helper()
	res, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{})
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	return res, res.Hotpatchability(old, new)
}

func entryName(im *difftest.Image) string {
	if im.Entry != "" {
		return im.Entry
	}
	return im.Funcs[0].Name
}

// expectedRules derives, from the ground truth of a single mutation and the
// layout of the old image, the rules an assessment must report (want) and
// those it may report besides (may).
//
// Which functions changed is taken from the result (functions are named,
// from the COFF symbols), so that a matching error of the differ, which
// its own property tests track, does not show here as an assessment
// error; the data and layout rules are checked against the ground truth.
func expectedRules(k difftest.Mutation, cfg difftest.Config, old, new *difftest.Image, lo *difftest.Layout, res *binarydiff.Result) (want, may map[binarydiff.Rule]bool) {
	want, may = map[binarydiff.Rule]bool{}, map[binarydiff.Rule]bool{}
	tr := difftest.Compare(old, new)
	var changed []string
	var addedOrRemoved bool
	for _, fd := range res.Functions {
		switch fd.Kind {
		case binarydiff.Changed:
			changed = append(changed, fd.Old.Name)
		case binarydiff.Added, binarydiff.Removed:
			addedOrRemoved = true
		}
	}
	if entryName(old) != entryName(new) || slices.Contains(changed, entryName(old)) {
		want[binarydiff.RuleEntryChanged] = true
	}
	if cfg.Exports && addedOrRemoved {
		want[binarydiff.RuleExportsChanged] = true
	}
	for _, name := range changed {
		if noRoom(old, lo, name) {
			want[binarydiff.RuleNoRoomForJump] = true
		}
	}
	switch k {
	case difftest.ChangeData:
		for _, name := range tr.ChangedData {
			for _, d := range old.Data {
				switch {
				case d.Name != name:
				case d.Writable:
					want[binarydiff.RuleDataChanged] = true
				default:
					// Read by unchanged code, or by no code, or pointing to
					// mutable data; or, when code changed, read only by it.
					for _, r := range []binarydiff.Rule{binarydiff.RuleRodataChanged, binarydiff.RuleRodataUnattributed, binarydiff.RuleConstPointer} {
						may[r] = true
					}
				}
			}
		}
	case difftest.InsertData:
		for _, d := range new.Data {
			if !slices.ContainsFunc(old.Data, func(o difftest.Data) bool { return o.Name == d.Name }) && d.Writable {
				want[binarydiff.RuleDataResized] = true
			}
		}
		may[binarydiff.RuleDataChanged] = true
		may[binarydiff.RuleRodataChanged] = true
		may[binarydiff.RuleRodataUnattributed] = true
		may[binarydiff.RuleConstPointer] = true
	case difftest.DeleteFunc:
		for _, gone := range tr.Removed {
			for _, d := range old.Data {
				for _, p := range d.Ptrs {
					if p.Target == gone {
						want[binarydiff.RuleRemovedReferenced] = true
						may[binarydiff.RuleRodataChanged] = true // the pointer was retargeted
						may[binarydiff.RuleRodataUnattributed] = true
					}
				}
			}
		}
	}
	return want, may
}

// checkVerdict checks that the verdict follows from the lists: blockers
// make it NotPatchable, else undecided findings Unknown, else Patchable.
func checkVerdict(t tb, a *binarydiff.Assessment) {
	t.Helper()
	want := binarydiff.Patchable
	switch {
	case len(a.Findings) > 0:
		want = binarydiff.NotPatchable
	case len(a.Unknowns) > 0:
		want = binarydiff.Unknown
	}
	if a.Verdict != want {
		t.Errorf("verdict %v with %d blockers and %d undecided", a.Verdict, len(a.Findings), len(a.Unknowns))
	}
}

// noRoom reports from the layout whether function name of im lacks room
// for a redirect: fewer than 5 bytes of int3 padding before it (or a body
// under 2 bytes), and fewer than 5 bytes of body plus padding after it.
func noRoom(im *difftest.Image, l *difftest.Layout, name string) bool {
	i := slices.IndexFunc(l.Funcs, func(p difftest.Placed) bool { return p.Name == name })
	p := l.Funcs[i]
	text := l.Sections[0]
	before := p.RVA - text.RVA
	if i > 0 {
		before = p.RVA - l.Funcs[i-1].End()
	}
	after := uint32(0)
	if i+1 < len(l.Funcs) {
		after = l.Funcs[i+1].RVA - p.End()
	}
	return !(min(before, 64) >= 5 && p.Size >= 2) && p.Size+after < 5
}

// ruleSet returns the rules of the blockers and the undecided findings.
func ruleSet(a *binarydiff.Assessment) map[binarydiff.Rule]bool {
	m := map[binarydiff.Rule]bool{}
	for _, r := range a.Rules() {
		m[r] = true
	}
	for _, f := range a.Unknowns {
		m[f.Rule] = true
	}
	return m
}

func TestHotpatchabilitySelf(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		im := difftest.ImageGen(difftest.Config{Symbols: true, Exports: rapid.Bool().Draw(t, "exports")}).Draw(t, "image")
		_, b := hpBuild(t, im)
		_, a := hpAssess(t, b, b)
		if !a.Patchable() || len(a.Findings) > 0 || len(a.Unknowns) > 0 || len(a.Warnings) > 0 || len(a.Notes) > 0 {
			t.Fatalf("self diff: %v findings %v unknowns %v warnings %v notes %v", a.Verdict, a.Findings, a.Unknowns, a.Warnings, a.Notes)
		}
	})
}

// TestHotpatchabilityMutations checks the assessment against the ground
// truth of every difftest mutation: Patchable for those that touch only
// function bodies (unless the changed function is the entry point or has
// no room for a jump), NotPatchable with the right rule for the
// data and layout mutations.
func TestHotpatchabilityMutations(t *testing.T) {
	for _, k := range difftest.Mutations {
		t.Run(k.String(), func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				cfg := difftest.Config{Symbols: true, Exports: rapid.Bool().Draw(t, "exports")}
				old := difftest.ImageGen(cfg).Draw(t, "old")
				new := old.Clone()
				if !k.Apply(t, new, cfg) {
					t.Skip("mutation not applicable")
				}
				lo, ob := hpBuild(t, old)
				_, nb := hpBuild(t, new)
				res, a := hpAssess(t, ob, nb)
				want, may := expectedRules(k, cfg, old, new, lo, res)
				got := ruleSet(a)
				for r := range want {
					if !got[r] {
						t.Errorf("missing finding %v\nfindings: %v\nwarnings: %v\nsummary %+v", r, a.Blockers(), a.Warnings, res.Summary)
					}
				}
				for r := range got {
					if !want[r] && !may[r] {
						t.Errorf("unexpected finding %v\nfindings: %v\nsummary %+v", r, a.Blockers(), res.Summary)
					}
				}
				checkVerdict(t, a)
			})
		})
	}
}

func TestHotpatchabilityJSON(t *testing.T) {
	p := difftest.RandomPair(7, difftest.Config{MinFuncs: 20, Exports: true}, 3)
	_, ob := hpBuild(t, p.Old)
	_, nb := hpBuild(t, p.New)
	_, a := hpAssess(t, ob, nb)
	data, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var back binarydiff.Assessment
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(&back)
	if !bytes.Equal(data, again) {
		t.Errorf("JSON does not round-trip:\n%s\n%s", data, again)
	}
}

// TestHotpatchabilityFactsJSON checks that the facts of an assessment,
// whose metadata ranges are computed only where the rules need them,
// encode the same ranges as Binary.Facts reads for the whole image.
func TestHotpatchabilityFactsJSON(t *testing.T) {
	p := difftest.RandomPair(11, difftest.Config{MinFuncs: 40, Exports: true, Symbols: true}, 5)
	_, ob := hpBuild(t, p.Old)
	_, nb := hpBuild(t, p.New)
	_, a := hpAssess(t, ob, nb)
	for _, side := range []struct {
		got *binarydiff.ImageFacts
		b   *binarydiff.Binary
	}{{a.Old, ob}, {a.New, nb}} {
		want, err := side.b.Facts()
		if err != nil {
			t.Fatal(err)
		}
		if len(want.Metadata) == 0 {
			t.Fatal("no metadata ranges")
		}
		var got struct{ Metadata []binarydiff.Range }
		data, err := json.Marshal(side.got)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &got); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Metadata, want.Metadata) {
			t.Errorf("assessment facts encode metadata %v, Facts reads %v", got.Metadata, want.Metadata)
		}
	}
}

func TestFindingString(t *testing.T) {
	f := binarydiff.Finding{Rule: binarydiff.RuleDataChanged, Image: "new", RVA: 0x3010, Section: ".data", Message: "writable data changed"}
	if got, want := f.String(), "data-changed: writable data changed (new rva 0x3010 in .data)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	for r := binarydiff.RuleDataChanged; r <= binarydiff.RuleFactsUnavailable; r++ {
		var back binarydiff.Rule
		text, _ := r.MarshalText()
		if err := back.UnmarshalText(text); err != nil || back != r || strings.HasPrefix(r.String(), "1") {
			t.Errorf("rule %d: %q %v", r, text, err)
		}
	}

}

// TestHotpatchabilityLoaderEdits checks the rules for what the loader
// reads, with edits difftest's mutations do not make: an export added or
// removed without code changes, and the entry point moved to another
// function.
func TestHotpatchabilityLoaderEdits(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(t *rapid.T, im *difftest.Image) bool
		want binarydiff.Rule
	}{
		{"toggle-export", func(t *rapid.T, im *difftest.Image) bool {
			i := rapid.IntRange(0, len(im.Funcs)-1).Draw(t, "func")
			im.Funcs[i].Export = !im.Funcs[i].Export
			return true
		}, binarydiff.RuleExportsChanged},
		{"move-entry", func(t *rapid.T, im *difftest.Image) bool {
			if len(im.Funcs) < 2 {
				return false
			}
			cur := entryName(im)
			for _, f := range im.Funcs {
				if f.Name != cur {
					im.Entry = f.Name
					return true
				}
			}
			return false
		}, binarydiff.RuleEntryChanged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				old := difftest.ImageGen(difftest.Config{Symbols: true, Exports: rapid.Bool().Draw(t, "exports")}).Draw(t, "old")
				new := old.Clone()
				if !tc.edit(t, new) {
					t.Skip("edit not applicable")
				}
				_, ob := hpBuild(t, old)
				_, nb := hpBuild(t, new)
				_, a := hpAssess(t, ob, nb)
				if got := a.Rules(); len(got) != 1 || got[0] != tc.want || len(a.Unknowns) > 0 {
					t.Fatalf("rules %v, want [%v]: %v", got, tc.want, a.Blockers())
				}
			})
		})
	}
}

// TestHotpatchabilityWindows checks that comparing data a window at a time
// changes nothing: the assessment of a pair with small windows (whose
// ranges and pointers straddle their ends) equals, in JSON, the one
// compared whole.
func TestHotpatchabilityWindows(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := difftest.RandomPair(rapid.Uint64().Draw(t, "seed"), difftest.Config{MinFuncs: 20, Exports: true}, rapid.IntRange(1, 6).Draw(t, "mutations"))
		_, ob := hpBuild(t, p.Old)
		_, nb := hpBuild(t, p.New)
		res, err := binarydiff.Diff(context.Background(), ob, nb, binarydiff.Options{})
		if err != nil {
			t.Fatal(err)
		}
		restore := binarydiff.SetChangeWindow(1 << 30)
		whole := res.Hotpatchability(ob, nb)
		binarydiff.SetChangeWindow(uint32(rapid.IntRange(1, 512).Draw(t, "window")))
		windowed := res.Hotpatchability(ob, nb)
		restore()
		wj, err := json.MarshalIndent(whole, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		gj, _ := json.MarshalIndent(windowed, "", " ")
		if d := cmp.Diff(strings.Split(string(wj), "\n"), strings.Split(string(gj), "\n")); d != "" {
			t.Fatalf("windowed assessment differs (-whole +windowed):\n%s", d)
		}
	})
}
