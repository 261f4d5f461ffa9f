package binarydiff_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/patchmodel/patchmodel/binarydiff"
	"github.com/patchmodel/patchmodel/binarydiff/difftest"
	"pgregory.net/rapid"
)

// The properties below check Diff against the ground truth of difftest:
// generated PE images whose functions, and what a mutation did to them,
// are known exactly.

func init() {
	// rapid shrinks a failure for up to 30 s by default; with several
	// properties failing at once that would blow the package's time
	// budget, and 5 s finds small cases for these generators. The
	// command-line flag still overrides.
	if err := flag.Set("rapid.shrinktime", "5s"); err != nil {
		panic(err)
	}
}

// tb is what the helpers need of *testing.T, *testing.B and *rapid.T.
type tb interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// build builds im and parses the result.
func build(t tb, im *difftest.Image) (*difftest.Layout, *binarydiff.Binary) {
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

func diff(t tb, old, new *binarydiff.Binary, opts binarydiff.Options) *binarydiff.Result {
	t.Helper()
	res, err := binarydiff.Diff(context.Background(), old, new, opts)
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	return res
}

// checkAccounting checks the invariants of any Result: every function of
// both sides exactly once, kinds consistent with their sides, RVAs and
// similarity, the summary counting the functions.
func checkAccounting(t tb, old, new *binarydiff.Binary, res *binarydiff.Result) {
	t.Helper()
	seen := [2]map[uint32]int{{}, {}}
	count := map[binarydiff.Kind]int{}
	for _, fd := range res.Functions {
		count[fd.Kind]++
		for side, ref := range []*binarydiff.FuncRef{fd.Old, fd.New} {
			if ref != nil {
				seen[side][ref.RVA]++
			}
		}
		switch {
		case fd.Kind == binarydiff.Added && (fd.Old != nil || fd.New == nil),
			fd.Kind == binarydiff.Removed && (fd.New != nil || fd.Old == nil),
			fd.Kind != binarydiff.Added && fd.Kind != binarydiff.Removed && (fd.Old == nil || fd.New == nil):
			t.Fatalf("%v with sides %v %v", fd.Kind, fd.Old, fd.New)
		case fd.Kind == binarydiff.Identical && fd.Old.RVA != fd.New.RVA,
			fd.Kind == binarydiff.Moved && fd.Old.RVA == fd.New.RVA:
			t.Errorf("%v pair at %#x and %#x", fd.Kind, fd.Old.RVA, fd.New.RVA)
		case (fd.Kind == binarydiff.Identical || fd.Kind == binarydiff.Moved) && fd.Similarity != 1,
			fd.Kind == binarydiff.Changed && (fd.Similarity < 0 || fd.Similarity >= 1):
			t.Errorf("%v pair %v %v with similarity %v", fd.Kind, fd.Old, fd.New, fd.Similarity)
		}
	}
	for side, b := range []*binarydiff.Binary{old, new} {
		if len(seen[side]) != len(b.Functions) {
			t.Errorf("side %d: %d functions in the result, %d in the binary", side, len(seen[side]), len(b.Functions))
		}
		for _, f := range b.Functions {
			if seen[side][f.RVA] != 1 {
				t.Errorf("side %d: function %#x %q appears %d times", side, f.RVA, f.Name, seen[side][f.RVA])
			}
		}
	}
	for _, k := range []binarydiff.Kind{binarydiff.Identical, binarydiff.Moved, binarydiff.Changed, binarydiff.Added, binarydiff.Removed} {
		if res.Summary.Count(k) != count[k] {
			t.Errorf("summary counts %d %v, the result has %d", res.Summary.Count(k), k, count[k])
		}
	}
}

// checkDiscovery checks that Parse found exactly the functions the builder
// placed, with their names when the image names them.
func checkDiscovery(t tb, im *difftest.Image, l *difftest.Layout, b *binarydiff.Binary) {
	t.Helper()
	if len(b.Functions) != len(l.Funcs) {
		t.Fatalf("found %d functions, built %d: %v", len(b.Functions), len(l.Funcs), funcList(b))
	}
	placed := slices.Clone(l.Funcs)
	sort.Slice(placed, func(i, j int) bool { return placed[i].RVA < placed[j].RVA })
	named := im.Symbols
	for i, f := range b.Functions {
		p := placed[i]
		src := im.Funcs[slices.IndexFunc(im.Funcs, func(f difftest.Func) bool { return f.Name == p.Name })]
		size := f.Size
		for _, r := range f.Fragments {
			size += r.Size
		}
		if f.RVA != p.RVA || size != p.Size {
			t.Errorf("function %d at %#x (%d bytes in %d fragments), built %s at %#x (%d bytes)", i, f.RVA, f.Size, len(f.Fragments), p.Name, p.RVA, p.Size)
		}
		if (named || src.Export) && f.Name != p.Name {
			t.Errorf("function at %#x named %q, want %q", f.RVA, f.Name, p.Name)
		}
	}
}

func funcList(b *binarydiff.Binary) string {
	var s []string
	for _, f := range b.Functions {
		s = append(s, fmt.Sprintf("%#x+%d", f.RVA, f.Size))
	}
	return strings.Join(s, " ")
}

// outcome is what the result says about one function name of the truth.
type outcome struct {
	kind  binarydiff.Kind
	peer  string // name of the function on the other side, by layout
	cause binarydiff.Cause
}

// outcomes names each function diff through the layouts: a pair is keyed
// by its old name, an addition by its new name.
func outcomes(t tb, res *binarydiff.Result, lo, ln *difftest.Layout) (old, new map[string]outcome) {
	t.Helper()
	nameAt := func(l *difftest.Layout, ref *binarydiff.FuncRef) string {
		p, ok := l.FuncAt(ref.RVA)
		if !ok || p.RVA != ref.RVA {
			t.Fatalf("result names a function at %#x that was not built", ref.RVA)
		}
		return p.Name
	}
	old, new = map[string]outcome{}, map[string]outcome{}
	for _, fd := range res.Functions {
		var on, nn string
		if fd.Old != nil {
			on = nameAt(lo, fd.Old)
		}
		if fd.New != nil {
			nn = nameAt(ln, fd.New)
		}
		if fd.Old != nil {
			old[on] = outcome{fd.Kind, nn, fd.Cause}
		}
		if fd.New != nil {
			new[nn] = outcome{fd.Kind, on, fd.Cause}
		}
	}
	return old, new
}

// checkTruth compares a result with the ground truth of the pair.
func checkTruth(t tb, p *difftest.Pair, res *binarydiff.Result, lo, ln *difftest.Layout) {
	t.Helper()
	if errs := truthErrors(t, p.Truth(), res, lo, ln); len(errs) > 0 {
		t.Fatalf("mutations %v, truth %+v:\n%s\nold image:\n%s\nnew image:\n%s", p.Mutations, p.Truth(), strings.Join(errs, "\n"), dump(p.Old, lo), dump(p.New, ln))
	}
}

// truthErrors lists the functions of the truth that the result classifies
// or pairs differently.
func truthErrors(t tb, tr difftest.Truth, res *binarydiff.Result, lo, ln *difftest.Layout) []string {
	t.Helper()
	old, new := outcomes(t, res, lo, ln)
	var errs []string
	expect := func(name string, got outcome, want binarydiff.Kind, peer string) {
		if got.kind != want || got.peer != peer {
			errs = append(errs, fmt.Sprintf("%s: got %v (paired with %q), want %v (paired with %q)", name, got.kind, got.peer, want, peer))
		}
	}
	for _, name := range tr.Unchanged {
		expect(name, old[name], unchangedKind(lo, ln, name), name)
	}
	for _, name := range tr.Changed {
		expect(name, old[name], binarydiff.Changed, name)
	}
	for _, name := range tr.DataRead {
		expect(name, old[name], binarydiff.Changed, name)
		if c := old[name].cause; c != binarydiff.CauseData {
			errs = append(errs, fmt.Sprintf("%s reads other data: got cause %v, want data", name, c))
		}
	}
	for _, name := range tr.Removed {
		expect(name, old[name], binarydiff.Removed, "")
	}
	for _, name := range tr.Added {
		expect(name, new[name], binarydiff.Added, "")
	}
	return errs
}

// dump lists the functions of an image with their code, for failure messages.
func dump(im *difftest.Image, l *difftest.Layout) string {
	var s strings.Builder
	fmt.Fprintf(&s, "  layout: xdata=%v align=%d textpad=%d dll=%v symbols=%v\n", im.XData, im.FuncAlign, im.TextPad, im.DLL, im.Symbols)
	for i, f := range im.Funcs {
		fmt.Fprintf(&s, "  %s @%#x+%d frame=%d saved=%v chain=%d:", f.Name, l.Funcs[i].RVA, l.Funcs[i].Size, f.Frame, f.Saved, f.Chain)
		for _, in := range f.Body {
			fmt.Fprintf(&s, " %v;", in)
		}
		s.WriteByte('\n')
	}
	for i, d := range im.Data {
		fmt.Fprintf(&s, "  %s @%#x % x ptrs=%v align=%d\n", d.Name, l.Data[i].RVA, d.Bytes, d.Ptrs, d.Align)
	}
	return s.String()
}

// TestPropertyDiscovery: Parse finds exactly the built functions, at their
// RVAs, with their sizes (including chained fragments) and names.
func TestPropertyDiscovery(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := difftest.Config{Exports: rapid.Bool().Draw(t, "exports"), Symbols: rapid.Bool().Draw(t, "symbols")}
		im := difftest.ImageGen(cfg).Draw(t, "image")
		l, b := build(t, im)
		checkDiscovery(t, im, l, b)
	})
}

// TestPropertySelfDiff: diff(a, a) is all Identical, with and without names.
func TestPropertySelfDiff(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		im := difftest.ImageGen(difftest.Config{Symbols: true}).Draw(t, "image")
		_, a := build(t, im)
		_, b := build(t, im) // a second parse: no shared state
		for _, ignore := range []bool{false, true} {
			res := diff(t, a, b, binarydiff.Options{IgnoreSymbols: ignore})
			checkAccounting(t, a, b, res)
			if res.Summary.Identical != len(a.Functions) {
				t.Fatalf("IgnoreSymbols=%v: summary %+v for %d functions", ignore, res.Summary, len(a.Functions))
			}
			for _, s := range res.Sections {
				if s.Kind != binarydiff.Identical {
					t.Fatalf("section %s is %v", s.Name, s.Kind)
				}
			}
		}
	})
}

// TestPropertyMutations: with names, the result is exactly the truth:
// mutated functions Changed, inserted Added, deleted Removed, and the
// others Identical or Moved (never Changed) however code and data moved.
// Every mutation is drawn alone and with all the others.
func TestPropertyMutations(t *testing.T) {
	combos := [][]difftest.Mutation{difftest.Mutations}
	for _, kinds := range append(singles(difftest.Mutations), combos...) {
		t.Run(name(kinds), func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				cfg := difftest.Config{Exports: rapid.Bool().Draw(t, "exports")}
				cfg.Symbols = !cfg.Exports || rapid.Bool().Draw(t, "symbols")
				p := difftest.PairGen(cfg, kinds...).Draw(t, "pair")
				lo, a := build(t, p.Old)
				ln, b := build(t, p.New)
				res := diff(t, a, b, binarydiff.Options{})
				checkAccounting(t, a, b, res)
				checkTruth(t, p, res, lo, ln)
			})
		})
	}
}

func singles(kinds []difftest.Mutation) [][]difftest.Mutation {
	var out [][]difftest.Mutation
	for _, k := range kinds {
		out = append(out, []difftest.Mutation{k})
	}
	return out
}

func name(kinds []difftest.Mutation) string {
	if len(kinds) == len(difftest.Mutations) {
		return "all"
	}
	var s []string
	for _, k := range kinds {
		s = append(s, k.String())
	}
	return strings.Join(s, "+")
}

// TestPropertyMutationsStripped: without names, untouched functions are
// told apart exactly (Identical or Moved, paired with themselves), and no
// changed, added or removed function is reported as untouched. What a
// touched function is reported as is looser than with names: a small
// function whose few instructions changed may fall under the similarity
// threshold and show as Removed plus Added, and two small changed
// neighbours may pair crosswise; TestPropertyMutations checks exact kinds
// with names. For the same reason the mutation sets stay apart where a
// touched function can make an untouched one look touched: insertion and
// deletion of functions are drawn separately, so that no removed function
// sits where an added one could take its place, and retargets are left out,
// because an untouched function that refers to a small retargeted one is
// Changed once that callee falls under the threshold (a known limit: see
// "Limits" in the package documentation). Data mutations are drawn
// together with everything else.
func TestPropertyMutationsStripped(t *testing.T) {
	for _, kinds := range [][]difftest.Mutation{
		{difftest.ChangeImmediate, difftest.ChangeRegister, difftest.InsertInsn, difftest.DeleteInsn, difftest.ShiftCode, difftest.ChangeData, difftest.InsertData},
		{difftest.InsertFunc, difftest.ShiftCode, difftest.ChangeImmediate, difftest.ChangeData, difftest.InsertData},
		{difftest.DeleteFunc, difftest.ShiftCode, difftest.ChangeData, difftest.InsertData},
		{difftest.ReorderFuncs, difftest.ShiftCode, difftest.ChangeData, difftest.InsertData},
	} {
		t.Run(name(kinds), func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				p := difftest.PairGen(difftest.Config{Symbols: true, MinFuncs: 3}, kinds...).Draw(t, "pair")
				lo, a := build(t, p.Old)
				ln, b := build(t, p.New)
				res := diff(t, a, b, binarydiff.Options{IgnoreSymbols: true})
				checkAccounting(t, a, b, res)
				for _, fd := range res.Functions {
					for _, r := range []*binarydiff.FuncRef{fd.Old, fd.New} {
						if r != nil && r.Name != "" {
							t.Fatalf("IgnoreSymbols result names %#x %q", r.RVA, r.Name)
						}
					}
				}
				checkTouched(t, p, res, lo, ln)
			})
		})
	}
}

// unchangedKind is what a function with equal code on both sides must be
// reported as: Identical at the same address, else Moved.
func unchangedKind(lo, ln *difftest.Layout, name string) binarydiff.Kind {
	a, _ := lo.Func(name)
	b, _ := ln.Func(name)
	if a.RVA != b.RVA {
		return binarydiff.Moved
	}
	return binarydiff.Identical
}

// checkTouched checks a stripped result against the truth: untouched
// functions exactly, touched ones only for not being reported untouched.
func checkTouched(t tb, p *difftest.Pair, res *binarydiff.Result, lo, ln *difftest.Layout) {
	t.Helper()
	tr := p.Truth()
	old, new := outcomes(t, res, lo, ln)
	var errs []string
	for _, name := range tr.Unchanged {
		want := unchangedKind(lo, ln, name)
		if got := old[name]; got.kind != want || got.peer != name {
			errs = append(errs, fmt.Sprintf("untouched %s: got %v %v (paired with %q), want %v", name, got.kind, got.cause, got.peer, want))
		}
	}
	untouched := func(o outcome) bool { return o.kind == binarydiff.Identical || o.kind == binarydiff.Moved }
	for _, name := range slices.Concat(tr.Changed, tr.DataRead, tr.Removed) {
		if got := old[name]; untouched(got) {
			errs = append(errs, fmt.Sprintf("touched %s: reported %v (paired with %q)", name, got.kind, got.peer))
		}
	}
	for _, name := range tr.Added {
		if got := new[name]; untouched(got) {
			errs = append(errs, fmt.Sprintf("added %s: reported %v (paired with %q)", name, got.kind, got.peer))
		}
	}
	if len(errs) > 0 {
		t.Fatalf("mutations %v, truth %+v:\n%s\nold image:\n%s\nnew image:\n%s", p.Mutations, tr, strings.Join(errs, "\n"), dump(p.Old, lo), dump(p.New, ln))
	}
}

// TestPropertyDataSections: a data item whose bytes changed lies in a
// changed byte range of its section's diff, and one whose bytes did not
// change (even though code moved and pointers to code changed value) does
// not. Items whose pointers were retargeted are not judged: masking
// relocated pointers hides them by design.
func TestPropertyDataSections(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := difftest.PairGen(difftest.Config{MaxData: 8}, difftest.ChangeData, difftest.ShiftCode).Draw(t, "pair")
		_, a := build(t, p.Old)
		ln, b := build(t, p.New)
		res := diff(t, a, b, binarydiff.Options{})
		secs := map[string]binarydiff.SectionDiff{}
		for _, s := range res.Sections {
			secs[s.Name] = s
		}
		for i, d := range p.New.Data {
			o := p.Old.Data[i] // ChangeData and ShiftCode keep the data items in place
			if !slices.Equal(o.Ptrs, d.Ptrs) {
				continue
			}
			placed := ln.Data[i]
			var sec difftest.Placed
			for _, s := range ln.Sections {
				if placed.RVA >= s.RVA && placed.RVA < s.End() {
					sec = s
				}
			}
			sd, ok := secs[sec.Name]
			if !ok {
				t.Fatalf("no section diff for %s (holding %s)", sec.Name, d.Name)
			}
			lo, hi := placed.RVA-sec.RVA, placed.End()-sec.RVA
			covered := false
			for _, r := range sd.Changed {
				if r.Off < hi && r.Off+r.Size > lo {
					covered = true
				}
			}
			if want := !bytes.Equal(o.Bytes, d.Bytes); covered != want {
				t.Fatalf("mutations %v: %s at %s+%#x..%#x changed=%v, section diff %v %+v", p.Mutations, d.Name, sec.Name, lo, hi, want, sd.Kind, sd.Changed)
			}
		}
	})
}

// TestPropertySwap: diff(new, old) is diff(old, new) with sides swapped:
// Added and Removed exchange and pairs stay pairs of the same kind
// (stripped: the counts of Added and Removed exchange). The data map
// decides whether two references agree symmetrically, so a pair is
// Identical, Moved or Changed whichever side is old.
func TestPropertySwap(t *testing.T) {
	for _, ignore := range []bool{false, true} {
		t.Run(fmt.Sprintf("IgnoreSymbols=%v", ignore), func(t *testing.T) { propertySwap(t, ignore) })
	}
}

func propertySwap(t *testing.T, ignore bool) {
	rapid.Check(t, func(t *rapid.T) {
		p := difftest.PairGen(difftest.Config{Symbols: true}).Draw(t, "pair")
		lo, a := build(t, p.Old)
		ln, b := build(t, p.New)
		fwd := diff(t, a, b, binarydiff.Options{IgnoreSymbols: ignore})
		back := diff(t, b, a, binarydiff.Options{IgnoreSymbols: ignore})
		swap := map[binarydiff.Kind]binarydiff.Kind{binarydiff.Added: binarydiff.Removed, binarydiff.Removed: binarydiff.Added}
		key := func(o, n *binarydiff.FuncRef) string {
			r := func(f *binarydiff.FuncRef) string {
				if f == nil {
					return "-"
				}
				return fmt.Sprintf("%#x", f.RVA)
			}
			return r(o) + "→" + r(n)
		}
		want := map[string]binarydiff.Kind{}
		cause := map[string]binarydiff.Cause{}
		for _, fd := range fwd.Functions {
			k := fd.Kind
			if s, ok := swap[k]; ok {
				k = s
			}
			want[key(fd.New, fd.Old)] = k
			cause[key(fd.New, fd.Old)] = fd.Cause
		}
		var errs []string
		if ignore {
			// Stripped, small changed functions may pair differently by
			// direction (similarity ties); the counts must still swap.
			// Pairs with equal code are paired by their unique code, and
			// what makes them Changed is judged symmetrically: they stay
			// pairs of the same kind and cause.
			f, b := fwd.Summary, back.Summary
			if f.Added != b.Removed || f.Removed != b.Added || len(fwd.Functions) != len(back.Functions) {
				t.Fatalf("IgnoreSymbols, mutations %v: forward %+v, backward %+v", p.Mutations, f, b)
			}
			for _, fd := range back.Functions {
				if fd.Kind == binarydiff.Added || fd.Kind == binarydiff.Removed || fd.Cause.Has(binarydiff.CauseCode) {
					continue
				}
				if k := key(fd.Old, fd.New); want[k] != fd.Kind || cause[k] != fd.Cause {
					errs = append(errs, fmt.Sprintf("backward %s is %v %v; forward it was %v %v", k, fd.Kind, fd.Cause, want[k], cause[k]))
				}
			}
		}
		paired := func(k binarydiff.Kind) bool { return k != binarydiff.Added && k != binarydiff.Removed }
		for _, fd := range back.Functions {
			if ignore {
				break
			}
			k, ok := want[key(fd.Old, fd.New)]
			switch {
			case !ok || paired(k) != paired(fd.Kind) || !paired(k) && k != fd.Kind:
				errs = append(errs, fmt.Sprintf("backward %s is %v; forward it was %v (paired the same: %v)", key(fd.Old, fd.New), fd.Kind, k, ok))
			case k != fd.Kind || cause[key(fd.Old, fd.New)] != fd.Cause:
				errs = append(errs, fmt.Sprintf("kind differs by direction: backward %s is %v %v; forward it was %v %v", key(fd.Old, fd.New), fd.Kind, fd.Cause, k, cause[key(fd.Old, fd.New)]))
			}
		}
		if len(back.Functions) != len(fwd.Functions) {
			errs = append(errs, fmt.Sprintf("%d diffs forward, %d backward", len(fwd.Functions), len(back.Functions)))
		}
		if len(errs) > 0 {
			t.Fatalf("IgnoreSymbols=%v, mutations %v:\n%s\nold image:\n%s\nnew image:\n%s", ignore, p.Mutations, strings.Join(errs, "\n"), dump(p.Old, lo), dump(p.New, ln))
		}
	})
}

// TestPropertyWorkersAndJSON: the JSON of a result is byte-identical for 1
// and 3 workers, and the result round-trips through encoding/json.
func TestPropertyWorkersAndJSON(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := difftest.PairGen(difftest.Config{Exports: true, MaxFuncs: 60}).Draw(t, "pair")
		_, a := build(t, p.Old)
		_, b := build(t, p.New)
		ignore := rapid.Bool().Draw(t, "ignore symbols")
		one := diff(t, a, b, binarydiff.Options{Workers: 1, IgnoreSymbols: ignore})
		three := diff(t, a, b, binarydiff.Options{Workers: 3, IgnoreSymbols: ignore})
		j1, err := json.Marshal(one)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		j3, _ := json.Marshal(three)
		if !bytes.Equal(j1, j3) {
			t.Fatalf("1 and 3 workers differ:\n%s\n%s", j1, j3)
		}
		var back binarydiff.Result
		if err := json.Unmarshal(j1, &back); err != nil {
			t.Fatalf("unmarshal: %v", err)
		}
		if d := cmp.Diff(one, &back); d != "" {
			t.Fatalf("round trip (-want +got):\n%s", d)
		}
		var generic struct {
			Functions []map[string]any `json:"functions"`
			Summary   map[string]any   `json:"summary"`
		}
		if err := json.Unmarshal(j1, &generic); err != nil {
			t.Fatal(err)
		}
		for _, f := range generic.Functions {
			switch f["kind"] {
			case "identical", "moved", "changed", "added", "removed":
			default:
				t.Fatalf("kind %v in %v", f["kind"], f)
			}
		}
		for _, k := range []string{"identical", "moved", "changed", "added", "removed"} {
			if _, ok := generic.Summary[k]; !ok {
				t.Fatalf("summary %v has no %q count", generic.Summary, k)
			}
		}
	})
}

// TestPropertyExplain: every Changed pair of a mutated image explains
// without error, and the explanation is not empty.
func TestPropertyExplain(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := difftest.PairGen(difftest.Config{Symbols: true}, difftest.ChangeImmediate, difftest.ChangeRegister, difftest.InsertInsn, difftest.DeleteInsn).Draw(t, "pair")
		_, a := build(t, p.Old)
		_, b := build(t, p.New)
		res := diff(t, a, b, binarydiff.Options{})
		for _, fd := range res.Functions {
			if fd.Kind != binarydiff.Changed {
				continue
			}
			x, err := binarydiff.Explain(a, b, fd)
			if err != nil {
				t.Fatalf("Explain(%v→%v): %v", fd.Old, fd.New, err)
			}
			if x.String() == "" {
				t.Fatalf("empty explanation of %v→%v", fd.Old, fd.New)
			}
		}
	})
}

// TestLeafFoundByCall: a leaf without unwind info is found as the target
// of a call, and a change to it is reported.
func TestLeafFoundByCall(t *testing.T) {
	im := &difftest.Image{Symbols: true, Funcs: []difftest.Func{
		{Name: "caller", Frame: 0x28, Body: []difftest.Insn{{Op: difftest.Call, Target: "leaf"}}},
		{Name: "leaf", NoUnwind: true, Body: []difftest.Insn{{Op: difftest.MovImm, Dst: difftest.RAX, Imm: 41}}},
		{Name: "other", Frame: 8, Body: []difftest.Insn{{Op: difftest.XorReg, Dst: difftest.RAX, Src: difftest.RAX}}},
	}}
	next := im.Clone()
	next.Funcs[1].Body[0].Imm = 42
	for _, ignore := range []bool{false, true} {
		lo, a := build(t, im)
		ln, b := build(t, next)
		checkDiscovery(t, im, lo, a)
		res := diff(t, a, b, binarydiff.Options{IgnoreSymbols: ignore})
		checkAccounting(t, a, b, res)
		checkTruth(t, &difftest.Pair{Old: im, New: next}, res, lo, ln)
	}
}

// TestRetargetIsChanged: code whose reference goes to another function or
// data item is Changed, whatever the instruction that holds the reference.
// Every other function, and the targets, stay Identical.
func TestRetargetIsChanged(t *testing.T) {
	for _, c := range []struct {
		name     string
		old, new difftest.Insn
		dropG    bool // g is removed from the new image
	}{
		{"call", difftest.Insn{Op: difftest.Call, Target: "g"}, difftest.Insn{Op: difftest.Call, Target: "h"}, false},
		{"tail jmp", difftest.Insn{Op: difftest.TailJmp, Target: "g"}, difftest.Insn{Op: difftest.TailJmp, Target: "h"}, false},
		{"lea of a function", difftest.Insn{Op: difftest.Lea, Target: "g"}, difftest.Insn{Op: difftest.Lea, Target: "h"}, false},
		{"mov imm64 of a function", difftest.Insn{Op: difftest.MovAbs, Target: "g"}, difftest.Insn{Op: difftest.MovAbs, Target: "h"}, false},
		{"load of another data item", difftest.Insn{Op: difftest.Load, Target: "x"}, difftest.Insn{Op: difftest.Load, Target: "y"}, false},
		{"load at another offset", difftest.Insn{Op: difftest.Load, Target: "x"}, difftest.Insn{Op: difftest.Load, Target: "x", Addend: 8}, false},
		{"store to another data item", difftest.Insn{Op: difftest.Store, Target: "w"}, difftest.Insn{Op: difftest.Store, Target: "v"}, false},
		{"lea of read-only data instead of writable", difftest.Insn{Op: difftest.Lea, Target: "x"}, difftest.Insn{Op: difftest.Lea, Target: "w"}, false},
		{"call of a removed function", difftest.Insn{Op: difftest.Call, Target: "g"}, difftest.Insn{Op: difftest.Call, Target: "h"}, true},
		{"lea of a removed function", difftest.Insn{Op: difftest.Lea, Target: "g"}, difftest.Insn{Op: difftest.Lea, Target: "h"}, true},
		{"mov imm64 of a removed function", difftest.Insn{Op: difftest.MovAbs, Target: "g"}, difftest.Insn{Op: difftest.MovAbs, Target: "h"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			mk := func(ref difftest.Insn, dropG bool) *difftest.Image {
				im := &difftest.Image{Symbols: true,
					Funcs: []difftest.Func{
						{Name: "f", Frame: 0x28, Body: []difftest.Insn{{Op: difftest.MovImm, Dst: difftest.RCX, Imm: 1}, ref}},
						{Name: "g", Frame: 8, Body: []difftest.Insn{{Op: difftest.MovImm, Dst: difftest.RAX, Imm: 2}}},
						{Name: "h", Frame: 8, Body: []difftest.Insn{{Op: difftest.MovImm, Dst: difftest.RAX, Imm: 3}}},
					},
					Data: []difftest.Data{
						{Name: "x", Bytes: []byte("0123456789abcdef")},
						{Name: "y", Bytes: []byte("fedcba9876543210")},
						{Name: "w", Bytes: make([]byte, 16), Writable: true},
						{Name: "v", Bytes: make([]byte, 16), Writable: true},
					}}
				if dropG {
					im.Funcs = slices.Delete(im.Funcs, 1, 2)
				}
				return im
			}
			p := &difftest.Pair{Old: mk(c.old, false), New: mk(c.new, c.dropG)}
			lo, a := build(t, p.Old)
			ln, b := build(t, p.New)
			for _, ignore := range []bool{false, true} {
				res := diff(t, a, b, binarydiff.Options{IgnoreSymbols: ignore})
				checkAccounting(t, a, b, res)
				checkTruth(t, p, res, lo, ln)
			}
		})
	}
}

// TestDataMovedIsNotChanged: code whose data moved (something was inserted
// before it in the same section) is not Changed, whatever the data looks
// like and however far it moved.
func TestDataMovedIsNotChanged(t *testing.T) {
	for _, c := range []struct {
		name     string
		data     difftest.Data
		inserted difftest.Data
		ref      difftest.Op
		alone    bool // x is the only data item, followed by many identical UNWIND_INFOs
	}{
		{"zero byte after a pointer", difftest.Data{Name: "x", Bytes: []byte{0}, Align: 1},
			difftest.Data{Name: "new", Bytes: make([]byte, 8), Ptrs: []difftest.Ptr{{Target: "f"}}}, difftest.Load, false},
		{"string after a string", difftest.Data{Name: "x", Bytes: []byte("hello, world\x00"), Align: 1},
			difftest.Data{Name: "new", Bytes: []byte("abc"), Align: 1}, difftest.Lea, false},
		{"short string after a string", difftest.Data{Name: "x", Bytes: []byte("vzH\x00"), Align: 1},
			difftest.Data{Name: "new", Bytes: []byte("qW6xl51s\x00"), Align: 1}, difftest.Load, false},
		{"short string alone before the unwind info", difftest.Data{Name: "x", Bytes: []byte("vzH\x00"), Align: 1},
			difftest.Data{Name: "new", Bytes: []byte("qW6xl51s\x00"), Align: 1}, difftest.Load, true},
		{"word after a word", difftest.Data{Name: "x", Bytes: []byte{1, 2, 3, 4, 5, 6, 7, 8}},
			difftest.Data{Name: "new", Bytes: []byte{8, 7, 6, 5, 4, 3, 2, 1}}, difftest.Load, false},
		{"zero words after zero words", difftest.Data{Name: "x", Bytes: make([]byte, 16)},
			difftest.Data{Name: "new", Bytes: make([]byte, 24)}, difftest.Load, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			old := &difftest.Image{Symbols: true,
				Funcs: []difftest.Func{
					{Name: "f", Frame: 8, Body: []difftest.Insn{{Op: difftest.MovImm, Dst: difftest.RCX, Imm: 1}}},
					{Name: "g", Frame: 8, Body: []difftest.Insn{{Op: c.ref, Dst: difftest.RAX, Target: "x"}}},
				},
				Data: []difftest.Data{c.data, {Name: "y", Bytes: []byte("other data\x00"), Align: 1}},
			}
			if c.alone {
				old.Data = old.Data[:1]
				old.Funcs[1] = difftest.Func{Name: "g", Frame: 4096, Chain: 1, Body: []difftest.Insn{
					{Op: difftest.Nop}, {Op: c.ref, Dst: difftest.RAX, Target: "x"}, {Op: difftest.Nop}, {Op: difftest.Nop}}}
				for i := range 14 {
					old.Funcs = slices.Insert(old.Funcs, 1, difftest.Func{Name: fmt.Sprint("pad", i), Frame: 4096,
						Body: []difftest.Insn{{Op: difftest.MovImm, Dst: difftest.RAX, Imm: int32(i)}}})
				}
			}
			new := old.Clone()
			new.Data = append([]difftest.Data{c.inserted}, new.Data...)
			p := &difftest.Pair{Old: old, New: new}
			lo, a := build(t, p.Old)
			ln, b := build(t, p.New)
			for _, ignore := range []bool{false, true} {
				res := diff(t, a, b, binarydiff.Options{IgnoreSymbols: ignore})
				checkAccounting(t, a, b, res)
				checkTruth(t, p, res, lo, ln)
			}
		})
	}
}

// TestDataMovedBeforeUnwindInfo is a case TestPropertyMutations/insert-data
// found: a string inserted before the only other string of .rdata, which
// UNWIND_INFO records follow.
func TestDataMovedBeforeUnwindInfo(t *testing.T) {
	tag := func(v int32) []difftest.Insn {
		return []difftest.Insn{{Op: difftest.MovImm, Dst: difftest.RAX, Imm: v}}
	}
	old := &difftest.Image{DLL: true, Symbols: true,
		Funcs: []difftest.Func{
			{Name: "fn0", Frame: 4096},
			{Name: "fn1", Chain: 1, Body: []difftest.Insn{{Op: difftest.Lea, Dst: difftest.RAX, Target: "data0"}}},
			{Name: "fn2", Frame: 4096, Body: tag(0x7eed0001)},
			{Name: "fn3", Frame: 4096, Body: tag(0x7eed0002)},
		},
		Data: []difftest.Data{{Name: "data0", Bytes: []byte("PwHf\x00"), Align: 1}},
	}
	new := old.Clone()
	new.Data = slices.Insert(new.Data, 0, difftest.Data{Name: "newdata1", Bytes: []byte("qW6x\x00"), Align: 1})
	p := &difftest.Pair{Old: old, New: new}
	lo, a := build(t, p.Old)
	ln, b := build(t, p.New)
	for _, ignore := range []bool{false, true} {
		res := diff(t, a, b, binarydiff.Options{IgnoreSymbols: ignore})
		checkAccounting(t, a, b, res)
		checkTruth(t, p, res, lo, ln)
	}
}
