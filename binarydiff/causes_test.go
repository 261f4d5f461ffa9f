package binarydiff_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/patchmodel/patchmodel/binarydiff"
	"github.com/patchmodel/patchmodel/binarydiff/difftest"
)

func TestCauseJSON(t *testing.T) {
	for _, c := range []struct {
		cause binarydiff.Cause
		json  string
	}{
		{0, `[]`},
		{binarydiff.CauseCode, `["code"]`},
		{binarydiff.CauseCallee | binarydiff.CauseData, `["callee","data"]`},
		{binarydiff.CauseCode | binarydiff.CauseCallee | binarydiff.CauseData, `["code","callee","data"]`},
	} {
		b, err := json.Marshal(c.cause)
		if err != nil || string(b) != c.json {
			t.Errorf("%v: got %s %v, want %s", c.cause, b, err, c.json)
		}
		var back binarydiff.Cause
		if err := json.Unmarshal(b, &back); err != nil || back != c.cause {
			t.Errorf("%s: got %v %v", b, back, err)
		}
	}
	var c binarydiff.Cause
	if err := json.Unmarshal([]byte(`["code","bytes"]`), &c); err == nil {
		t.Error("an unknown cause is accepted")
	}
	if s := (binarydiff.CauseCode | binarydiff.CauseData).String(); s != "code+data" {
		t.Errorf("String %q", s)
	}
}

func TestFunctionDiffName(t *testing.T) {
	for _, c := range []struct {
		fd   binarydiff.FunctionDiff
		want string
	}{
		{binarydiff.FunctionDiff{}, ""},
		{binarydiff.FunctionDiff{Old: &binarydiff.FuncRef{Name: "old"}}, "old"},
		{binarydiff.FunctionDiff{New: &binarydiff.FuncRef{Name: "new"}}, "new"},
		{binarydiff.FunctionDiff{Old: &binarydiff.FuncRef{Name: "old"}, New: &binarydiff.FuncRef{Name: "new"}}, "new"},
		{binarydiff.FunctionDiff{Old: &binarydiff.FuncRef{Name: "old"}, New: &binarydiff.FuncRef{}}, "old"},
	} {
		if got := c.fd.Name(); got != c.want {
			t.Errorf("%+v: got %q, want %q", c.fd, got, c.want)
		}
	}
}

// TestDataEvidence: a function whose code is equal but whose string
// changed in place is Changed by data, and its explanation shows both
// strings, round-trips through JSON, and survives a Result that did.
func TestDataEvidence(t *testing.T) {
	mk := func(s string) *difftest.Image {
		return &difftest.Image{Symbols: true,
			Funcs: []difftest.Func{
				{Name: "f", Frame: 0x28, Body: []difftest.Insn{{Op: difftest.Lea, Dst: difftest.RCX, Target: "msg"}}},
				{Name: "g", Frame: 8, Body: []difftest.Insn{{Op: difftest.MovImm, Dst: difftest.RAX, Imm: 2}}},
			},
			Data: []difftest.Data{{Name: "msg", Bytes: []byte(s + "\x00"), Align: 1}},
		}
	}
	_, a := build(t, mk("hello"))
	_, b := build(t, mk("jello"))
	res := diff(t, a, b, binarydiff.Options{})
	j, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var back binarydiff.Result
	if err := json.Unmarshal(j, &back); err != nil {
		t.Fatal(err)
	}
	if res.Summary.DataOnly != 1 {
		t.Fatalf("summary %+v", res.Summary)
	}
	for _, fd := range back.Functions {
		if fd.Kind != binarydiff.Changed {
			continue
		}
		if fd.Cause != binarydiff.CauseData || fd.Name() != "f" || len(fd.Refs) != 1 {
			t.Fatalf("%+v", fd)
		}
		e, err := binarydiff.Explain(a, b, fd)
		if err != nil {
			t.Fatal(err)
		}
		if len(e.Data) != 1 || e.Data[0].Old.Text != "hello" || e.Data[0].New.Text != "jello" || e.Data[0].Old.Section != ".rdata" || e.Data[0].OldSite == 0 {
			t.Fatalf("evidence %+v", e.Data)
		}
		if !slices.Equal(e.Data[0].Old.Bytes, []byte("hello\x00")) {
			t.Errorf("bytes %v", e.Data[0].Old.Bytes)
		}
		j, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		var eb binarydiff.Explanation
		if err := json.Unmarshal(j, &eb); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(e, &eb); d != "" {
			t.Errorf("explanation round trip (-want +got):\n%s", d)
		}
	}
	var hb binarydiff.HexBytes
	if err := hb.UnmarshalText([]byte("zz")); err == nil {
		t.Errorf("bad hex accepted: %v", err)
	}
}
