package binarydiff

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// byName indexes function diffs by the name on either side.
func byName(res *Result) map[string]FunctionDiff {
	m := map[string]FunctionDiff{}
	for _, fd := range res.Functions {
		for _, r := range []*FuncRef{fd.Old, fd.New} {
			if r != nil && r.Name != "" {
				m[r.Name] = fd
			}
		}
	}
	return m
}

func TestDiffSelfIsIdentical(t *testing.T) {
	b := fxOpen(t, fxV1)
	for _, ignore := range []bool{false, true} {
		res, err := Diff(context.Background(), b, b, Options{IgnoreSymbols: ignore})
		if err != nil {
			t.Fatal(err)
		}
		if res.Summary.Identical != len(b.Functions) || len(res.Functions) != len(b.Functions) {
			t.Errorf("IgnoreSymbols=%v: summary %+v for %d functions", ignore, res.Summary, len(b.Functions))
		}
		for _, sd := range res.Sections {
			if sd.Kind != Identical {
				t.Errorf("section %s: %v", sd.Name, sd.Kind)
			}
		}
	}
}

// TestDiffGoProgram checks the ground truth of the fixture pair: the
// functions changed in the source, and only those, are reported.
func TestDiffGoProgram(t *testing.T) {
	old, new := fxOpen(t, fxV1), fxOpen(t, fxV2)
	res, err := Diff(context.Background(), old, new, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fds := byName(res)
	want := map[string]Kind{
		"main.check": Changed,
		"main.gone":  Removed,
		"main.added": Added,
		"main.main":  Changed,
	}
	if k := fds["main.compute"].Kind; k != Identical && k != Moved {
		t.Errorf("main.compute: %v, want identical or moved", k)
	}
	for name, k := range want {
		if fds[name].Kind != k {
			t.Errorf("%s: %v, want %v", name, fds[name].Kind, k)
		}
	}
	// A pair made by name is scored like any other: main.main gained and
	// lost calls, so well under the 0.9 of code that differs only in
	// registers or constants (scored with empty features, it once got 0.95).
	if fd := fds["main.main"]; fd.Pass != PassName || fd.Similarity <= 0 || fd.Similarity >= 0.9 {
		t.Errorf("main.main: pass %v similarity %.3f, want name pass and (0, 0.9)", fd.Pass, fd.Similarity)
	}
	for _, fd := range res.Functions {
		if fd.Kind == Identical || fd.Kind == Moved {
			continue
		}
		name := fd.Old
		if name == nil {
			name = fd.New
		}
		if !strings.HasPrefix(name.Name, "main.") {
			// strings.Repeat is only linked into v1 and may take its callees along.
			t.Logf("outside main: %v %s", fd.Kind, name.Name)
		}
	}
	checkAccounting(t, old, new, res)
}

func TestDiffGoProgramStripped(t *testing.T) {
	old, new := fxOpen(t, fxV1), fxOpen(t, fxV2)
	res, err := Diff(context.Background(), old, new, Options{IgnoreSymbols: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range res.Functions {
		if fd.Old != nil && fd.Old.Name != "" || fd.New != nil && fd.New.Name != "" {
			t.Fatalf("name reported with IgnoreSymbols: %+v", fd)
		}
	}
	// Map RVAs back to names for the ground truth.
	name := func(b *Binary, r *FuncRef) string {
		if r == nil {
			return ""
		}
		return b.Functions[b.functionStart(r.RVA)].Name
	}
	got := map[string]Kind{}
	for _, fd := range res.Functions {
		if fd.Kind == Changed && name(old, fd.Old) != name(new, fd.New) {
			t.Errorf("mismatched pair %s ↔ %s (%s)", name(old, fd.Old), name(new, fd.New), fd.Pass)
		}
		got[name(old, fd.Old)+name(new, fd.New)] = fd.Kind
	}
	if got["main.checkmain.check"] != Changed {
		t.Errorf("main.check not reported changed when stripped")
	}
	checkAccounting(t, old, new, res)
}

// checkAccounting verifies that every function appears exactly once.
func checkAccounting(t *testing.T, old, new *Binary, res *Result) {
	t.Helper()
	seenOld, seenNew := map[uint32]int{}, map[uint32]int{}
	var sum Summary
	for _, fd := range res.Functions {
		sum.add(&fd)
		if (fd.Kind == Changed) != (fd.Cause != 0) {
			t.Errorf("%v %+v has cause %v", fd.Kind, fd.Old, fd.Cause)
		}
		if fd.Old != nil {
			seenOld[fd.Old.RVA]++
		}
		if fd.New != nil {
			seenNew[fd.New.RVA]++
		}
		if (fd.Kind == Identical || fd.Kind == Moved) != (fd.Similarity == 1) {
			t.Errorf("%+v: similarity %v for %v", fd, fd.Similarity, fd.Kind)
		}
	}
	if len(seenOld) != len(old.Functions) || len(seenNew) != len(new.Functions) {
		t.Errorf("accounted %d/%d old, %d/%d new", len(seenOld), len(old.Functions), len(seenNew), len(new.Functions))
	}
	for rva, n := range seenOld {
		if n != 1 {
			t.Errorf("old %#x appears %d times", rva, n)
		}
	}
	for rva, n := range seenNew {
		if n != 1 {
			t.Errorf("new %#x appears %d times", rva, n)
		}
	}
	if sum != res.Summary {
		t.Errorf("summary %+v, counted %+v", res.Summary, sum)
	}
}

func TestDiffDeterministicAndJSON(t *testing.T) {
	old, new := fxOpen(t, fxV1), fxOpen(t, fxV2)
	var outs [][]byte
	for _, w := range []int{1, 2, 7} {
		res, js := diffJSON(t, old, new, Options{Workers: w})
		outs = append(outs, js)
		var back Result
		if err := json.Unmarshal(js, &back); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(res, &back); diff != "" {
			t.Fatalf("JSON round trip (-want +got):\n%s", diff)
		}
	}
	for i := 1; i < len(outs); i++ {
		if !bytes.Equal(outs[0], outs[i]) {
			t.Fatalf("JSON differs between worker counts")
		}
	}
}

// diffJSON diffs old and new and returns the result and its JSON.
func diffJSON(t *testing.T, old, new *Binary, opts Options) (*Result, []byte) {
	t.Helper()
	res, err := Diff(context.Background(), old, new, opts)
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	return res, js
}

// TestDiffMappedEqualsRead checks that reading a mapped image in place
// (Open) and reading copies of it (Parse of its bytes) give the same
// result.
func TestDiffMappedEqualsRead(t *testing.T) {
	var outs [][]byte
	for _, open := range []func(string) *Binary{
		func(src string) *Binary { return fxOpen(t, src) },
		func(src string) *Binary {
			p, err := os.ReadFile(fxBuild(t, src))
			if err != nil {
				t.Fatal(err)
			}
			b, err := Parse(context.Background(), bytes.NewReader(p), int64(len(p)))
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
	} {
		_, js := diffJSON(t, open(fxV1), open(fxV2), Options{})
		outs = append(outs, js)
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Fatal("mapped and read images diff differently")
	}
}

func TestDiffCancel(t *testing.T) {
	old, new := fxOpen(t, fxV1), fxOpen(t, fxV2)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Diff(ctx, old, new, Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestDiffProgress(t *testing.T) {
	old, new := fxOpen(t, fxV1), fxOpen(t, fxV2)
	var stages []string
	_, err := Diff(context.Background(), old, new, Options{Progress: func(p Progress) { stages = append(stages, p.Stage) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(stages) == 0 || stages[len(stages)-1] != "sections" {
		t.Fatalf("stages %v", stages)
	}
}
