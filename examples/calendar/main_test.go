package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/patchmodel/patchmodel/cadence"
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
