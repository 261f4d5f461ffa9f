package binarydiff_test

import (
	"bytes"
	"context"
	"debug/pe"
	"encoding/binary"
	"reflect"
	"slices"
	"testing"

	"github.com/patchmodel/patchmodel/binarydiff"
	"github.com/patchmodel/patchmodel/binarydiff/difftest"
)

// TestExportDirectory runs malformed export directories through both of
// their readers: function discovery, which names functions after their
// exports, and the image facts, which list the exports. Both read the
// tables through one walker, so they warn alike and agree on the names.
func TestExportDirectory(t *testing.T) {
	im := &difftest.Image{DLL: true}
	for _, name := range []string{"alpha", "beta", "gamma"} {
		im.Funcs = append(im.Funcs, difftest.Func{Name: name, Export: true, Body: []difftest.Insn{{Op: difftest.MovImm, Dst: difftest.RAX, Imm: 1}}})
	}
	l, err := im.Build()
	if err != nil {
		t.Fatal(err)
	}
	a, b, g := l.Funcs[0].RVA, l.Funcs[1].RVA, l.Funcs[2].RVA
	f, err := pe.NewFile(bytes.NewReader(l.Bytes))
	if err != nil {
		t.Fatal(err)
	}
	off := func(rva uint32) int {
		for _, s := range f.Sections {
			if rva >= s.VirtualAddress && rva-s.VirtualAddress < s.Size {
				return int(s.Offset + rva - s.VirtualAddress)
			}
		}
		t.Fatalf("rva %#x outside the sections", rva)
		return 0
	}
	le := binary.LittleEndian
	dir := off(f.OptionalHeader.(*pe.OptionalHeader64).DataDirectory[pe.IMAGE_DIRECTORY_ENTRY_EXPORT].VirtualAddress)
	at := func(field int) int { return off(le.Uint32(l.Bytes[dir+field:])) } // a table the directory points to
	const (
		dllName   = 12
		numNames  = 24
		addrFuncs = 28
		addrNames = 32
		addrOrds  = 36
	)
	for _, tc := range []struct {
		name    string
		edit    func(p []byte)
		names   map[uint32]string // function RVA → name given by discovery
		exports []binarydiff.Export
		warning string // given by both readers
	}{{
		name:    "counts beyond the file",
		edit:    func(p []byte) { le.PutUint32(p[dir+numNames:], 0x7FFFFFFF) },
		names:   map[uint32]string{a: "", b: "", g: ""},
		warning: "export directory: 3 functions, 2147483647 names exceed the file size; ignored",
	}, {
		name:    "name pointer table outside the image",
		edit:    func(p []byte) { le.PutUint32(p[dir+addrNames:], 0xFFFFF000) },
		names:   map[uint32]string{a: "", b: "", g: ""},
		exports: []binarydiff.Export{{Ordinal: 1, RVA: a}, {Ordinal: 2, RVA: b}, {Ordinal: 3, RVA: g}},
		warning: "export name tables unreadable; exports kept unnamed",
	}, {
		// beta names alpha's entry too: both names are exports (the facts
		// once kept only the last name of an entry), the first names the
		// function, and beta's own entry is left exported by ordinal.
		name:    "two names for one ordinal",
		edit:    func(p []byte) { le.PutUint16(p[at(addrOrds)+2:], 0) },
		names:   map[uint32]string{a: "alpha", b: "", g: "gamma"},
		exports: []binarydiff.Export{{Ordinal: 2, RVA: b}, {Name: "alpha", Ordinal: 1, RVA: a}, {Name: "beta", Ordinal: 1, RVA: a}, {Name: "gamma", Ordinal: 3, RVA: g}},
	}, {
		// alpha's entry points at the DLL name inside the directory: a
		// forwarder, which names no function of this image.
		name:    "forwarder",
		edit:    func(p []byte) { le.PutUint32(p[at(addrFuncs):], le.Uint32(p[dir+dllName:])) },
		names:   map[uint32]string{a: "", b: "beta", g: "gamma"},
		exports: []binarydiff.Export{{Name: "alpha", Ordinal: 1, Forwarder: "difftest.dll"}, {Name: "beta", Ordinal: 2, RVA: b}, {Name: "gamma", Ordinal: 3, RVA: g}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			p := bytes.Clone(l.Bytes)
			tc.edit(p)
			bin, err := binarydiff.Parse(context.Background(), bytes.NewReader(p), int64(len(p)))
			if err != nil {
				t.Fatal(err)
			}
			for rva, want := range tc.names {
				if i := bin.FunctionAt(rva); i < 0 || bin.Functions[i].Name != want {
					t.Errorf("function at %#x: index %d, want named %q", rva, i, want)
				}
			}
			f, err := bin.Facts()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(f.Exports, tc.exports) {
				t.Errorf("exports %+v, want %+v", f.Exports, tc.exports)
			}
			if tc.warning == "" {
				return
			}
			if !slices.Contains(bin.Warnings, binarydiff.Warning{Off: -1, Msg: tc.warning}) {
				t.Errorf("parse warnings %v lack %q", bin.Warnings, tc.warning)
			}
			if !slices.Contains(f.Warnings, binarydiff.Warning{Off: -1, Msg: tc.warning}) {
				t.Errorf("facts warnings %v lack %q", f.Warnings, tc.warning)
			}
		})
	}
}
