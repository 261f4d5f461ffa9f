package binarydiff_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/patchmodel/patchmodel/binarydiff"
)

// TestGoDataCauses diffs Go builds (testdata/realbin/data*.go, built here
// for windows/amd64) whose source changes only data, or adds a function
// whose data moves everything else's: the functions that read changed
// bytes are Changed by data alone, with their bytes in Explain; the
// others, whose data merely moved, are not Changed; no Changed lacks
// evidence, with names or without.
//
// Built as a position-independent executable (Go's default for Windows),
// pointers in data are relocated; built with -buildmode=exe there is no
// relocation at all, and pointers in data are raw addresses that change
// whenever what they point to moves.
func TestGoDataCauses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	for _, mode := range []string{"pie", "exe"} {
		t.Run(mode, func(t *testing.T) { goDataCauses(t, mode) })
	}
}

// buildGoMode returns testdata/realbin/<version>.go built for
// windows/amd64 with -buildmode=mode (see GoFixtureMode).
func buildGoMode(t *testing.T, version, mode string) string {
	t.Helper()
	return binarydiff.GoFixtureMode(t, version, mode)
}

func goDataCauses(t *testing.T, mode string) {
	base := buildGoMode(t, "data1", mode)
	for _, c := range []struct {
		version  string
		dataOnly []string // Changed by data alone, with names
		code     []string // Changed with cause code, with names
		bytes    []string // text that the data evidence shows
	}{
		{"data2", []string{"main.greeting", "main.limit"}, nil, []string{`"hello, world`, `"hello, there`}},
		{"data3", nil, []string{"main.main"}, nil},
	} {
		t.Run(c.version, func(t *testing.T) {
			a, err := binarydiff.Open(context.Background(), base)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			b, err := binarydiff.Open(context.Background(), buildGoMode(t, c.version, mode))
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			for _, ignore := range []bool{false, true} {
				res, err := binarydiff.Diff(context.Background(), a, b, binarydiff.Options{IgnoreSymbols: ignore})
				if err != nil {
					t.Fatal(err)
				}
				var dataOnly, code []string
				var shown strings.Builder
				for _, fd := range res.Functions {
					if msg := evidenceError(a, b, fd); msg != "" {
						t.Errorf("IgnoreSymbols=%v: %v %+v: %s", ignore, fd.Kind, fd.Old, msg)
					}
					if fd.Kind != binarydiff.Changed {
						continue
					}
					name := a.Functions[a.FunctionAt(fd.Old.RVA)].Name // names from the pclntab, even when ignored
					e, _ := binarydiff.Explain(a, b, fd)
					shown.WriteString(e.String())
					if fd.Cause == binarydiff.CauseData {
						dataOnly = append(dataOnly, name)
					} else {
						code = append(code, name)
					}
				}
				slices.Sort(dataOnly)
				slices.Sort(code)
				if !slices.Equal(dataOnly, c.dataOnly) || !slices.Equal(code, c.code) {
					t.Errorf("IgnoreSymbols=%v: changed by data only %v, want %v; otherwise %v, want %v\n%s", ignore, dataOnly, c.dataOnly, code, c.code, shown.String())
				}
				for _, s := range c.bytes {
					if !strings.Contains(shown.String(), s) {
						t.Errorf("IgnoreSymbols=%v: the evidence does not show %s:\n%s", ignore, s, shown.String())
					}
				}
			}
		})
	}
}

// rustLocation is a Rust program whose pick can panic (an index out of
// bounds): the panic's Location record (file, line, column) lies in data
// that pick refers to.
const rustLocation = `use std::env;

#[inline(never)]
fn total(v: &[u32]) -> u32 {
    v.iter().sum()
}

#[inline(never)]
fn pick(v: &[u32], i: usize) -> u32 {
    v[i] * 3
}

fn main() {
    let v: Vec<u32> = env::args().map(|a| a.len() as u32).collect();
    println!("{} {}", total(&v), pick(&v, v.len() / 2));
}
`

// TestRustLocationLine builds rustLocation, then again with a comment
// line above pick, with rustc for Linux: pick's code is the same, its
// panic Location's line number is not, and pick alone is Changed, by data,
// with the record's bytes as evidence.
func TestRustLocationLine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Rust programs")
	}
	rustc, err := exec.LookPath("rustc")
	if err != nil {
		t.Skip("rustc not found (https://rustup.rs)")
	}
	dir := t.TempDir()
	build := func(name, src string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path+".rs", []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(rustc, "-O", "--edition", "2021", "--crate-name", "prog", "-o", path, path+".rs")
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("rustc: %v\n%s", err, msg)
		}
		return path
	}
	old := parseELFFile(t, build("v1", rustLocation))
	new := parseELFFile(t, build("v2", strings.Replace(rustLocation, "fn pick", "// this comment moves pick down a line\nfn pick", 1)))
	for _, ignore := range []bool{false, true} {
		res, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{IgnoreSymbols: ignore})
		if err != nil {
			t.Fatal(err)
		}
		var changed []string
		for _, fd := range res.Functions {
			if fd.Kind == binarydiff.Identical || fd.Kind == binarydiff.Moved {
				continue
			}
			name := old.Functions[old.FunctionAt(fd.Old.RVA)].Name
			changed = append(changed, fmt.Sprintf("%s %v %v", name, fd.Kind, fd.Cause))
			e, err := binarydiff.Explain(old, new, fd)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(name, "pick") || fd.Cause != binarydiff.CauseData || len(e.Data) == 0 ||
				string(e.Data[0].Old.Bytes) == string(e.Data[0].New.Bytes) {
				t.Errorf("IgnoreSymbols=%v: %s %v %v, want pick changed by data, with other bytes\n%s", ignore, name, fd.Kind, fd.Cause, e)
			}
		}
		if len(changed) != 1 {
			t.Errorf("IgnoreSymbols=%v: changed %v, want pick alone", ignore, changed)
		}
	}
}
