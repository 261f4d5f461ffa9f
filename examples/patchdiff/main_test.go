package main

import (
	"bytes"
	"context"
	"debug/elf"
	"debug/pe"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchmodel/patchmodel/binarydiff"
	"github.com/patchmodel/patchmodel/binarydiff/difftest"
	"github.com/patchmodel/patchmodel/internal/jsontest"
)

// writePair writes a generated image pair with one changed, one inserted
// and one deleted function, and returns their paths and the ground truth.
func writePair(t *testing.T) (string, string, difftest.Truth) {
	t.Helper()
	cfg := difftest.Config{MinFuncs: 20, MaxFuncs: 30, Exports: true}
	p := difftest.RandomPair(2, cfg, 3, difftest.ChangeImmediate, difftest.InsertFunc, difftest.DeleteFunc)
	truth := p.Truth()
	if len(truth.Changed) == 0 || len(truth.Added) == 0 || len(truth.Removed) == 0 {
		t.Fatalf("the pair lacks a kind of change: %+v", truth)
	}
	old, new := writeImages(t, p)
	return old, new, truth
}

// writeImages builds the two images of p and writes them to a temporary
// directory, returning their paths.
func writeImages(t *testing.T, p *difftest.Pair) (old, new string) {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for i, im := range []*difftest.Image{p.Old, p.New} {
		l, err := im.Build()
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, fmt.Sprintf("v%d.exe", i))
		if err := os.WriteFile(path, l.Bytes, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
	}
	return paths[0], paths[1]
}

func TestRunText(t *testing.T) {
	old, new, truth := writePair(t)
	var out bytes.Buffer
	if err := run(context.Background(), &out, old, new, config{top: 20, explain: true, hotpatch: true}); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	want := fmt.Sprintf("%d changed, %d added, %d removed", len(truth.Changed), len(truth.Added), len(truth.Removed))
	if !strings.Contains(text, want) {
		t.Errorf("summary does not say %q:\n%s", want, text)
	}
	for _, name := range append(append(truth.Changed, truth.Added...), truth.Removed...) {
		if !strings.Contains(text, name) {
			t.Errorf("%s not listed:\n%s", name, text)
		}
	}
	if !strings.Contains(text, "\nhotpatch: ") {
		t.Errorf("no assessment printed:\n%s", text)
	}
}

func TestRunJSON(t *testing.T) {
	old, new, truth := writePair(t)
	var out bytes.Buffer
	if err := run(context.Background(), &out, old, new, config{json: true, all: true, noSymbols: true, top: 20, hotpatch: true}); err != nil {
		t.Fatal(err)
	}
	var res struct {
		Functions []struct {
			Kind string `json:"kind"`
		} `json:"functions"`
		Summary  map[string]int `json:"summary"`
		Hotpatch struct {
			Verdict string `json:"verdict"`
		} `json:"hotpatch"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	n := len(truth.Unchanged) + len(truth.Changed) + len(truth.Added) + len(truth.Removed)
	if len(res.Functions) != n {
		t.Errorf("%d functions, want %d", len(res.Functions), n)
	}
	if res.Summary["added"] != len(truth.Added) || res.Summary["removed"] != len(truth.Removed) {
		t.Errorf("summary %v, truth %d added %d removed", res.Summary, len(truth.Added), len(truth.Removed))
	}
	if res.Hotpatch.Verdict == "" {
		t.Error("no hotpatch verdict")
	}
}

var update = flag.Bool("update", false, "rewrite the golden files (JSON schema, -hotpatch reports)")

// TestJSONSchema keeps the shape of `patchdiff -json -hotpatch` (every
// path and its JSON types) in testdata/schema.golden; the package
// documentation describes it. Run with -update after a meant change.
func TestJSONSchema(t *testing.T) {
	old, new, _ := writePair(t)
	var out bytes.Buffer
	if err := run(context.Background(), &out, old, new, config{json: true, all: true, hotpatch: true}); err != nil {
		t.Fatal(err)
	}
	got, err := jsontest.Schema(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	jsontest.Golden(t, filepath.Join("testdata", "schema.golden"), got, *update)
}

// TestJSONOnlyDifferences checks that without -all the JSON lists every
// function that is not identical, and no other, while the summary still
// counts them all.
func TestJSONOnlyDifferences(t *testing.T) {
	old, new, truth := writePair(t)
	var all, some bytes.Buffer
	for _, c := range []struct {
		out *bytes.Buffer
		all bool
	}{{&all, true}, {&some, false}} {
		if err := run(context.Background(), c.out, old, new, config{json: true, all: c.all}); err != nil {
			t.Fatal(err)
		}
	}
	var a, s binarydiff.Result
	if err := json.Unmarshal(all.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(some.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	var want []binarydiff.FunctionDiff
	for _, fd := range a.Functions {
		if fd.Kind != binarydiff.Identical {
			want = append(want, fd)
		}
	}
	if len(s.Functions) != len(want) || len(want) < len(truth.Changed)+len(truth.Added)+len(truth.Removed) {
		t.Errorf("without -all: %d functions, want the %d not identical", len(s.Functions), len(want))
	}
	if s.Summary != a.Summary || s.Summary.Identical == 0 {
		t.Errorf("summary %+v, with -all %+v", s.Summary, a.Summary)
	}
	if some.Len() >= all.Len() {
		t.Errorf("without -all %d bytes, with %d", some.Len(), all.Len())
	}
}

func TestCLIHelpAndUsage(t *testing.T) {
	for _, c := range []struct {
		args       []string
		code       int
		out, errIn string
	}{
		{[]string{"-h"}, 0, "", "usage: patchdiff"},
		{[]string{"-help"}, 0, "", "usage: patchdiff"},
		{nil, 2, "", "usage: patchdiff"},
		{[]string{"-nosuchflag", "a", "b"}, 2, "", "flag provided but not defined"},
		{[]string{"no-such-old", "no-such-new"}, 1, "", "patchdiff: "},
	} {
		var out, errOut bytes.Buffer
		if code := cli(c.args, &out, &errOut); code != c.code {
			t.Errorf("%q: exit %d, want %d", c.args, code, c.code)
		}
		if c.out == "" && out.Len() > 0 || !strings.Contains(out.String(), c.out) {
			t.Errorf("%q: stdout %q, want %q", c.args, out.String(), c.out)
		}
		if !strings.Contains(errOut.String(), c.errIn) {
			t.Errorf("%q: stderr %q, want %q", c.args, errOut.String(), c.errIn)
		}
	}
}

func TestMachineName(t *testing.T) {
	for _, c := range []struct {
		format  binarydiff.Format
		machine uint16
		want    string
	}{
		{binarydiff.FormatPE, pe.IMAGE_FILE_MACHINE_AMD64, "x64"},
		{binarydiff.FormatPE, pe.IMAGE_FILE_MACHINE_ARM64, "arm64"},
		{binarydiff.FormatPE, pe.IMAGE_FILE_MACHINE_I386, "x86"},
		{binarydiff.FormatPE, 0x1234, "machine 0x1234"},
		{binarydiff.FormatELF, uint16(elf.EM_X86_64), "X86_64"},
	} {
		if got := machineName(c.format, c.machine); got != c.want {
			t.Errorf("machineName(%v, %#x) = %q, want %q", c.format, c.machine, got, c.want)
		}
	}
}
