package binarydiff_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/patchmodel/patchmodel/binarydiff"
	"github.com/patchmodel/patchmodel/binarydiff/difftest"
	"pgregory.net/rapid"
)

// changedNames returns the names (by layout) of the old side of the
// Changed pairs whose cause is exactly c, or of every Changed pair if c is
// 0, sorted.
func changedNames(t tb, res *binarydiff.Result, lo *difftest.Layout, c binarydiff.Cause) []string {
	var out []string
	for _, fd := range res.Functions {
		if fd.Kind == binarydiff.Changed && (c == 0 || fd.Cause == c) {
			p, ok := lo.FuncAt(fd.Old.RVA)
			if !ok {
				t.Fatalf("no function at %#x", fd.Old.RVA)
			}
			out = append(out, p.Name)
		}
	}
	slices.Sort(out)
	return out
}

// TestPropertyDataOnly: when only data changes (and code and data move),
// the Changed functions are exactly those that read the changed bytes,
// each with cause data alone, with names or without.
func TestPropertyDataOnly(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := difftest.PairGen(difftest.Config{Symbols: true, MaxData: 8}, difftest.ChangeData, difftest.InsertData, difftest.ShiftCode, difftest.ReorderFuncs).Draw(t, "pair")
		ignore := rapid.Bool().Draw(t, "ignore")
		lo, a := build(t, p.Old)
		_, b := build(t, p.New)
		res := diff(t, a, b, binarydiff.Options{IgnoreSymbols: ignore})
		want := slices.Sorted(slices.Values(p.Truth().DataRead))
		if got := changedNames(t, res, lo, 0); !slices.Equal(got, want) {
			t.Fatalf("mutations %v: Changed %v, want %v (the readers of changed data)", p.Mutations, got, want)
		}
		if got := changedNames(t, res, lo, binarydiff.CauseData); !slices.Equal(got, want) {
			t.Fatalf("mutations %v: changed by data %v, want %v", p.Mutations, got, want)
		}
		if res.Summary.DataOnly != len(want) {
			t.Fatalf("summary %+v, want %d data-only", res.Summary, len(want))
		}
	})
}

// TestPropertyDataMoved: data that moves without changing (items inserted
// before it, code moved and reordered) makes no function Changed.
func TestPropertyDataMoved(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := difftest.PairGen(difftest.Config{Symbols: true, MaxData: 8}, difftest.InsertData, difftest.ShiftCode, difftest.ReorderFuncs).Draw(t, "pair")
		lo, a := build(t, p.Old)
		ln, b := build(t, p.New)
		for _, ignore := range []bool{false, true} {
			res := diff(t, a, b, binarydiff.Options{IgnoreSymbols: ignore})
			if got := changedNames(t, res, lo, 0); len(got) > 0 {
				var ev strings.Builder
				for _, fd := range res.Functions {
					if fd.Kind == binarydiff.Changed {
						e, _ := binarydiff.Explain(a, b, fd)
						e.Lines = nil
						ev.WriteString(e.String())
					}
				}
				t.Fatalf("mutations %v, IgnoreSymbols=%v: %v Changed:\n%s\nold image:\n%s\nnew image:\n%s", p.Mutations, ignore, got, ev.String(), dump(p.Old, lo), dump(p.New, ln))
			}
		}
	})
}

// TestPropertyEvidence: whatever changed, every Changed pair has a cause,
// and Explain shows evidence of each: an instruction that differs for
// code, a call site with both targets for callee, a reference with both
// addresses for data. Nothing but Changed has a cause.
func TestPropertyEvidence(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := difftest.PairGen(difftest.Config{Symbols: true, MaxData: 8}).Draw(t, "pair")
		ignore := rapid.Bool().Draw(t, "ignore")
		_, a := build(t, p.Old)
		_, b := build(t, p.New)
		res := diff(t, a, b, binarydiff.Options{IgnoreSymbols: ignore})
		for _, fd := range res.Functions {
			if err := evidenceError(a, b, fd); err != "" {
				t.Fatalf("mutations %v, IgnoreSymbols=%v: %v %+v -> %+v: %s", p.Mutations, ignore, fd.Kind, fd.Old, fd.New, err)
			}
		}
	})
}

// evidenceError says what evidence a function diff lacks, or "".
func evidenceError(a, b *binarydiff.Binary, fd binarydiff.FunctionDiff) string {
	if (fd.Kind == binarydiff.Changed) != (fd.Cause != 0) {
		return fmt.Sprintf("cause %q", fd.Cause)
	}
	if fd.Kind != binarydiff.Changed {
		return ""
	}
	e, err := binarydiff.Explain(a, b, fd)
	if err != nil {
		return err.Error()
	}
	var missing []string
	if fd.Cause.Has(binarydiff.CauseCode) && e.Deleted+e.Inserted == 0 {
		missing = append(missing, "no instruction differs")
	}
	if fd.Cause.Has(binarydiff.CauseCallee) {
		if len(e.Callees) == 0 {
			missing = append(missing, "no callee")
		}
		for _, c := range e.Callees {
			if c.OldSite == 0 && c.NewSite == 0 {
				missing = append(missing, fmt.Sprintf("callee %+v", c))
			}
		}
	}
	if fd.Cause.Has(binarydiff.CauseData) {
		if len(e.Data) == 0 {
			missing = append(missing, "no data reference")
		}
		for _, d := range e.Data {
			if d.OldSite == 0 || d.NewSite == 0 || d.Old.Section == "" || d.New.Section == "" ||
				!d.Retargeted && string(d.Old.Bytes) == string(d.New.Bytes) && d.Old.RVA == d.New.RVA && len(d.Old.Pointers) == 0 {
				missing = append(missing, fmt.Sprintf("data %+v", d))
			}
		}
	}
	return strings.Join(missing, "; ")
}
