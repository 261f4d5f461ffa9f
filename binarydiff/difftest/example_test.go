package difftest_test

import (
	"bytes"
	"debug/pe"
	"fmt"

	"github.com/patchmodel/patchmodel/binarydiff/difftest"
)

func Example() {
	im := &difftest.Image{
		Funcs: []difftest.Func{
			{Name: "main", Frame: 0x28, Export: true, Body: []difftest.Insn{
				{Op: difftest.Load, Dst: difftest.RCX, Target: "limit"},
				{Op: difftest.Call, Target: "check"},
			}},
			{Name: "check", Body: []difftest.Insn{
				{Op: difftest.CmpImm, Dst: difftest.RCX, Imm: 10},
				{Op: difftest.Jcc, Cond: 5, Label: 3}, // jne to the epilogue
				{Op: difftest.MovImm, Dst: difftest.RAX, Imm: 1},
			}},
		},
		Data: []difftest.Data{{Name: "limit", Bytes: []byte{10, 0, 0, 0, 0, 0, 0, 0}}},
	}
	l, err := im.Build()
	if err != nil {
		panic(err)
	}
	f, err := pe.NewFile(bytes.NewReader(l.Bytes))
	if err != nil {
		panic(err)
	}
	for _, s := range f.Sections {
		fmt.Println(s.Name, s.VirtualAddress)
	}
	check, _ := l.Func("check")
	fmt.Printf("check at %#x, %d bytes\n", check.RVA, check.Size)

	// A new version where check compares with 11 instead.
	next := im.Clone()
	next.Funcs[1].Body[0].Imm = 11
	fmt.Printf("%+v\n", difftest.Compare(im, next))
	// Output:
	// .text 4096
	// .rdata 8192
	// .pdata 12288
	// check at 0x1020, 14 bytes
	// {Unchanged:[main] Changed:[check] DataRead:[] Added:[] Removed:[] ChangedData:[]}
}
