package binarydiff

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// mappedBytes is an in-memory image that lends its bytes and records what
// is given back, as a memory mapping does (see mapping).
type mappedBytes struct {
	*bytes.Reader
	p        []byte
	released int64
}

func (m *mappedBytes) view(off, n int64) []byte {
	if off < 0 || n < 0 || off > int64(len(m.p)) || n > int64(len(m.p))-off {
		return nil
	}
	return m.p[off : off+n : off+n]
}

func (m *mappedBytes) release(off, n int64) { m.released += n }

// elfSeeds returns the ELF files the ELF fuzz target starts from (gcc
// output: a static PIE, with .symtab and .dynsym, and an object file)
// and this test binary (Go, linux/amd64 when the tests run there).
func elfSeeds(t testing.TB) map[string][]byte {
	seeds := map[string][]byte{}
	paths, _ := filepath.Glob("testdata/fuzz/FuzzELF/*")
	for _, path := range paths {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
		q, ok := strings.CutPrefix(lines[len(lines)-1], "[]byte(")
		if !ok {
			continue
		}
		p, err := strconv.Unquote(strings.TrimSuffix(q, ")"))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		seeds[filepath.Base(path)] = []byte(p)
	}
	if self, err := os.ReadFile(os.Args[0]); err == nil && bytes.HasPrefix(self, []byte("\x7fELF\x02\x01")) {
		seeds["test-binary"] = self
	}
	return seeds
}

// versionedLib builds, with gcc, a shared library whose dynamic symbols
// carry versions of its own (.gnu.version_d) and of the C library's
// (.gnu.version_r), or returns nil without gcc.
func versionedLib(t *testing.T) []byte {
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Log("gcc not found: the versioned shared library is not tried")
		return nil
	}
	dir := t.TempDir()
	src, script, out := filepath.Join(dir, "v.c"), filepath.Join(dir, "v.map"), filepath.Join(dir, "libv.so")
	os.WriteFile(src, []byte("#include <string.h>\nint f(const char *s) { return (int)strlen(s); }\nint g(int x) { return x * 3; }\n"), 0o644)
	os.WriteFile(script, []byte("V1 { global: f; local: *; };\nV2 { global: g; } V1;\n"), 0o644)
	if msg, err := exec.Command(cc, "-O2", "-shared", "-fPIC", "-Wl,--version-script="+script, "-o", out, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, msg)
	}
	p, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// checkSymbols compares readSymbols with debug/elf's Symbols and
// DynamicSymbols on p, read in place and through io.ReaderAt: the same
// symbols, names and errors.
func checkSymbols(t *testing.T, p []byte) {
	f, err := elf.NewFile(bytes.NewReader(p))
	if err != nil || f.Class != elf.ELFCLASS64 || f.Data != elf.ELFDATA2LSB {
		return
	}
	for _, typ := range []elf.SectionType{elf.SHT_SYMTAB, elf.SHT_DYNSYM} {
		var want []elf.Symbol
		var wantErr error
		if typ == elf.SHT_SYMTAB {
			want, wantErr = f.Symbols()
		} else {
			want, wantErr = f.DynamicSymbols()
		}
		for _, mapped := range []bool{false, true} {
			var r interface {
				ReadAt([]byte, int64) (int, error)
			} = bytes.NewReader(p)
			m := &mappedBytes{Reader: bytes.NewReader(p), p: p}
			if mapped {
				r = m
			}
			got, gotErr := readSymbols(r, int64(len(p)), f, typ, nil)
			if gotErr == nil && typ == elf.SHT_DYNSYM {
				if gotErr = checkVersions(f); gotErr != nil {
					got = nil
				}
			}
			where := fmt.Sprintf("%v, mapped %v", typ, mapped)
			if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
				t.Fatalf("%s: error %v, debug/elf %v", where, gotErr, wantErr)
			}
			if len(got) != len(want) {
				t.Fatalf("%s: %d symbols, debug/elf %d", where, len(got), len(want))
			}
			for i, w := range want {
				g := got[i]
				if g.Name != w.Name || g.Value != w.Value || g.Size != w.Size || g.Section != w.Section || g.Info != w.Info {
					t.Fatalf("%s: symbol %d: %+v, debug/elf %+v", where, i, g, w)
				}
			}
			if mapped && len(want) > 0 && m.released == 0 {
				t.Errorf("%s: read in place, nothing given back", where)
			}
			if wantErr != nil {
				continue
			}
			// Reading only some names leaves the others empty.
			named := func(info byte) bool { return elf.ST_TYPE(info) == elf.STT_FUNC }
			some, _ := readSymbols(r, int64(len(p)), f, typ, named)
			for i, s := range some {
				if wantName := map[bool]string{true: want[i].Name}[named(s.Info)]; s.Name != wantName {
					t.Fatalf("%s: symbol %d named %q with names of functions only, want %q", where, i, s.Name, wantName)
				}
			}
		}
	}
}

func TestReadSymbolsAgrees(t *testing.T) {
	seeds := elfSeeds(t)
	if lib := versionedLib(t); lib != nil {
		seeds["gcc-versioned-so"] = lib
	}
	for name, p := range seeds {
		t.Run(name, func(t *testing.T) {
			checkSymbols(t, p)
			// Damage each symbol table and string table header: size,
			// offset, link.
			f, err := elf.NewFile(bytes.NewReader(p))
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range f.Sections {
				if s.Type != elf.SHT_SYMTAB && s.Type != elf.SHT_DYNSYM && s.Type != elf.SHT_STRTAB && s.Type != elf.SHT_GNU_VERDEF && s.Type != elf.SHT_GNU_VERNEED {
					continue
				}
				for _, edit := range []struct {
					field int // offset in the 64-byte section header
					val   uint64
				}{{0x20, 7}, {0x20, 1 << 40}, {0x18, uint64(len(p)) - 3}, {0x28, 0}, {0x28, 999}} {
					q := damageSectionHeader(p, i, edit.field, edit.val)
					if q == nil {
						continue
					}
					t.Run(fmt.Sprintf("%s+%#x=%d", s.Name, edit.field, edit.val), func(t *testing.T) { checkSymbols(t, q) })
				}
				if (s.Type == elf.SHT_GNU_VERDEF || s.Type == elf.SHT_GNU_VERNEED) && s.Offset+8 <= uint64(len(p)) {
					q := bytes.Clone(p)
					q[s.Offset] = 2 // an unknown version
					t.Run(s.Name+"-version", func(t *testing.T) { checkSymbols(t, q) })
					q = bytes.Clone(p)
					q[s.Offset+6], q[s.Offset+7] = 0, 0 // a definition without names
					t.Run(s.Name+"-count", func(t *testing.T) { checkSymbols(t, q) })
				}
			}
		})
	}
}

// damageSectionHeader returns a copy of the ELF64 file p with the 8-byte
// (4-byte for sh_link at 0x28) field at off of section header i set to
// val, or nil if p has no such header.
func damageSectionHeader(p []byte, i, off int, val uint64) []byte {
	if len(p) < 64 {
		return nil
	}
	shoff := int(binary.LittleEndian.Uint64(p[0x28:]))
	at := shoff + 64*i + off
	if shoff <= 0 || at < 0 || at+8 > len(p) {
		return nil
	}
	q := bytes.Clone(p)
	if off == 0x28 {
		binary.LittleEndian.PutUint32(q[at:], uint32(val))
	} else {
		binary.LittleEndian.PutUint64(q[at:], val)
	}
	return q
}

// FuzzReadSymbols checks that the in-place symbol reader agrees with
// debug/elf on any input.
func FuzzReadSymbols(f *testing.F) {
	for _, p := range elfSeeds(f) {
		if len(p) <= 1<<20 {
			f.Add(p)
		}
	}
	f.Add(symbolsELF(30, 40))
	f.Fuzz(func(t *testing.T, p []byte) { checkSymbols(t, p) })
}

// TestELFNamesProperty checks firstAtEachAddress and qualifyNames against
// their definitions, written with a stable sort and maps: on any symbols
// (few addresses, names and files, so that they collide), the same
// functions with the same names.
func TestELFNamesProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 300).Draw(t, "n")
		fs := make([]elfFunc, n)
		for i := range fs {
			fs[i] = elfFunc{
				rva:   uint32(rapid.IntRange(0, 40).Draw(t, "rva")),
				size:  uint32(rapid.IntRange(0, 3).Draw(t, "size")),
				name:  rapid.SampledFrom([]string{"", "a", "b", "a#2", "x.c:a", "main"}).Draw(t, "name"),
				file:  rapid.SampledFrom([]string{"", "x.c", "y.c"}).Draw(t, "file"),
				local: rapid.Bool().Draw(t, "local"),
			}
		}
		want := slices.Clone(fs)
		slices.SortStableFunc(want, func(x, y elfFunc) int {
			if c := cmpU32(x.rva, y.rva); c != 0 {
				return c
			}
			return cmpU32(y.size, x.size)
		})
		want = slices.CompactFunc(want, func(x, y elfFunc) bool { return x.rva == y.rva })
		got := firstAtEachAddress(fs)
		if !slices.Equal(got, want) {
			t.Fatalf("first at each address:\n got %v\nwant %v", got, want)
		}
		qualifyNamesByMaps(want)
		qualifyNames(got)
		if !slices.Equal(got, want) {
			t.Fatalf("qualified names:\n got %v\nwant %v", got, want)
		}
	})
}

// qualifyNamesByMaps is qualifyNames as defined: local functions whose
// name is not unique get their file scope, then every remaining duplicate
// an ordinal in address order.
func qualifyNamesByMaps(fs []elfFunc) {
	count := map[string]int{}
	for _, f := range fs {
		count[f.name]++
	}
	for i := range fs {
		if count[fs[i].name] > 1 && fs[i].local && fs[i].file != "" {
			fs[i].name = fs[i].file + ":" + fs[i].name
		}
	}
	clear(count)
	for _, f := range fs {
		count[f.name]++
	}
	seen := map[string]int{}
	for i := range fs {
		if n := fs[i].name; count[n] > 1 {
			seen[n]++
			if seen[n] > 1 {
				fs[i].name = fmt.Sprintf("%s#%d", n, seen[n])
			}
		}
	}
}

// TestReadSymbolsRepeatedNames checks that a symbol table whose every
// entry names the same long string (as damage can make it) costs memory
// bounded by the file, not by symbols × string, and reads as debug/elf
// reads it.
func TestReadSymbolsRepeatedNames(t *testing.T) {
	const n, l = 4000, 4000 // symbols, bytes of the one name
	q := symbolsELF(n, l)
	checkSymbols(t, q)
	f, err := elf.NewFile(bytes.NewReader(q))
	if err != nil {
		t.Fatal(err)
	}
	m := &mappedBytes{Reader: bytes.NewReader(q), p: q}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	syms, err := readSymbols(m, int64(len(q)), f, elf.SHT_SYMTAB, nil)
	runtime.ReadMemStats(&after)
	if err != nil || len(syms) != n || len(syms[n-1].Name) != l {
		t.Fatalf("%d symbols (want %d), error %v", len(syms), n, err)
	}
	if got, limit := after.TotalAlloc-before.TotalAlloc, uint64(64*n+len(q)+64<<10); got > limit {
		t.Errorf("%d symbols naming one %d-byte string: %d bytes allocated, want at most %d", n, l, got, limit)
	}
}

// symbolsELF returns an ELF64 x86-64 file holding only a symbol table of
// n functions, all named by the one l-byte string of its string table.
func symbolsELF(n, l int) []byte {
	le := binary.LittleEndian
	symOff := 64
	strOff := symOff + (n+1)*elf.Sym64Size
	shstr := "\x00.symtab\x00.strtab\x00.shstrtab\x00"
	shstrOff := strOff + l + 2
	shOff := (shstrOff + len(shstr) + 7) &^ 7
	p := make([]byte, shOff+4*64)
	copy(p, "\x7fELF\x02\x01\x01")
	le.PutUint16(p[16:], uint16(elf.ET_DYN))
	le.PutUint16(p[18:], uint16(elf.EM_X86_64))
	le.PutUint32(p[20:], 1)
	le.PutUint64(p[40:], uint64(shOff))
	le.PutUint16(p[52:], 64)
	le.PutUint16(p[54:], 56)
	le.PutUint16(p[58:], 64)
	le.PutUint16(p[60:], 4)
	le.PutUint16(p[62:], 3)
	for i := 1; i <= n; i++ {
		e := p[symOff+i*elf.Sym64Size:]
		le.PutUint32(e, 1)
		e[4] = byte(elf.STB_GLOBAL)<<4 | byte(elf.STT_FUNC)
	}
	for i := range l {
		p[strOff+1+i] = 'A'
	}
	copy(p[shstrOff:], shstr)
	header := func(i int, name uint32, typ elf.SectionType, off, size int, link uint32, entsize uint64) {
		h := p[shOff+64*i:]
		le.PutUint32(h, name)
		le.PutUint32(h[4:], uint32(typ))
		le.PutUint64(h[0x18:], uint64(off))
		le.PutUint64(h[0x20:], uint64(size))
		le.PutUint32(h[0x28:], link)
		le.PutUint64(h[0x38:], entsize)
	}
	header(1, 1, elf.SHT_SYMTAB, symOff, (n+1)*elf.Sym64Size, 2, elf.Sym64Size)
	header(2, 9, elf.SHT_STRTAB, strOff, l+2, 0, 0)
	header(3, 17, elf.SHT_STRTAB, shstrOff, len(shstr), 0, 0)
	return p
}
