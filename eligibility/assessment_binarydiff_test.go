package eligibility_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/patchmodel/patchmodel/binarydiff"
	"github.com/patchmodel/patchmodel/binarydiff/difftest"
	"github.com/patchmodel/patchmodel/eligibility"
	"github.com/patchmodel/patchmodel/hotpatch"
)

// binarydiff's assessment plugs into CheckUpdate without either package
// importing the other: the seam is eligibility.Assessment.
var _ eligibility.Assessment = (*binarydiff.Assessment)(nil)

// assess diffs two difftest images and assesses the change.
func assess(t *testing.T, old, new *difftest.Image) *binarydiff.Assessment {
	t.Helper()
	parse := func(im *difftest.Image) *binarydiff.Binary {
		l, err := im.Build()
		if err != nil {
			t.Fatal(err)
		}
		b, err := binarydiff.Parse(context.Background(), bytes.NewReader(l.Bytes), int64(len(l.Bytes)))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ob, nb := parse(old), parse(new)
	res, err := binarydiff.Diff(context.Background(), ob, nb, binarydiff.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Hotpatchability(ob, nb)
}

func TestCheckUpdateWithBinaryAssessment(t *testing.T) {
	base := &difftest.Image{
		Funcs: []difftest.Func{
			{Name: "start", Body: []difftest.Insn{{Op: difftest.Call, Target: "work"}}},
			{Name: "work", Body: []difftest.Insn{{Op: difftest.MovImm, Dst: difftest.RAX, Imm: 3}}},
		},
		Data:    []difftest.Data{{Name: "counter", Bytes: make([]byte, 8), Writable: true}},
		Symbols: true,
	}
	body := base.Clone()
	body.Funcs[1].Body[0].Imm = 4 // a body change only
	data := base.Clone()
	data.Data[0].Bytes[0] = 1 // an initialized global changed

	unknown := hotpatch.Update{Kind: hotpatch.KindUnknown}
	hot := hotpatch.Update{Kind: hotpatch.KindHotpatch}

	a := assess(t, base, body)
	if !a.Patchable() || len(a.Blockers()) != 0 {
		t.Fatalf("body change: %v %v", a.Verdict, a.Blockers())
	}
	if f := eligibility.CheckUpdate(unknown, a); !f.Disputed || !strings.Contains(f.Why, "every change hotpatchable") {
		t.Errorf("unknown kind, patchable: %+v", f)
	}
	if f := eligibility.CheckUpdate(hot, a); f.Outcome != eligibility.Pass {
		t.Errorf("hotpatch, patchable: %+v", f)
	}

	a = assess(t, base, data)
	if a.Patchable() || len(a.Blockers()) == 0 || !strings.HasPrefix(a.Blockers()[0], "data-changed") {
		t.Fatalf("data change: %v %v", a.Verdict, a.Blockers())
	}
	if f := eligibility.CheckUpdate(hot, a); !f.Disputed {
		t.Errorf("hotpatch, not patchable: %+v", f)
	}
	if f := eligibility.CheckUpdate(unknown, a); !f.Disputed || !strings.Contains(f.Why, "cannot be hotpatched") {
		t.Errorf("unknown kind, not patchable: %+v", f)
	}

	// A read-only constant no code refers to changed: the assessment
	// cannot tell who reads it (Unknown), which disputes nothing.
	table := base.Clone()
	table.Data = append(table.Data, difftest.Data{Name: "table", Bytes: []byte("0123456789abcdef")})
	edited := table.Clone()
	edited.Data[1].Bytes[3] = 'X'
	a = assess(t, table, edited)
	if a.Verdict != binarydiff.Unknown || a.Patchable() || len(a.Blockers()) == 0 {
		t.Fatalf("unattributed constant: %v %v", a.Verdict, a.Blockers())
	}
	if f := eligibility.CheckUpdate(hot, a); f.Outcome != eligibility.Pass || f.Disputed {
		t.Errorf("hotpatch, undecided: %+v", f)
	}
	if f := eligibility.CheckUpdate(unknown, a); f.Outcome != eligibility.Unknown || !strings.Contains(f.Why, "cannot tell") {
		t.Errorf("unknown kind, undecided: %+v", f)
	}
}
