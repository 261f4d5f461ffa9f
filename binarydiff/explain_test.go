package binarydiff

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func fxChanged(tb testing.TB, old, new *Binary, name string) FunctionDiff {
	tb.Helper()
	res, err := Diff(context.Background(), old, new, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	fd, ok := byName(res)[name]
	if !ok || fd.Kind != Changed {
		tb.Fatalf("%s: %+v", name, fd)
	}
	return fd
}

func TestExplainGoProgram(t *testing.T) {
	old, new := fxOpen(t, fxV1), fxOpen(t, fxV2)
	e, err := Explain(old, new, fxChanged(t, old, new, "main.check"))
	if err != nil {
		t.Fatal(err)
	}
	var del, ins []string
	for _, l := range e.Lines {
		switch l.Op {
		case LineDelete:
			del = append(del, l.Text)
		case LineInsert:
			ins = append(ins, l.Text)
		}
	}
	if !slicesEqual(del, []string{"cmp rax, 0x3"}) || !slicesEqual(ins, []string{"cmp rax, 0x4"}) {
		t.Errorf("deleted %q, inserted %q\n%s", del, ins, e)
	}
	if e.Deleted != 1 || e.Inserted != 1 || e.Similarity <= 0.5 || e.Similarity >= 1 {
		t.Errorf("counts %d/%d similarity %v", e.Deleted, e.Inserted, e.Similarity)
	}
	js, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var back Explanation
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(e, &back); d != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", d)
	}
}

// TestExplainMovedCallsAreEqual checks that main.main, whose calls go to
// moved functions, shows only the retargeted call as a difference.
func TestExplainMovedCallsAreEqual(t *testing.T) {
	old, new := fxOpen(t, fxV1), fxOpen(t, fxV2)
	e, err := Explain(old, new, fxChanged(t, old, new, "main.main"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range e.Lines {
		if l.Op != LineEqual && strings.Contains(l.Text, "main.check") {
			t.Errorf("call to moved main.check shown as changed: %+v", l)
		}
	}
	if e.Inserted == 0 || !strings.Contains(e.String(), "main.added") {
		t.Errorf("call to main.added not shown:\n%s", e)
	}
}

func TestExplainAddedRemoved(t *testing.T) {
	old, new := fxOpen(t, fxV1), fxOpen(t, fxV2)
	res, err := Diff(context.Background(), old, new, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fds := byName(res)
	e, err := Explain(old, new, fds["main.added"])
	if err != nil {
		t.Fatal(err)
	}
	if e.Deleted != 0 || e.Inserted == 0 || e.Inserted != len(e.Lines) {
		t.Errorf("added: %d deleted, %d inserted of %d lines", e.Deleted, e.Inserted, len(e.Lines))
	}
	if _, err := Explain(old, new, FunctionDiff{Old: &FuncRef{RVA: 1}}); err == nil {
		t.Error("no error for an RVA that starts no function")
	}
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// BenchmarkExplain measures the instruction-level diff of one changed
// function pair (main.main of the fixture: about 80 instructions a side).
func BenchmarkExplain(b *testing.B) {
	old, new := fxOpen(b, fxV1), fxOpen(b, fxV2)
	fd := fxChanged(b, old, new, "main.main")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Explain(old, new, fd); err != nil {
			b.Fatal(err)
		}
	}
}
