package binarydiff_test

import (
	"context"
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

// buildGoMode builds testdata/realbin/<version>.go with buildGo, then
// again with -buildmode=mode from the same directory.
func buildGoMode(t *testing.T, dir, version, mode string) string {
	t.Helper()
	out := buildGo(t, dir, version)
	exe := strings.TrimSuffix(out, ".exe") + "-" + mode + ".exe"
	cmd := exec.Command("go", "build", "-trimpath", "-buildmode="+mode, "-o", exe, ".")
	cmd.Dir = filepath.Join(dir, version)
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false", "GOWORK=off", "GOTOOLCHAIN=local")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build -buildmode=%s %s: %v\n%s", mode, version, err, msg)
	}
	return exe
}

func goDataCauses(t *testing.T, mode string) {
	dir := t.TempDir()
	base := buildGoMode(t, dir, "data1", mode)
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
			a, err := binarydiff.Open(base)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			b, err := binarydiff.Open(buildGoMode(t, dir, c.version, mode))
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
