package difftest_test

import (
	"bytes"
	"testing"

	"github.com/patchmodel/patchmodel/binarydiff/difftest"
)

// sample uses every instruction, both branch forms, every section and
// directory, chained unwind info, a leaf without unwind info and large
// frames.
func sample() *difftest.Image {
	long := make([]difftest.Insn, 40) // pushes a branch over it to rel32
	for i := range long {
		long[i] = difftest.Insn{Op: difftest.MovImm, Dst: difftest.Reg(i % 16), Imm: int32(i)}
		if i%16 == 4 {
			long[i].Dst = difftest.RAX
		}
	}
	body := append([]difftest.Insn{
		{Op: difftest.CmpImm, Dst: difftest.RCX, Imm: 0},
		{Op: difftest.Jcc, Cond: 4, Label: 3 + len(long)}, // je past the block: rel32
		{Op: difftest.Jcc, Cond: 5, Label: 0},             // jne backwards: rel8
	}, long...)
	body = append(body,
		difftest.Insn{Op: difftest.Call, Target: "leaf"},
		difftest.Insn{Op: difftest.Jmp, Label: len(long) + 6}, // to the epilogue
		difftest.Insn{Op: difftest.Nop},
	)
	return &difftest.Image{
		Symbols: true,
		Funcs: []difftest.Func{
			{Name: "main", Frame: 0x28, Saved: []difftest.Reg{difftest.RBX, difftest.R12}, Export: true, Body: []difftest.Insn{
				{Op: difftest.Load, Dst: difftest.RAX, Target: "table", Addend: 8},
				{Op: difftest.Lea, Dst: difftest.R9, Target: "counter"},
				{Op: difftest.Store, Src: difftest.R15, Target: "counter"},
				{Op: difftest.MovAbs, Dst: difftest.R11, Target: "work"},
				{Op: difftest.Call, Target: "work"},
				{Op: difftest.AddImm, Dst: difftest.RAX, Imm: 1000},
				{Op: difftest.AddImm, Dst: difftest.R13, Imm: -3},
				{Op: difftest.MovReg, Dst: difftest.RDI, Src: difftest.R8},
				{Op: difftest.AddReg, Dst: difftest.R10, Src: difftest.RSI},
				{Op: difftest.XorReg, Dst: difftest.RAX, Src: difftest.RAX},
				{Op: difftest.Raw, Bytes: []byte{0x0F, 0xAF, 0xC1}}, // imul eax, ecx
			}},
			{Name: "work", Frame: 0x1000, Saved: []difftest.Reg{difftest.RSI}, Chain: 20, Body: body, Export: true},
			{Name: "leaf", NoUnwind: true, Body: []difftest.Insn{{Op: difftest.MovImm, Dst: difftest.RAX, Imm: 7}}},
			{Name: "huge_frame_function_name", Frame: 0x100000, Body: []difftest.Insn{{Op: difftest.TailJmp, Target: "main"}}},
		},
		Data: []difftest.Data{
			{Name: "table", Bytes: make([]byte, 24), Ptrs: []difftest.Ptr{{0, "main", 0}, {8, "work", 4}, {16, "counter", 0}}},
			{Name: "message", Bytes: []byte("hello\x00")},
			{Name: "counter", Bytes: make([]byte, 8), Writable: true},
		},
	}
}

func TestBuildSample(t *testing.T) {
	for _, variant := range []func(*difftest.Image){
		func(*difftest.Image) {},
		func(im *difftest.Image) { im.XData = true },
		func(im *difftest.Image) { im.NoRelocs, im.Symbols = true, false },
		func(im *difftest.Image) { im.DLL, im.TextPad, im.FuncAlign, im.Entry = true, 0x1234, 64, "work" },
		func(im *difftest.Image) { im.FuncAlign = 1 },
	} {
		im := sample()
		variant(im)
		l, err := im.Build()
		if err != nil {
			t.Fatal(err)
		}
		verify(t, im, l)
		names := map[string]bool{}
		for _, s := range l.Sections {
			names[s.Name] = true
		}
		if names[".reloc"] == im.NoRelocs || names[".xdata"] != im.XData || !names[".pdata"] || !names[".data"] {
			t.Errorf("sections %v", l.Sections)
		}
	}
}

func TestBuildDeterministic(t *testing.T) {
	a, err := sample().Build()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := sample().Build()
	if !bytes.Equal(a.Bytes, b.Bytes) {
		t.Error("two builds of the same image differ")
	}
}

func TestShiftMovesEverything(t *testing.T) {
	im := sample()
	a, _ := im.Build()
	im.TextPad = 3
	b, _ := im.Build()
	for i := range a.Funcs {
		if b.Funcs[i].Size != a.Funcs[i].Size || b.Funcs[i].RVA <= a.Funcs[i].RVA {
			t.Errorf("%s: %+v after shift, was %+v", im.Funcs[i].Name, b.Funcs[i], a.Funcs[i])
		}
	}
}

func TestBuildErrors(t *testing.T) {
	for name, mutate := range map[string]func(*difftest.Image){
		"no functions":           func(im *difftest.Image) { im.Funcs = nil },
		"duplicate name":         func(im *difftest.Image) { im.Funcs[1].Name = "main" },
		"data named as function": func(im *difftest.Image) { im.Data[0].Name = "leaf" },
		"unknown target":         func(im *difftest.Image) { im.Funcs[0].Body[4].Target = "nowhere" },
		"call to data":           func(im *difftest.Image) { im.Funcs[0].Body[4].Target = "table" },
		"missing target":         func(im *difftest.Image) { im.Funcs[0].Body[0].Target = "" },
		"label":                  func(im *difftest.Image) { im.Funcs[1].Body[1].Label = 1000 },
		"odd frame":              func(im *difftest.Image) { im.Funcs[0].Frame = 12 },
		"leaf with frame":        func(im *difftest.Image) { im.Funcs[2].Frame = 8 },
		"chain":                  func(im *difftest.Image) { im.Funcs[1].Chain = 1000 },
		"save rsp":               func(im *difftest.Image) { im.Funcs[0].Saved = []difftest.Reg{difftest.RSP} },
		"entry":                  func(im *difftest.Image) { im.Entry = "table" },
		"pointer":                func(im *difftest.Image) { im.Data[0].Ptrs[0].Offset = 20 },
		"pointer target":         func(im *difftest.Image) { im.Data[0].Ptrs[0].Target = "x" },
		"empty data":             func(im *difftest.Image) { im.Data[1].Bytes = nil },
		"empty raw":              func(im *difftest.Image) { im.Funcs[0].Body[10].Bytes = nil },
		"bad register":           func(im *difftest.Image) { im.Funcs[0].Body[5].Dst = 16 },
		"alignment":              func(im *difftest.Image) { im.FuncAlign = 3 },
		"image base":             func(im *difftest.Image) { im.ImageBase = 0x140001000 },
	} {
		im := sample()
		mutate(im)
		if _, err := im.Build(); err == nil {
			t.Errorf("%s: Build succeeded", name)
		}
	}
}
