package binarydiff

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/arch/x86/x86asm"
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

// BenchmarkExplainCold is BenchmarkExplain with the text cache of the
// pooled explainer emptied before each call: every instruction is decoded
// and formatted, as in a process's first explanation.
func BenchmarkExplainCold(b *testing.B) {
	old, new := fxOpen(b, fxV1), fxOpen(b, fxV2)
	fd := fxChanged(b, old, new, "main.main")
	b.ReportAllocs()
	for b.Loop() {
		x := explainerPool.Get().(*explainer)
		clear(x.a.texts.m)
		x.a.texts.buf = x.a.texts.buf[:0]
		explainerPool.Put(x) // Explain gets it back: same goroutine
		if _, err := Explain(old, new, fd); err != nil {
			b.Fatal(err)
		}
	}
}

// intelCheck compares appendIntel with x86asm.IntelSyntax for one
// instruction; it reports whether the fast path formatted it.
func intelCheck(tb testing.TB, code []byte, pc uint64, symname x86asm.SymLookup) (fast, ok bool) {
	inst, err := x86asm.Decode(code, 64)
	if err != nil {
		return false, true
	}
	want := x86asm.IntelSyntax(inst, pc, symname)
	got, fast := appendIntelFast(nil, &inst, pc, symname)
	if fast && string(got) != want {
		tb.Errorf("% x at %#x: fast %q, IntelSyntax %q (%+v)", code[:inst.Len], pc, got, want, inst)
		return fast, false
	}
	if got := appendIntel([]byte("x"), &inst, pc, symname); string(got[1:]) != want {
		tb.Errorf("% x at %#x: appendIntel %q, IntelSyntax %q", code[:inst.Len], pc, got[1:], want)
		return fast, false
	}
	return fast, true
}

// TestAppendIntelMatchesIntelSyntax checks the allocation-free formatter
// against IntelSyntax on every instruction of a Go program's functions.
func TestAppendIntelMatchesIntelSyntax(t *testing.T) {
	b := fxOpen(t, fxV1)
	intern := map[uint64]uint32{}
	var n, fast, bad int
	for _, f := range b.Functions {
		var d decoded
		d.blocks = []int{0}
		if err := d.load(b, f.RVA, intern); err != nil {
			continue
		}
		for k, rva := range d.rvas {
			off := d.offs[k]
			code := d.code[off : off+uint32(d.lens[k])]
			isFast, ok := intelCheck(t, code, uint64(rva), b.symbolize)
			n++
			if isFast {
				fast++
			}
			if !ok {
				if bad++; bad > 20 {
					d.release()
					t.Fatal("too many mismatches")
				}
			}
		}
		d.release()
	}
	if n < 10000 {
		t.Fatalf("only %d instructions", n)
	}
	t.Logf("%d instructions, %d (%.1f%%) formatted without IntelSyntax", n, fast, 100*float64(fast)/float64(n))
}

// TestAppendIntelRandom checks the formatter against IntelSyntax on random
// instruction bytes, weighted towards prefixes and two-byte opcodes, with
// a symbol lookup that names some addresses (at, before and after them).
func TestAppendIntelRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	symname := func(addr uint64) (string, uint64) {
		switch addr & 7 {
		case 0:
			return "sym", addr
		case 3:
			return "below", addr &^ 0xff
		case 5:
			return "above", addr + 2
		case 6:
			return "next", addr - 1
		}
		return "", 0
	}
	prefixes := []byte{0x66, 0x67, 0xF2, 0xF3, 0xF0, 0x2E, 0x3E, 0x26, 0x36, 0x64, 0x65, 0x40, 0x41, 0x44, 0x48, 0x49, 0x4C, 0x4D, 0x4F, 0xC4, 0xC5}
	n := 300000
	if testing.Short() {
		n = 30000
	}
	var fast, bad int
	code := make([]byte, 16)
	for i := 0; i < n; i++ {
		for j := range code {
			code[j] = byte(rng.Uint32())
		}
		p := 0
		for rng.IntN(3) == 0 && p < 3 {
			code[p] = prefixes[rng.IntN(len(prefixes))]
			p++
		}
		if rng.IntN(2) == 0 {
			code[p] = 0x0F
		}
		pc := uint64(0)
		switch rng.IntN(4) {
		case 1:
			pc = uint64(rng.Uint32())
		case 2:
			pc = rng.Uint64()
		case 3:
			pc = 0x140001000
		}
		isFast, ok := intelCheck(t, code, pc, symname)
		if isFast {
			fast++
		}
		if !ok {
			if bad++; bad > 20 {
				t.Fatal("too many mismatches")
			}
		}
	}
	t.Logf("%d byte strings, %d formatted without IntelSyntax", n, fast)
}

// TestExplainTextIsDisasm checks that every line of every explanation of
// the fixture diff carries the isa's disasm text of its instruction.
func TestExplainTextIsDisasm(t *testing.T) {
	old, new := fxOpen(t, fxV1), fxOpen(t, fxV2)
	res, err := Diff(context.Background(), old, new, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// want returns disasm's text for each instruction of function f of b.
	want := func(b *Binary, f *FuncRef) map[uint32]string {
		m := map[uint32]string{}
		if f == nil {
			return m
		}
		var d decoded
		if err := d.load(b, f.RVA, map[uint64]uint32{}); err != nil {
			t.Fatal(err)
		}
		defer d.release()
		for k, rva := range d.rvas {
			off := d.offs[k]
			m[rva] = b.code.disasm(b, d.code[off:off+uint32(d.lens[k])], rva)
		}
		return m
	}
	n := 0
	for _, fd := range res.Functions {
		e, err := Explain(old, new, fd)
		if err != nil {
			t.Fatal(err)
		}
		wa, wb := want(old, fd.Old), want(new, fd.New)
		for _, l := range e.Lines {
			w, ok := wb[l.NewRVA]
			if l.Op == LineDelete {
				w, ok = wa[l.OldRVA]
			}
			if !ok || l.Text != w {
				t.Errorf("%v %#x/%#x: text %q, disasm %q", l.Op, l.OldRVA, l.NewRVA, l.Text, w)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no lines")
	}
	t.Logf("%d lines", n)
}

// TestExplainConcurrent checks that explanations made at the same time
// (each with its own pooled explainer and text cache) agree.
func TestExplainConcurrent(t *testing.T) {
	old, new := fxOpen(t, fxV1), fxOpen(t, fxV2)
	fd := fxChanged(t, old, new, "main.main")
	want, err := Explain(old, new, fd)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				got, err := Explain(old, new, fd)
				if err != nil {
					t.Error(err)
					return
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("(-want +got):\n%s", d)
					return
				}
			}
		}()
	}
	wg.Wait()
}
