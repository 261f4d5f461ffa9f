package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/patchmodel/patchmodel/binarydiff/difftest"
)

// writeDataPair writes the first generated pair (by seed) in which code
// changed and a function that did not change reads changed data.
func writeDataPair(t *testing.T) (string, string, difftest.Truth) {
	t.Helper()
	cfg := difftest.Config{MinFuncs: 20, MaxFuncs: 30, MaxData: 8, Exports: true}
	for seed := uint64(1); seed < 200; seed++ {
		p := difftest.RandomPair(seed, cfg, 3, difftest.ChangeImmediate, difftest.ChangeData)
		tr := p.Truth()
		if len(tr.Changed) == 0 || len(tr.DataRead) == 0 {
			continue
		}
		old, new := writeImages(t, p)
		return old, new, tr
	}
	t.Fatal("no seed gives a pair with code and data changes")
	return "", "", difftest.Truth{}
}

// TestRunExplainJSON: with -json -explain every changed function carries
// an explanation with evidence for each of its causes, and the functions
// that only read changed data say so.
func TestRunExplainJSON(t *testing.T) {
	old, new, truth := writeDataPair(t)
	var out bytes.Buffer
	if err := run(context.Background(), &out, old, new, config{json: true, top: 20, explain: true}); err != nil {
		t.Fatal(err)
	}
	var res struct {
		Functions []struct {
			Kind    string                 `json:"kind"`
			Cause   []string               `json:"cause"`
			New     *struct{ Name string } `json:"new"`
			Explain *struct {
				Lines []struct {
					Op string `json:"op"`
				} `json:"lines"`
				Data    []json.RawMessage `json:"data"`
				Callees []json.RawMessage `json:"callees"`
			} `json:"explain"`
		} `json:"functions"`
		Summary map[string]int `json:"summary"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	var dataOnly []string
	for _, fd := range res.Functions {
		if (fd.Kind == "changed") != (len(fd.Cause) > 0) {
			t.Errorf("%s %v: cause %v", fd.Kind, fd.New, fd.Cause)
		}
		if fd.Kind != "changed" {
			continue
		}
		if fd.Explain == nil {
			t.Fatalf("changed %v without an explanation", fd.New)
		}
		for _, c := range fd.Cause {
			var n int
			switch c {
			case "code":
				for _, l := range fd.Explain.Lines {
					if l.Op != "equal" {
						n++
					}
				}
			case "data":
				n = len(fd.Explain.Data)
			case "callee":
				n = len(fd.Explain.Callees)
			}
			if n == 0 {
				t.Errorf("changed %v: cause %s without evidence", fd.New, c)
			}
		}
		if slices.Equal(fd.Cause, []string{"data"}) {
			dataOnly = append(dataOnly, fd.New.Name)
		}
	}
	slices.Sort(dataOnly)
	want := slices.Sorted(slices.Values(truth.DataRead))
	if !slices.Equal(dataOnly, want) {
		t.Errorf("changed by data only: %v, want %v", dataOnly, want)
	}
	if res.Summary["dataOnly"] != len(want) {
		t.Errorf("summary %v, want dataOnly %d", res.Summary, len(want))
	}

	out.Reset()
	if err := run(context.Background(), &out, old, new, config{top: 100, explain: true}); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	code, data := strings.Index(text, "\ncode changes"), strings.Index(text, "\ndata-only changes")
	if code < 0 || data < code {
		t.Errorf("code changes are not listed before data-only ones:\n%s", text)
	}
	if !strings.Contains(text, fmt.Sprintf("%d functions changed only by the data they read", len(want))) {
		t.Errorf("no count of data-only changes:\n%s", text)
	}
}
