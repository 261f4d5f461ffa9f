package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestRunSamples(t *testing.T) {
	for _, args := range [][]string{
		{"testdata/inventory.csv"},
		{"-verdicts", "testdata/inventory.json"},
		{"-disputed", "strict", "-asof", "2025-09-20", "testdata/inventory.csv"},
	} {
		var out, errOut bytes.Buffer
		if err := run(args, &out, &errOut); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut.String())
		}
		if !strings.Contains(out.String(), "Devices:") || !strings.Contains(out.String(), "rejected") {
			t.Errorf("%v: unexpected output:\n%s", args, out.String())
		}
	}
}

func TestRunJSON(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run([]string{"-json", "-verdicts", "testdata/inventory.csv"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	var v struct {
		Report struct {
			Devices int `json:"devices"`
			Input   struct {
				Rows, Rejected int
			} `json:"input"`
		} `json:"report"`
		Devices []json.RawMessage `json:"devices"`
	}
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	if v.Report.Devices != len(v.Devices) || v.Report.Devices+v.Report.Input.Rejected != v.Report.Input.Rows {
		t.Errorf("report %+v with %d device verdicts", v.Report, len(v.Devices))
	}
}

func TestRunErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-asof", "2020-01-01", "testdata/inventory.csv"},
		{"-disputed", "maybe", "testdata/inventory.csv"},
		{"testdata/missing.csv"},
	} {
		var out, errOut bytes.Buffer
		if err := run(args, &out, &errOut); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

func TestRunRules(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run([]string{"-rules"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Windows Server 2025", "2026-05-19", "disputed:", "baseline"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("-rules output lacks %q", want)
		}
	}
}
