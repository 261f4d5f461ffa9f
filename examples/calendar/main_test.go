package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/patchmodel/patchmodel/cadence"
	"github.com/patchmodel/patchmodel/examples/internal/clitest"
	"github.com/patchmodel/patchmodel/hotpatch"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestGolden compares the printed calendars of past years with
// testdata/*.golden; run with -update after a deliberate change (or new
// catalog rows) and review the diff.
func TestGolden(t *testing.T) {
	all := []hotpatch.Track{hotpatch.TrackWindows11, hotpatch.TrackServer2025, hotpatch.TrackServer2022}
	for _, tc := range []struct {
		name   string
		year   int
		tracks []hotpatch.Track
		opts   cadence.CalendarOptions
	}{
		{"2025", 2025, all, cadence.CalendarOptions{}},
		{"2024-server2022", 2024, all[2:], cadence.CalendarOptions{}},
		// The June 2026 unplanned baselines, the months the catalog does
		// not cover (projected, with a note) and unconfirmed rows.
		{"2026", 2026, all, cadence.CalendarOptions{}},
	} {
		var buf bytes.Buffer
		if err := run(&buf, tc.year, tc.tracks, tc.opts); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", tc.name+".golden")
		if *update {
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("%s: output differs from %s:\n%s", tc.name, path, buf.Bytes())
		}
	}
}

func TestMain(m *testing.M) { clitest.Main(m, "calendar", main) }

// TestExitGolden runs the command as a user would with arguments it cannot
// use and compares exit status, stdout and stderr with
// testdata/errors.golden: exit 2 and an empty stdout.
func TestExitGolden(t *testing.T) {
	clitest.Golden(t, "testdata/errors.golden", *update, 2,
		[]string{"abc"}, []string{"0"}, []string{"-track", "windows10", "2026"})
}

// TestExitUsage checks the exit status of -h (0) and of a bad command line
// (2), with nothing on stdout. The usage text is not compared: in the test
// binary it lists the test flags too.
func TestExitUsage(t *testing.T) {
	clitest.Usage(t, "usage: calendar", clitest.Case{Args: []string{"-h"}}, clitest.Case{Args: []string{"-help"}},
		clitest.Case{Args: []string{"-bogus"}, Code: 2}, clitest.Case{Args: []string{"2025", "2026"}, Code: 2})
}
