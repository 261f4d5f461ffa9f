package catalogflag

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchmodel/patchmodel/hotpatch"
)

func parse(t *testing.T, args ...string) *Flags {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := Register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestLoad(t *testing.T) {
	asOf, cat, err := parse(t).Load()
	if err != nil || asOf != Today() || cat != hotpatch.Embedded() {
		t.Errorf("defaults: %v, %p, %v; want today %v and the embedded catalog", asOf, cat, err, Today())
	}
	asOf, _, err = parse(t, "-asof", "2026-12-07").Load()
	if err != nil || asOf != (hotpatch.Date{Year: 2026, Month: 12, Day: 7}) {
		t.Errorf("-asof 2026-12-07: %v, %v", asOf, err)
	}
	if _, _, err := parse(t, "-asof", "2026-13-01").Load(); !errors.Is(err, hotpatch.ErrSyntax) || !strings.Contains(err.Error(), "-asof") {
		t.Errorf("bad -asof: %v", err)
	}
	if _, _, err := parse(t, "-catalog", filepath.Join(t.TempDir(), "missing.json")).Load(); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing -catalog: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`[{"kb": "KB1", "colour": "red"}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := parse(t, "-catalog", bad).Load(); err == nil || !strings.Contains(err.Error(), "-catalog") {
		t.Errorf("-catalog with an unknown field: %v", err)
	}
	// A real row that the catalog already holds merges as a no-op.
	u, err := hotpatch.Embedded().ByKB(5094126)
	if err != nil {
		t.Fatal(err)
	}
	same := filepath.Join(t.TempDir(), "same.json")
	writeRows(t, same, u)
	_, cat, err = parse(t, "-catalog", same).Load()
	if err != nil || cat.Len() != hotpatch.Embedded().Len() {
		t.Errorf("-catalog with a known row: %v rows, %v", cat.Len(), err)
	}
}

func writeRows(t *testing.T, path string, rows ...hotpatch.Update) {
	t.Helper()
	text, err := json.Marshal(rows)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, text, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestWarnStale(t *testing.T) {
	for _, tc := range []struct {
		asOf hotpatch.Date
		want string
	}{
		{hotpatch.Date{Year: 2026, Month: 5, Day: 20}, ""},
		{hotpatch.Date{Year: 2026, Month: 12, Day: 7}, "catalog covers releases through 2026-09 (Windows Server 2022 Datacenter: Azure Edition through 2026-06); later months up to 2026-12 are projected: merge newer data with -catalog FILE\n"},
	} {
		var b bytes.Buffer
		if warned := WarnStale(&b, hotpatch.Embedded(), tc.asOf); b.String() != tc.want || warned != (tc.want != "") {
			t.Errorf("%v: %v %q, want %q", tc.asOf, warned, b.String(), tc.want)
		}
	}
}
