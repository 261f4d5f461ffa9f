package binarydiff

import (
	"cmp"
	"context"
	"debug/elf"
	"debug/pe"
	"encoding/binary"
	"encoding/hex"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"pgregory.net/rapid"
)

// TestAnchorBefore checks anchorBefore against its definition (the last
// anchor at or before the offset, by a search of them all), asked in any
// order, so that both its remembered answer and its page search are used.
func TestAnchorBefore(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 200).Draw(t, "n")
		var as []dataAnchor
		at := uint32(rapid.IntRange(0, 10).Draw(t, "first"))
		for range n {
			as = append(as, dataAnchor{old: at, new: at}) // old offsets do not matter here
			// Gaps from none (equal offsets) to several pages.
			at += uint32(rapid.SampledFrom([]int{0, 1, 7, 100, 4095, 4096, 4097, 20000}).Draw(t, "gap"))
		}
		al := &dataAlign{anchors: as}
		for range 50 {
			q := uint32(rapid.IntRange(0, int(at)+2*(1<<anchorPageBits)).Draw(t, "q"))
			want := sort.Search(len(as), func(k int) bool { return as[k].new > q }) - 1
			if got := al.anchorBefore(q); got != want {
				t.Fatalf("anchorBefore(%d) = %d, want %d (anchors %v)", q, got, want, as)
			}
		}
	})
}

// TestGoModuledataLayout pins where goRuntime reads each release's
// moduledata: the sizes are runtime.firstmoduledata's as `go tool nm
// -size` prints them for a program built with that release, and the
// words follow runtime/symtab.go of each.
func TestGoModuledataLayout(t *testing.T) {
	zero := func(int) uint64 { return 0 }
	tests := []struct {
		magic uint32
		minor int
		want  goModuledataLayout
	}{
		{go116PclntabMagic, 0, goModuledataLayout{types: 35, typelinks: 40, size: 536}},
		{go118PclntabMagic, 18, goModuledataLayout{types: 35, gofunc: 38, typelinks: 42, size: 552}},
		{go120PclntabMagic, 20, goModuledataLayout{types: 37, gofunc: 40, typelinks: 44, size: 568}},
		{go120PclntabMagic, 22, goModuledataLayout{types: 37, gofunc: 40, typelinks: 44, size: 592}},
		{go120PclntabMagic, 25, goModuledataLayout{types: 37, gofunc: 40, typelinks: 44, size: 584}},
		{go120PclntabMagic, 26, goModuledataLayout{types: 37, gofunc: 40, typelinks: 45, size: 592}},
		{go120PclntabMagic, 0, goModuledataLayout{types: 37, gofunc: 40, typelinks: 45, size: 592}},
	}
	for _, tt := range tests {
		if got := goModuledataLayoutOf(tt.magic, tt.minor, zero); got != tt.want {
			t.Errorf("magic %#x go1.%d: %+v, want %+v", tt.magic, tt.minor, got, tt.want)
		}
	}
	// Release unknown, textsectmap (len = cap) right after gofunc: no
	// epclntab.
	words := func(k int) uint64 {
		if k == 42 || k == 43 {
			return 1
		}
		return 0
	}
	if got := goModuledataLayoutOf(go120PclntabMagic, 0, words); got.typelinks != 44 {
		t.Errorf("unknown release without epclntab: typelinks at word %d, want 44", got.typelinks)
	}
	for v, want := range map[string]int{"go1.23.12": 23, "go1.26rc1": 26, "go1.9": 9, "devel +abc": 0, "": 0, "go1.": 0} {
		if got := goMinor([]byte(v)); got != want {
			t.Errorf("goMinor(%q) = %d, want %d", v, got, want)
		}
	}
}

// TestFunctionIDTable checks that the names the alignment gives pointers
// to functions are the same from functionID's table as looked up one by
// one (functionIDOf), asked in any order, on both sides of a diffed pair;
// and that a paired function has the same name on both sides.
func TestFunctionIDTable(t *testing.T) {
	old, new := fxOpen(t, fxV1), fxOpen(t, fxV2)
	res, err := Diff(context.Background(), old, new, Options{})
	if err != nil {
		t.Fatal(err)
	}
	look := &assessor{ctx: context.Background(), res: res, old: old, new: new, a: &Assessment{}}
	rapid.Check(t, func(t *rapid.T) {
		h := &assessor{ctx: context.Background(), res: res, old: old, new: new, a: &Assessment{}}
		for _, b := range []*Binary{old, new} {
			ks := rapid.Permutation(seq(len(b.Functions))).Draw(t, "order")
			for _, k := range ks {
				if got, want := h.functionID(b, k), look.functionIDOf(b, k); got != want {
					t.Fatalf("function %d (%s image): functionID %#x, looked up %#x", k, sideName(b == new), got, want)
				}
			}
			if h.side(b).funcIDs == nil {
				t.Fatalf("%s image: no table after %d look-ups", sideName(b == new), len(ks))
			}
		}
	})
	paired := 0
	for i := range res.Functions {
		fd := &res.Functions[i]
		if fd.Old == nil || fd.New == nil || fd.Kind == Added || fd.Kind == Removed {
			continue
		}
		ko, kn := old.functionStart(fd.Old.RVA), new.functionStart(fd.New.RVA)
		if ko < 0 || kn < 0 {
			continue
		}
		paired++
		if o, n := look.functionID(old, ko), look.functionID(new, kn); o != n {
			t.Errorf("%s: old name %#x, new %#x", fd.Name(), o, n)
		}
	}
	if paired == 0 {
		t.Fatal("no paired function")
	}
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func sideName(isNew bool) string {
	if isNew {
		return "new"
	}
	return "old"
}

// TestLoadedBytes: the bytes shown for data are what the loader leaves,
// so a slot whose file word is zero (LLVM lld's R_X86_64_RELATIVE) shows
// its value, also where the slot only overlaps the bytes asked for.
func TestLoadedBytes(t *testing.T) {
	b := &Binary{elf: &elfImage{slotVals: map[uint32]uint64{0x1000: 0x1122334455667788, 0x1010: 0xaabb}}}
	for _, c := range []struct {
		rva  uint32
		n    int
		want string
	}{
		{0x1000, 8, "8877665544332211"},
		{0x1004, 8, "44332211" + "00000000"}, // the slot's high half, then no slot
		{0x0ffc, 8, "00000000" + "88776655"}, // before the slot, then its low half
		{0x1008, 16, "0000000000000000" + "bbaa000000000000"},
		{0x2000, 4, "00000000"},
		{0, 2, "0000"}, // at RVA 0: no slot before it
	} {
		p := make([]byte, c.n)
		b.loadedBytes(c.rva, p)
		if got := hex.EncodeToString(p); got != c.want {
			t.Errorf("loadedBytes(%#x, %d) = %s, want %s", c.rva, c.n, got, c.want)
		}
	}
	(&Binary{}).loadedBytes(0x1000, make([]byte, 8)) // not ELF: nothing to lay over
}

// TestInsertedPadding checks insertion, taking zeros only (as
// dropInsertedPadding asks), on a section pair where the
// new side is the old with n bytes inserted after a 24-byte datum, the
// anchors before and after shifting by 0 and by n: zero bytes inserted
// to align what follows are padding, anything else, or a run the context
// does not confirm, is not.
func TestInsertedPadding(t *testing.T) {
	datum := []byte("0001020304050607080910__") // 24 bytes, then the data that moved
	after := []byte("\x20\xd3\x00\x40\x01\x00\x00\x00\x80\xd4\x00\x40\x01\x00\x00\x00")
	tests := []struct {
		name     string
		inserted string
		r        ByteRange // changed range, new offsets
		want     bool
	}{
		{"zeros", "\x00\x00\x00\x00\x00", ByteRange{Off: 24, Size: 4}, true},
		{"zeros, the whole insertion", "\x00\x00\x00\x00\x00", ByteRange{Off: 24, Size: 5}, true},
		{"a byte not zero", "\x00\x00\x07\x00\x00", ByteRange{Off: 24, Size: 4}, false},
		{"wider than the insertion", "\x00\x00\x00", ByteRange{Off: 23, Size: 4}, false},
		{"too long for padding", "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", ByteRange{Off: 24, Size: 8}, false},
	}
	for _, tt := range tests {
		ob := append(append([]byte{}, datum...), after...)
		nb := append(append(append([]byte{}, datum...), tt.inserted...), after...)
		n := uint32(len(tt.inserted))
		al := &dataAlign{ob: ob, nb: nb, anchors: []dataAnchor{{0, 0}, {24, 24 + n}}}
		if got := al.insertion(tt.r, maxPadding-1, allZero); got != tt.want {
			t.Errorf("%s: padding(%+v) = %v, want %v", tt.name, tt.r, got, tt.want)
		}
	}
	// An inserted string: no padding, but inserted (shownBytes shows no
	// old bytes for it).
	ob := append(append([]byte{}, datum...), after...)
	nb := append(append(append([]byte{}, datum...), "withdrawal "...), after...)
	al := &dataAlign{ob: ob, nb: nb, anchors: []dataAnchor{{0, 0}, {24, 35}}}
	if r := (ByteRange{Off: 24, Size: 11}); al.insertion(r, maxPadding-1, allZero) || !al.insertion(r, 64, func([]byte) bool { return true }) {
		t.Errorf("an inserted string: padding %v, inserted %v", al.insertion(r, maxPadding-1, allZero), al.insertion(r, 64, func([]byte) bool { return true }))
	}
	// The context must be the old bytes around the insertion: the same
	// zeros before data that changed are not padding.
	nb = append(append(append([]byte{}, datum...), 0, 0, 0, 0, 0), after...)
	nb[len(nb)-1] ^= 0xff
	nb[29] ^= 0xff
	al = &dataAlign{ob: ob, nb: nb, anchors: []dataAnchor{{0, 0}, {24, 29}}}
	if al.insertion(ByteRange{Off: 24, Size: 4}, maxPadding-1, allZero) {
		t.Errorf("zeros before changed data taken for padding")
	}
}

// TestGoRuntimeTables checks that goRuntime takes the linker's tables the
// moduledata points to for metadata, against the symbol tables of Go
// programs built here: the moduledata itself, and the text section map,
// whose end of code moves with every change in code size.
func TestGoRuntimeTables(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	for _, path := range []string{GoFixture(t, "windows", "amd64", "", "v1"), GoFixture(t, "linux", "amd64", "", "v1")} {
		b, h := selfAssessor(t, path)
		meta, _ := h.goRuntime(b)
		for _, name := range []string{"runtime.firstmoduledata", "runtime.textsectionmap"} {
			rva, ok := goSymbolRVA(t, path, name, b.ImageBase)
			if !ok {
				t.Fatalf("%s: no symbol %s", filepath.Base(path), name)
			}
			if !slices.ContainsFunc(meta, func(r Range) bool { return r.RVA <= rva && rva+24 <= r.RVA+r.Size }) {
				t.Errorf("%s: %s at %#x not in the metadata %v", filepath.Base(path), name, rva, meta)
			}
		}
	}
}

// selfAssessor opens the image at path and returns it with an assessor
// whose old and new image it is.
func selfAssessor(t *testing.T, path string) (*Binary, *assessor) {
	t.Helper()
	b, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, &assessor{old: b, new: b}
}

// elfSymbols returns the symbols of the ELF file at path.
func elfSymbols(t *testing.T, path string) []elf.Symbol {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	return syms
}

// goSymbolRVA returns the RVA of the symbol name of a Go program's PE
// (COFF) or ELF symbol table, and whether it has one.
func goSymbolRVA(t *testing.T, path, name string, base uint64) (uint32, bool) {
	f, err := pe.Open(path)
	if err != nil {
		syms := elfSymbols(t, path)
		i := slices.IndexFunc(syms, func(s elf.Symbol) bool { return s.Name == name })
		if i < 0 {
			return 0, false
		}
		return uint32(syms[i].Value - base), true
	}
	defer f.Close()
	for _, s := range f.Symbols {
		if k := int(s.SectionNumber) - 1; s.Name == name && k >= 0 && k < len(f.Sections) {
			return f.Sections[k].VirtualAddress + s.Value, true
		}
	}
	return 0, false
}

// TestRodataClustersCapped checks that once the clusters of read-only
// changes are capped, every rule findings may file them under counts as
// a lower bound: the clusters not judged might have been any of them.
func TestRodataClustersCapped(t *testing.T) {
	h := &assessor{}
	rc := &rodataClusters{h: h, c: &derivedWords{h: h}}
	var rs []ByteRange
	for k := range 4*maxFindingsPerRule + 10 {
		rs = append(rs, ByteRange{Off: uint32(k) * (clusterGap + 8), Size: 1})
	}
	if !rc.add(rs, true) {
		t.Fatalf("%d clusters not capped", len(rs))
	}
	if len(rc.cl) != 4*maxFindingsPerRule {
		t.Errorf("%d clusters kept, want %d", len(rc.cl), 4*maxFindingsPerRule)
	}
	for _, r := range rodataRules {
		if !h.atLeast[r] {
			t.Errorf("%v not marked as a lower bound", r)
		}
	}
}

// TestGoTypeAt checks goTypeAt against what a Go program built here
// (linux/amd64, with symbols) says of itself: every type its moduledata's
// typelinks list (offsets of type descriptors, the runtime's own table)
// reads as one, and no 8-aligned place among its strings (go:string.*, up
// to the next symbol) does.
func TestGoTypeAt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go program")
	}
	path := GoFixture(t, "linux", "amd64", "", "v1")
	b, h := selfAssessor(t, path)
	_, types := h.goRuntime(b)
	syms := elfSymbols(t, path)
	slices.SortFunc(syms, func(x, y elf.Symbol) int { return cmp.Compare(x.Value, y.Value) })
	rva := func(s elf.Symbol) uint32 { return uint32(s.Value - b.ImageBase) }
	word := func(at, n uint32) uint64 {
		var p [8]byte
		if !h.readRVA(b, p[:n], at) {
			t.Fatalf("cannot read %#x", at)
		}
		return binary.LittleEndian.Uint64(p[:])
	}
	read, places := 0, 0
	for i, s := range syms {
		switch s.Name {
		case "runtime.firstmoduledata":
			md := rva(s)
			w := func(k int) uint64 { return word(md+8*uint32(k), 8) }
			lay := goModuledataLayoutOf(uint32(word(uint32(w(0)-b.ImageBase), 4)), 26, w)
			links, n := uint32(w(lay.typelinks)-b.ImageBase), w(lay.typelinks+1)
			for k := range uint32(n) {
				off := uint32(word(links+4*k, 4))
				if _, ok := h.goTypeAt(b, types.RVA+off, types); !ok {
					t.Errorf("typelink %d (types+%#x) does not read as a type descriptor", k, off)
				}
				read++
			}
		case "go:string.*":
			for o := rva(s); o+goTypeHead <= rva(syms[i+1]); o += 8 {
				places++
				if _, ok := h.goTypeAt(b, o, types); ok {
					t.Errorf("the strings at %#x read as a type descriptor", o)
				}
			}
		}
	}
	if read < 100 || places < 1000 {
		t.Errorf("%d typelinks read, %d places among the strings", read, places)
	}
}
