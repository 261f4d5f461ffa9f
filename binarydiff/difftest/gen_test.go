package difftest_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/patchmodel/patchmodel/binarydiff/difftest"
	"pgregory.net/rapid"
)

func TestImageGenBuildsValidImages(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := difftest.Config{Exports: rapid.Bool().Draw(t, "exports"), Symbols: rapid.Bool().Draw(t, "symbols")}
		im := difftest.ImageGen(cfg).Draw(t, "image")
		l, err := im.Build()
		if err != nil {
			t.Fatal(err)
		}
		verify(t, im, l)
	})
}

// TestMutations applies each mutation once and checks the ground truth
// Compare derives, and that both images are valid.
func TestMutations(t *testing.T) {
	for _, k := range difftest.Mutations {
		t.Run(k.String(), func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				cfg := difftest.Config{Exports: true}
				old := difftest.ImageGen(cfg).Draw(t, "old")
				im := old.Clone()
				if !k.Apply(t, im, cfg) {
					if tr := difftest.Compare(old, im); len(tr.Changed)+len(tr.Added)+len(tr.Removed)+len(tr.ChangedData) > 0 {
						t.Fatalf("a mutation that did not apply changed %+v", tr)
					}
					t.Skip("not applicable")
				}
				lo, err := old.Build()
				if err != nil {
					t.Fatal(err)
				}
				ln, err := im.Build()
				if err != nil {
					t.Fatal(err)
				}
				verify(t, im, ln)
				tr := difftest.Compare(old, im)
				moved := 0
				for _, name := range tr.Unchanged {
					a, _ := lo.Func(name)
					b, _ := ln.Func(name)
					if a.RVA != b.RVA {
						moved++
					}
				}
				n := func(s []string) int { return len(s) }
				switch k {
				case difftest.ChangeImmediate, difftest.ChangeRegister, difftest.InsertInsn, difftest.DeleteInsn, difftest.Retarget:
					if n(tr.Changed) != 1 || n(tr.Added)+n(tr.Removed)+n(tr.ChangedData) != 0 {
						t.Fatalf("truth %+v", tr)
					}
				case difftest.InsertFunc:
					if n(tr.Added) != 1 || n(tr.Changed)+n(tr.Removed)+n(tr.ChangedData) != 0 {
						t.Fatalf("truth %+v", tr)
					}
				case difftest.DeleteFunc:
					if n(tr.Removed) != 1 || n(tr.Added) != 0 {
						t.Fatalf("truth %+v", tr)
					}
					for _, name := range tr.Changed {
						i := slices.IndexFunc(old.Funcs, func(f difftest.Func) bool { return f.Name == name })
						if !slices.ContainsFunc(old.Funcs[i].Body, func(in difftest.Insn) bool { return in.Target == tr.Removed[0] }) {
							t.Fatalf("%s changed but did not refer to %s", name, tr.Removed[0])
						}
					}
				case difftest.ReorderFuncs, difftest.ShiftCode, difftest.InsertData:
					if n(tr.Changed)+n(tr.Added)+n(tr.Removed)+n(tr.ChangedData) != 0 {
						t.Fatalf("truth %+v", tr)
					}
					if k == difftest.ShiftCode && moved != len(tr.Unchanged) {
						t.Fatalf("shift moved %d of %d functions", moved, len(tr.Unchanged))
					}
					if k == difftest.ReorderFuncs && moved == 0 {
						t.Fatal("reorder moved nothing")
					}
				case difftest.ChangeData:
					if n(tr.ChangedData) != 1 || n(tr.Changed)+n(tr.Added)+n(tr.Removed) != 0 {
						t.Fatalf("truth %+v", tr)
					}
				}
			})
		})
	}
}

// TestPairGenUnambiguous checks the promise of PairGen: no function's code
// equals another function's code, in either image.
func TestPairGenUnambiguous(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := difftest.PairGen(difftest.Config{}).Draw(t, "pair")
		for _, im := range []*difftest.Image{p.Old, p.New} {
			l, err := im.Build()
			if err != nil {
				t.Fatal(err)
			}
			verify(t, im, l)
		}
		var all []difftest.Func
		all = append(all, p.Old.Funcs...)
		for _, f := range p.New.Funcs {
			if !slices.ContainsFunc(p.Old.Funcs, func(g difftest.Func) bool { return g.Name == f.Name && sameCode(f, g) }) {
				all = append(all, f)
			}
		}
		for i := range all {
			for j := range i {
				if sameCode(all[i], all[j]) {
					t.Fatalf("%s and %s have the same code", all[i].Name, all[j].Name)
				}
			}
		}
	})
}

// sameCode reports whether f and g have equal code, as Compare sees it.
func sameCode(f, g difftest.Func) bool {
	f.Name, g.Name = "x", "x"
	tr := difftest.Compare(&difftest.Image{Funcs: []difftest.Func{f}}, &difftest.Image{Funcs: []difftest.Func{g}})
	return len(tr.Unchanged) == 1
}

func TestRandomImage(t *testing.T) {
	cfg := difftest.Config{MinFuncs: 2000, MaxFuncs: 2000, Symbols: true, Exports: true}
	a := difftest.RandomImage(1, cfg)
	l, err := a.Build()
	if err != nil {
		t.Fatal(err)
	}
	verify(t, a, l)
	if len(a.Funcs) != 2000 {
		t.Errorf("%d functions", len(a.Funcs))
	}
	b, _ := difftest.RandomImage(1, cfg).Build()
	if string(b.Bytes) != string(l.Bytes) {
		t.Error("RandomImage is not deterministic")
	}
	if c, _ := difftest.RandomImage(2, cfg).Build(); string(c.Bytes) == string(l.Bytes) {
		t.Error("seeds 1 and 2 give the same image")
	}
}

func TestRandomPair(t *testing.T) {
	cfg := difftest.Config{MinFuncs: 300, MaxFuncs: 300, Symbols: true}
	p := difftest.RandomPair(7, cfg, 20)
	q := difftest.RandomPair(7, cfg, 20)
	if len(p.Mutations) == 0 || fmt.Sprint(p.Mutations) != fmt.Sprint(q.Mutations) {
		t.Fatalf("mutations %v and %v", p.Mutations, q.Mutations)
	}
	tr := p.Truth()
	if len(tr.Changed)+len(tr.Added)+len(tr.Removed)+len(tr.ChangedData) == 0 && !slices.ContainsFunc(p.Mutations, func(m difftest.Mutation) bool {
		return m == difftest.ShiftCode || m == difftest.ReorderFuncs || m == difftest.InsertData
	}) {
		t.Errorf("%d mutations %v changed nothing", len(p.Mutations), p.Mutations)
	}
	for _, im := range []*difftest.Image{p.Old, p.New} {
		l, err := im.Build()
		if err != nil {
			t.Fatal(err)
		}
		verify(t, im, l)
	}
}
