package binarydiff_test

import (
	"context"
	"fmt"
	"log"

	"github.com/patchmodel/patchmodel/binarydiff"
	"github.com/patchmodel/patchmodel/binarydiff/difftest"
)

// ExampleCause lists why each Changed function is Changed, and shows the
// evidence of one whose code is the same but whose limit changed from 10
// to 12.
func ExampleCause() {
	v1 := &difftest.Image{
		Funcs: []difftest.Func{
			{Name: "main", Frame: 0x28, Export: true, Body: []difftest.Insn{
				{Op: difftest.Load, Dst: difftest.RCX, Target: "limit"},
				{Op: difftest.Call, Target: "check"},
			}},
			{Name: "check", Export: true, Body: []difftest.Insn{{Op: difftest.CmpImm, Dst: difftest.RCX, Imm: 10}}},
		},
		Data: []difftest.Data{{Name: "limit", Bytes: []byte{10, 0, 0, 0, 0, 0, 0, 0}}},
	}
	v2 := v1.Clone()
	v2.Funcs[1].Body[0].Imm = 11
	v2.Data[0].Bytes[0] = 12
	old, new := parse(v1), parse(v2)
	res, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d changed, %d by data only\n", res.Summary.Changed, res.Summary.DataOnly)
	for _, fd := range res.Functions {
		if fd.Kind != binarydiff.Changed {
			continue
		}
		fmt.Println(fd.Name(), fd.Cause)
		if fd.Cause == binarydiff.CauseData {
			e, err := binarydiff.Explain(old, new, fd)
			if err != nil {
				log.Fatal(err)
			}
			d := e.Data[0]
			fmt.Printf("reads %s %v, now %v\n", d.Old.Section, d.Old.Bytes, d.New.Bytes)
		}
	}
	// Output:
	// 2 changed, 1 by data only
	// main data
	// reads .rdata 0a 00, now 0c 00
	// check code
}
