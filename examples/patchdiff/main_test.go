package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchmodel/patchmodel/binarydiff/difftest"
)

// writePair writes a generated image pair with one changed, one inserted
// and one deleted function, and returns their paths and the ground truth.
func writePair(t *testing.T) (string, string, difftest.Truth) {
	t.Helper()
	cfg := difftest.Config{MinFuncs: 20, MaxFuncs: 30, Exports: true}
	p := difftest.RandomPair(2, cfg, 3, difftest.ChangeImmediate, difftest.InsertFunc, difftest.DeleteFunc)
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
	truth := p.Truth()
	if len(truth.Changed) == 0 || len(truth.Added) == 0 || len(truth.Removed) == 0 {
		t.Fatalf("the pair lacks a kind of change: %+v", truth)
	}
	return paths[0], paths[1], truth
}

func TestRunText(t *testing.T) {
	old, new, truth := writePair(t)
	var out bytes.Buffer
	if err := run(context.Background(), &out, old, new, false, false, 20, true, true); err != nil {
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
	if err := run(context.Background(), &out, old, new, true, true, 20, false, true); err != nil {
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
