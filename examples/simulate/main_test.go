package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/patchmodel/patchmodel/cadence"
	"github.com/patchmodel/patchmodel/examples/internal/clitest"
)

func TestSynthetic(t *testing.T) {
	var out, errs bytes.Buffer
	args := []string{"-from", "2027-01-01", "-devices", "2000", "-eligible", "1", "-behind", "0", "-online", "always", "-timelines", "1"}
	if err := run(args, &out, &errs); err != nil {
		t.Fatalf("run: %v\n%s", err, errs.String())
	}
	// An all-eligible, always-on fleet takes 4 restarts a year instead of 12
	// [S2] in the years the calendar projects from the plan.
	for _, want := range []string{"2000 devices, 2000 eligible", "hotpatch removes 67% of restarts for this fleet, 67% for its eligible devices"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestJSON(t *testing.T) {
	var out, errs bytes.Buffer
	if err := run([]string{"-devices", "100", "-json"}, &out, &errs); err != nil {
		t.Fatalf("run: %v\n%s", err, errs.String())
	}
	var got struct {
		Track  string
		Report cadence.FleetReport
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%v:\n%s", err, out.String())
	}
	if got.Track != "windows11" || got.Report.Devices != 100 {
		t.Errorf("JSON report: track %q, %d devices", got.Track, got.Report.Devices)
	}
}

func TestInventory(t *testing.T) {
	const inv = "../fleet/testdata/inventory.csv"
	if _, err := os.Stat(inv); err != nil {
		t.Skip("no sample inventory:", err)
	}
	var out, errs bytes.Buffer
	if err := run([]string{"-years", "1", inv}, &out, &errs); err != nil {
		t.Fatalf("run: %v\n%s", err, errs.String())
	}
	if !strings.Contains(out.String(), "Windows 11 (24H2 and later): ") {
		t.Errorf("no Windows 11 section:\n%s", out.String())
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-online", "sometimes"},
		{"-missed", "whatever"},
		{"-years", "0"},
		{"-from", "2026-02-30"},
		{"-track", "windows10"},
	} {
		var out, errs bytes.Buffer
		if err := run(args, &out, &errs); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}

// A period that reaches past the catalog (through 2026-09) starts with the
// note; with -json the note goes to stderr and stdout stays JSON.
func TestStale(t *testing.T) {
	const note = "catalog covers releases through 2026-09"
	base := []string{"-asof", "2026-12-07", "-from", "2026-06-01", "-years", "1", "-devices", "100"}
	var out, errs bytes.Buffer
	if err := run(base, &out, &errs); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), note) || !strings.Contains(out.String(), "-catalog FILE") {
		t.Errorf("text output does not start with the note:\n%s", out.String())
	}
	out.Reset()
	if err := run(append(base, "-json"), &out, &errs); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errs.String(), note) || strings.Contains(out.String(), note) {
		t.Errorf("-json: note on stderr %q, stdout %.80q", errs.String(), out.String())
	}
	// A period within the catalog: no note.
	out.Reset()
	errs.Reset()
	if err := run([]string{"-asof", "2026-05-20", "-from", "2025-06-01", "-years", "1", "-devices", "100"}, &out, &errs); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String()+errs.String(), "catalog covers") {
		t.Errorf("note although the catalog covers the period:\n%s", out.String())
	}
}

var update = flag.Bool("update", false, "rewrite the golden files (errors and JSON schema)")

func TestMain(m *testing.M) { clitest.Main(m, "simulate", main) }

// TestExitGolden runs the command as a user would on inventories it cannot
// read and compares exit status, stdout and stderr with
// testdata/errors.golden: exit 1 and an empty stdout in text and JSON mode.
func TestExitGolden(t *testing.T) {
	var cases [][]string
	for _, in := range []string{"empty.json", "truncated.json", "letter.txt", "unclosed.csv"} {
		for _, mode := range [][]string{nil, {"-json"}} {
			cases = append(cases, append(slices.Clone(mode), "../fleet/testdata/bad/"+in))
		}
	}
	clitest.Golden(t, "testdata/errors.golden", *update, 1, cases...)
}

// TestExitUsage checks the exit status of -h (0) and of command lines that
// cannot run (2), with nothing on stdout.
func TestExitUsage(t *testing.T) {
	clitest.Usage(t, "usage: simulate", clitest.Case{Args: []string{"-h"}}, clitest.Case{Args: []string{"-help"}},
		clitest.Case{Args: []string{"-bogus"}, Code: 2}, clitest.Case{Args: []string{"a.csv", "b.csv"}, Code: 2})
}
