package binarydiff_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/patchmodel/patchmodel/binarydiff"
	"github.com/patchmodel/patchmodel/binarydiff/difftest"
)

// A leaf function without unwind data extends to its last reachable
// instruction, including a block that a branch reaches just past an early
// ret — the shape Go gives `if x { return false }; ...; return true`.
func TestLeafEndsAfterBranchTargetPastRet(t *testing.T) {
	im := &difftest.Image{Funcs: []difftest.Func{
		{Name: "main", Body: []difftest.Insn{{Op: difftest.Call, Target: "leaf"}}},
		{Name: "leaf", NoUnwind: true, Body: []difftest.Insn{
			{Op: difftest.CmpImm, Dst: 1, Imm: 3},
			{Op: difftest.Jcc, Cond: 0xe, Label: 4}, // jle to the second block
			{Op: difftest.XorReg, Dst: 0, Src: 0},
			{Op: difftest.Raw, Bytes: []byte{0xc3}}, // ret
			{Op: difftest.MovImm, Dst: 0, Imm: 1},
		}},
	}}
	l, err := im.Build()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := l.Func("leaf")
	b, err := binarydiff.Parse(context.Background(), bytes.NewReader(l.Bytes), int64(len(l.Bytes)))
	if err != nil {
		t.Fatal(err)
	}
	i := b.FunctionAt(want.RVA)
	if i < 0 || b.Functions[i].RVA != want.RVA || b.Functions[i].Size != want.Size {
		t.Fatalf("leaf (index %d) discovered as %+v, want RVA %#x size %d", i, b.Functions[max(i, 0)], want.RVA, want.Size)
	}
}
