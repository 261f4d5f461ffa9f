package binarydiff_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/patchmodel/patchmodel/binarydiff"
	"github.com/patchmodel/patchmodel/binarydiff/difftest"
)

// exampleImages builds two versions of a tiny PE32+ image in memory: in the
// new one, check compares with 11 instead of 10 and a helper was added.
func exampleImages() (old, new *binarydiff.Binary) {
	ims := exampleSources()
	return parse(ims[0]), parse(ims[1])
}

// exampleSources describes the two versions of exampleImages.
func exampleSources() [2]*difftest.Image {
	v1 := &difftest.Image{
		Funcs: []difftest.Func{
			{Name: "main", Frame: 0x28, Export: true, Body: []difftest.Insn{
				{Op: difftest.Load, Dst: difftest.RCX, Target: "limit"},
				{Op: difftest.Call, Target: "check"},
			}},
			{Name: "check", Export: true, Body: []difftest.Insn{
				{Op: difftest.CmpImm, Dst: difftest.RCX, Imm: 10},
				{Op: difftest.Jcc, Cond: 5, Label: 3},
				{Op: difftest.MovImm, Dst: difftest.RAX, Imm: 1},
			}},
		},
		Data: []difftest.Data{{Name: "limit", Bytes: []byte{10, 0, 0, 0, 0, 0, 0, 0}}},
	}
	v2 := v1.Clone()
	v2.Funcs[1].Body[0].Imm = 11
	v2.Funcs = append(v2.Funcs, difftest.Func{Name: "helper", Export: true, Body: []difftest.Insn{
		{Op: difftest.MovImm, Dst: difftest.RAX, Imm: 42},
	}})
	return [2]*difftest.Image{v1, v2}
}

func parse(im *difftest.Image) *binarydiff.Binary {
	l, err := im.Build()
	if err != nil {
		log.Fatal(err)
	}
	b, err := binarydiff.Parse(context.Background(), bytes.NewReader(l.Bytes), int64(len(l.Bytes)))
	if err != nil {
		log.Fatal(err)
	}
	return b
}

func Example() {
	old, new := exampleImages()
	res, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%+v\n", res.Summary)
	for _, fd := range res.Functions {
		switch fd.Kind {
		case binarydiff.Added:
			fmt.Println(fd.Kind, fd.New.Name)
		default:
			fmt.Println(fd.Kind, fd.Old.Name, fd.Pass)
		}
	}
	// Output:
	// {Identical:1 Moved:0 Changed:1 Added:1 Removed:0 DataOnly:0}
	// identical main name
	// changed check name
	// added helper
}

// ExampleExplain prints the instruction-level diff of a changed function.
func ExampleExplain() {
	old, new := exampleImages()
	res, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{})
	if err != nil {
		log.Fatal(err)
	}
	for _, fd := range res.Functions {
		if fd.Kind != binarydiff.Changed {
			continue
		}
		e, err := binarydiff.Explain(old, new, fd)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Print(e)
	}
	// Output:
	// - 00001020           cmp rcx, 0xa
	// +          00001020  cmp rcx, 0xb
	//   00001024 00001024  jnz 0x102d
	//   00001026 00001026  mov rax, 0x1
	//   0000102d 0000102d  ret
}

// ExampleOptions diffs as if both images were stripped of names.
func ExampleOptions() {
	old, new := exampleImages()
	res, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{IgnoreSymbols: true})
	if err != nil {
		log.Fatal(err)
	}
	for _, fd := range res.Functions {
		if fd.Kind == binarydiff.Changed {
			fmt.Printf("changed %#x (%s pass, similarity %.2f)\n", fd.Old.RVA, fd.Pass, fd.Similarity)
		}
	}
	// Output:
	// changed 0x1020 (structural pass, similarity 0.95)
}

// ExampleResult_json shows the stable JSON form of a function diff.
func ExampleResult_json() {
	old, new := exampleImages()
	res, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{})
	if err != nil {
		log.Fatal(err)
	}
	js, err := json.Marshal(res.Functions[1])
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(js))
	js, _ = json.Marshal(res.Summary)
	fmt.Println(string(js))
	// Output:
	// {"kind":"changed","old":{"rva":4128,"size":14,"name":"check"},"new":{"rva":4128,"size":14,"name":"check"},"similarity":0.95,"pass":"name","cause":["code"]}
	// {"identical":1,"moved":0,"changed":1,"added":1,"removed":0,"dataOnly":0}
}

// ExampleOpen maps two image files and diffs them. Open reads an image in
// place (memory-mapped where the system allows); Close releases it.
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "binarydiff-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	var paths []string
	for i, im := range exampleSources() {
		l, err := im.Build()
		if err != nil {
			log.Fatal(err)
		}
		path := filepath.Join(dir, fmt.Sprintf("v%d.dll", i+1))
		if err := os.WriteFile(path, l.Bytes, 0o644); err != nil {
			log.Fatal(err)
		}
		paths = append(paths, path)
	}

	oldPath, newPath := paths[0], paths[1]

	// The README's binarydiff snippet.
	ctx := context.Background()
	old, err := binarydiff.Open(ctx, oldPath)
	if err != nil {
		log.Fatal(err)
	}
	defer old.Close()
	new, err := binarydiff.Open(ctx, newPath)
	if err != nil {
		log.Fatal(err)
	}
	defer new.Close()
	res, err := binarydiff.Diff(ctx, old, new, binarydiff.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%v %v: %+v\n", new.Format, new.Arch, res.Summary)
	for _, fd := range res.Functions {
		switch fd.Kind {
		case binarydiff.Changed:
			fmt.Println(fd.Kind, fd.Name(), "because of", fd.Cause) // code, callee or data
		case binarydiff.Added, binarydiff.Removed:
			fmt.Println(fd.Kind, fd.Name())
		}
	}
	a, err := res.HotpatchabilityContext(ctx, old, new)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("hotpatch:", a.Verdict, "-", a.Reason)
	// Output:
	// pe amd64: {Identical:1 Moved:0 Changed:1 Added:1 Removed:0 DataOnly:0}
	// changed check because of code
	// added helper
	// hotpatch: not-patchable - blocked by exports-changed (1); reverting the change (export added: helper) would leave the rest patchable
}

// ExampleResult_Hotpatchability asks whether a diff can be applied in
// memory by replacing functions, and why not.
func ExampleResult_Hotpatchability() {
	old, new := exampleImages()
	res, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{})
	if err != nil {
		log.Fatal(err)
	}
	a := res.Hotpatchability(old, new)
	fmt.Println(a.Verdict, a.Patchable())
	for _, f := range a.Findings {
		fmt.Println(f)
	}

	// Without the added exported helper, only check's body changes.
	ims := exampleSources()
	ims[1].Funcs = ims[1].Funcs[:2]
	old, new = parse(ims[0]), parse(ims[1])
	if res, err = binarydiff.Diff(context.Background(), old, new, binarydiff.Options{}); err != nil {
		log.Fatal(err)
	}
	a = res.Hotpatchability(old, new)
	fmt.Println(a.Verdict, a.Patchable(), len(a.Findings))
	// Output:
	// not-patchable false
	// exports-changed: export added: helper (new rva 0x1030 in .text)
	// patchable true 0
}
