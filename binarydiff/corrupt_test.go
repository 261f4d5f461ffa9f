package binarydiff

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/patchmodel/patchmodel/binarydiff/difftest"
)

// The corruption suite mutates real binaries (a Go program cross-built
// for Windows, GCC-built ELF files from the fuzz seeds, a generated PE
// image, and in the long run any files named by
// BINARYDIFF_CORRUPT_FILES) by truncation, byte flips, extreme header
// values and bad table counts, and runs each mutant through Parse, Diff in
// both directions, Hotpatchability and Explain. Each must finish without
// a panic within corruptTimeLimit, allocate within a bound of its size,
// and either fail with a FormatError (or ErrUnsupportedFormat) or say
// what was damaged: a mutant that lost more than half of the original's
// functions parses with Warnings or Degraded.
//
// go test runs a short seeded round (BINARYDIFF_CORRUPT_N mutants per
// input, 24 by default; BINARYDIFF_CORRUPT_SEED picks another seed).

// corruptTimeLimit is how long one mutant's parse, diffs and assessment
// may take: far beyond any sound run, even under -race on a loaded
// machine.
const corruptTimeLimit = 60 * time.Second

// corruptInput is one original binary of the suite.
type corruptInput struct {
	name string
	p    []byte
}

// corruptInputs returns the originals: the ones the tests already build
// or keep, and BINARYDIFF_CORRUPT_FILES.
func corruptInputs(t *testing.T) []corruptInput {
	var in []corruptInput
	im := difftest.RandomImage(7, difftest.Config{MinFuncs: 150, MaxFuncs: 200, Exports: true})
	l, err := im.Build()
	if err != nil {
		t.Fatal(err)
	}
	in = append(in, corruptInput{"generated.exe", l.Bytes})
	for _, name := range []string{"gcc-static-pie", "gcc-object"} {
		p, err := readFuzzSeed(filepath.Join("testdata", "fuzz", "FuzzELF", name))
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, corruptInput{name, p})
	}
	if path, err := fxProgram(fxTarget{"windows", "amd64"}, fxBuildKey{"", "fxv1", ""}); err == nil {
		p, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, corruptInput{"go-fixture.exe", p})
	} else {
		t.Logf("Go fixture unavailable, left out: %v", err)
	}
	for _, path := range strings.Fields(os.Getenv("BINARYDIFF_CORRUPT_FILES")) {
		p, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, corruptInput{filepath.Base(path), p})
	}
	return in
}

// readFuzzSeed decodes a file of Go's fuzz corpus format holding one
// []byte.
func readFuzzSeed(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	_, lit, ok := strings.Cut(strings.TrimSpace(string(raw)), "\n[]byte(")
	if !ok || !strings.HasSuffix(lit, ")") {
		return nil, fmt.Errorf("%s: not a []byte corpus entry", path)
	}
	s, err := strconv.Unquote(strings.TrimSuffix(lit, ")"))
	return []byte(s), err
}

// corruptRegressions are mutants that long runs found wrong: the input,
// the seed and the index of the mutant among those mutate draws.
var corruptRegressions = []struct {
	input string
	seed  uint64
	index int
}{
	{"generated.exe", 12, 16},  // a base relocation at the last bytes of a function: the decoder stopped advancing (hang)
	{"gcc-static-pie", 11, 1},  // sh_addr of .text flipped: every symbol outside code, 0 functions and no warning
	{"gcc-static-pie", 13, 83}, // e_shnum set to 1: no sections, 0 functions and no warning
	{"gcc-object", 31, 23},     // the same in a relocatable object, which has no segments to fall back on
}

// mutation is one way of damaging a binary.
type mutation struct {
	what string
	p    []byte
}

// mutate returns n seeded mutants of p.
func mutate(p []byte, n int, r *rand.Rand) []mutation {
	hdr := headerSpan(p)
	extremes := []uint64{0, 1, 0x7fffffff, 0x80000000, 0xffffffff, uint64(len(p)), uint64(len(p)) + 1, 1 << 63, ^uint64(0)}
	var out []mutation
	for i := range n {
		c := bytes.Clone(p)
		switch i % 5 {
		case 0: // truncation
			at := r.IntN(len(p))
			if i%10 == 0 {
				at = r.IntN(min(len(p), hdr))
			}
			out = append(out, mutation{fmt.Sprintf("truncated at %#x", at), c[:at]})
		case 1: // byte flips anywhere
			k := 1 + r.IntN(16)
			for range k {
				c[r.IntN(len(c))] ^= byte(1 + r.IntN(255))
			}
			out = append(out, mutation{fmt.Sprintf("%d bytes flipped", k), c})
		case 2: // byte flips in the headers and tables
			k := 1 + r.IntN(4)
			var at []int
			for range k {
				o := r.IntN(min(len(c), hdr))
				c[o] ^= byte(1 + r.IntN(255))
				at = append(at, o)
			}
			out = append(out, mutation{fmt.Sprintf("header bytes flipped at %#x", at), c})
		case 3, 4: // an extreme value in a header field
			v := extremes[r.IntN(len(extremes))]
			w := 4
			if i%5 == 4 {
				w = 8
			}
			o := r.IntN(max(1, min(len(c), hdr)-w)) &^ (w - 1)
			if o+w > len(c) {
				continue
			}
			if w == 4 {
				binary.LittleEndian.PutUint32(c[o:], uint32(v))
			} else {
				binary.LittleEndian.PutUint64(c[o:], v)
			}
			out = append(out, mutation{fmt.Sprintf("%d-byte field at %#x set to %#x", w, o, v), c})
		}
	}
	return out
}

// headerSpan returns how many leading bytes hold p's headers and tables
// most worth damaging: the PE headers and section table, or the ELF
// header (the section header table is at its end, and covered by flips).
func headerSpan(p []byte) int {
	if len(p) >= 0x40 && p[0] == 'M' && p[1] == 'Z' {
		return min(len(p), 0x400)
	}
	return min(len(p), 0x200)
}

// TestCorruption runs the corruption suite (see above).
func TestCorruption(t *testing.T) {
	n := 24
	if s := os.Getenv("BINARYDIFF_CORRUPT_N"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			t.Fatal(err)
		}
	}
	seed := uint64(1)
	if s := os.Getenv("BINARYDIFF_CORRUPT_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatal(err)
		}
	}
	for _, in := range corruptInputs(t) {
		t.Run(in.name, func(t *testing.T) {
			orig, err := Parse(context.Background(), bytes.NewReader(in.p), int64(len(in.p)))
			if err != nil {
				t.Fatalf("original: %v", err)
			}
			r := rand.New(rand.NewPCG(seed, uint64(len(in.p))))
			for _, m := range mutate(in.p, n, r) {
				if err := checkMutant(orig, m); err != nil {
					t.Errorf("%s (seed %d): %v", m.what, seed, err)
				}
			}
			// Mutants that longer runs found wrong, replayed every time.
			for _, reg := range corruptRegressions {
				if reg.input != in.name {
					continue
				}
				r := rand.New(rand.NewPCG(reg.seed, uint64(len(in.p))))
				m := mutate(in.p, reg.index+1, r)[reg.index]
				if err := checkMutant(orig, m); err != nil {
					t.Errorf("regression %s (seed %d, mutant %d): %v", m.what, reg.seed, reg.index, err)
				}
			}
		})
	}
}

// checkMutant runs one mutant through the API under a time limit,
// recovering a panic into an error.
func checkMutant(orig *Binary, m mutation) error {
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("panic: %v", r)
			}
		}()
		done <- runMutant(orig, m)
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(corruptTimeLimit):
		return fmt.Errorf("no result after %v", corruptTimeLimit)
	}
}

func runMutant(orig *Binary, m mutation) error {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b, err := Parse(context.Background(), bytes.NewReader(m.p), int64(len(m.p)))
	runtime.ReadMemStats(&after)
	// Parse reads through an io.ReaderAt and may copy all of the input
	// (the relocated copy of an object is bounded at 4× plus 1 MiB).
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16*uint64(len(m.p))+64<<20 {
		return fmt.Errorf("Parse of %d bytes allocated %d MiB", len(m.p), alloc>>20)
	}
	if err != nil {
		var fe *FormatError
		if !errors.Is(err, ErrUnsupportedFormat) && !errors.As(err, &fe) {
			return fmt.Errorf("error %v (%T) is neither ErrUnsupportedFormat nor a FormatError", err, err)
		}
		return nil
	}
	if len(b.Functions) < len(orig.Functions)/2 && len(b.Warnings) == 0 && b.Degraded == "" {
		return fmt.Errorf("silently accepted: %d of %d functions, no warning", len(b.Functions), len(orig.Functions))
	}
	if b.Format != orig.Format || b.Arch != orig.Arch {
		return nil // a flipped machine field: Diff refuses the pair, as documented
	}
	for _, pair := range [][2]*Binary{{orig, b}, {b, orig}} {
		res, err := Diff(context.Background(), pair[0], pair[1], Options{Workers: 2})
		if err != nil {
			return fmt.Errorf("Diff: %v", err)
		}
		if n := res.Summary.Identical + res.Summary.Moved + res.Summary.Changed + res.Summary.Removed; n != len(pair[0].Functions) {
			return fmt.Errorf("Diff classified %d of %d old functions", n, len(pair[0].Functions))
		}
		_ = res.Hotpatchability(pair[0], pair[1])
		for _, fd := range res.Functions {
			if fd.Kind == Changed {
				if _, err := Explain(pair[0], pair[1], fd); err != nil {
					return fmt.Errorf("Explain: %v", err)
				}
				break
			}
		}
	}
	return nil
}
