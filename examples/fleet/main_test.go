package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"slices"
	"strings"
	"testing"

	"github.com/patchmodel/patchmodel/examples/internal/clitest"
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

// Past the catalog (it covers releases through 2026-09), the report says so
// first: on stdout before the text report, on stderr with -json.
func TestRunStale(t *testing.T) {
	const note = "catalog covers releases through 2026-09"
	for _, tc := range []struct {
		args       []string
		stdout     bool // the note leads stdout
		stderr     bool // the note is on stderr
		noteAtAll  bool
		jsonOutput bool
	}{
		{[]string{"-asof", "2026-12-07", "testdata/inventory.csv"}, true, false, true, false},
		{[]string{"-asof", "2026-12-07", "-json", "testdata/inventory.csv"}, false, true, true, true},
		{[]string{"-asof", "2026-12-07", "-catalog", "testdata/catalog-same.json", "testdata/inventory.csv"}, true, false, true, false},
		{[]string{"-asof", "2026-05-20", "testdata/inventory.csv"}, false, false, false, false},
	} {
		var out, errOut bytes.Buffer
		if err := run(tc.args, &out, &errOut); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if got := strings.HasPrefix(out.String(), note); got != tc.stdout {
			t.Errorf("%v: stdout starts with the note: %v, want %v\n%s", tc.args, got, tc.stdout, out.String())
		}
		if got := strings.Contains(errOut.String(), note); got != tc.stderr {
			t.Errorf("%v: note on stderr: %v, want %v", tc.args, got, tc.stderr)
		}
		if !tc.noteAtAll && strings.Contains(out.String()+errOut.String(), "catalog covers") {
			t.Errorf("%v: a note although the catalog covers the day:\n%s", tc.args, out.String())
		}
		if tc.jsonOutput && !json.Valid(out.Bytes()) {
			t.Errorf("%v: stdout is not JSON", tc.args)
		}
		// The baseline verdicts say why they are unknown: never "unknown"
		// without the catalog's limit.
		if tc.stdout && !strings.Contains(out.String(), "-catalog FILE") {
			t.Errorf("%v: no advice to merge newer data", tc.args)
		}
	}
}

func TestRunCatalogConflict(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run([]string{"-catalog", "testdata/catalog-conflict.json", "testdata/inventory.csv"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "KB5094126") || !strings.Contains(err.Error(), "-catalog") {
		t.Errorf("conflicting -catalog row: %v", err)
	}
}

var update = flag.Bool("update", false, "rewrite the golden files (errors and JSON schema)")

func TestMain(m *testing.M) { clitest.Main(m, "fleet", main) }

// TestExitGolden runs the command as a user would on inputs it cannot read
// and compares exit status, stdout and stderr with testdata/errors.golden:
// exit 1 and an empty stdout in text and JSON mode alike.
func TestExitGolden(t *testing.T) {
	var cases [][]string
	for _, in := range []string{"bad/empty.json", "bad/empty.csv", "bad/truncated.json", "bad/letter.txt", "bad/binary.csv", "bad/binary.json", "bad/unclosed.csv", "missing.csv"} {
		for _, mode := range [][]string{nil, {"-json"}, {"-json", "-verdicts"}, {"-verdicts"}} {
			cases = append(cases, append(slices.Clone(mode), "testdata/"+in))
		}
	}
	clitest.Golden(t, "testdata/errors.golden", *update, 1, cases...)
}

// TestExitUsage checks the exit status of -h (0) and of command lines that
// cannot run (2), with nothing on stdout. The usage text is not compared:
// it changes with every flag.
func TestExitUsage(t *testing.T) {
	clitest.Usage(t, "usage: fleet", clitest.Case{Args: []string{"-h"}}, clitest.Case{Args: []string{"-help"}},
		clitest.Case{Args: []string{"-bogus"}, Code: 2}, clitest.Case{Code: 2}, clitest.Case{Args: []string{"a.csv", "b.csv"}, Code: 2})
}
