package binarydiff_test

import (
	"context"
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
func TestGoDataCauses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	dir := t.TempDir()
	base := buildGo(t, dir, "data1")
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
			b, err := binarydiff.Open(buildGo(t, dir, c.version))
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
