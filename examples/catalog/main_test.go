package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchmodel/patchmodel/hotpatch"
)

var update = flag.Bool("update", false, "rewrite the golden file")

var fixtures = filepath.Join("..", "..", "hotpatch", "msrc", "testdata")

func fixtureArgs(t *testing.T) []string {
	names, err := filepath.Glob(filepath.Join(fixtures, "*.xml"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no CVRF fixtures in %s", fixtures)
	}
	return names
}

// The rows written from the real (trimmed) CVRF documents: a golden file,
// and rows that Catalog.Merge accepts on top of the embedded catalog.
func TestRowsFromFixtures(t *testing.T) {
	var out, errs bytes.Buffer
	if code := run(context.Background(), fixtureArgs(t), &out, &errs, nil); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	golden := filepath.Join("testdata", "fixtures.golden.json")
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("output differs from %s; run with -update and review the diff", golden)
	}
	c, err := hotpatch.Embedded().Merge(bytes.NewReader(out.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	u, err := c.ByKB(5084597) // the March 2026 out-of-band hotpatch, read from CVRF
	if err != nil || u.Released.String() != "2026-03-13" || len(u.Provenance) == 0 {
		t.Errorf("KB5084597 = %+v, %v", u, err)
	}
	if !strings.Contains(errs.String(), "KB5019080") {
		t.Errorf("no note about the 2022 hotpatch whose baseline is unknown:\n%s", errs.String())
	}
}

func TestFetch(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(fixtures, "2025-Dec.json"))
	if err != nil {
		t.Fatal(err)
	}
	var asked []string
	fake := func(_ context.Context, id string) (io.ReadCloser, error) {
		asked = append(asked, id)
		if id != "2025-Dec" {
			return nil, errors.New("404 Not Found")
		}
		return io.NopCloser(bytes.NewReader(data)), nil
	}
	var out, errs bytes.Buffer
	if code := run(context.Background(), []string{"-fetch", "2025-Dec"}, &out, &errs, fake); code != 0 || !strings.Contains(out.String(), "KB5072014") {
		t.Errorf("exit %d, asked %v, output %s, errors %s", code, asked, out.String(), errs.String())
	}
	out.Reset()
	errs.Reset()
	if code := run(context.Background(), []string{"-fetch", "2099-Jan"}, &out, &errs, fake); code != 1 || out.Len() != 0 || !strings.Contains(errs.String(), "2099-Jan") {
		t.Errorf("failed fetch: exit %d, output %q, errors %q", code, out.String(), errs.String())
	}
}

// Built without -tags fetch, -fetch fails before reading anything and
// prints the command that has the HTTP client, with the same arguments.
func TestFetchNotBuiltIn(t *testing.T) {
	var out, errs bytes.Buffer
	code := run(context.Background(), []string{"-fetch", "-o", "x.json", "2025-Dec"}, &out, &errs, nil)
	want := "go run -tags fetch ./examples/catalog -fetch -o x.json 2025-Dec\n"
	if code != 2 || out.Len() != 0 || !strings.HasSuffix(errs.String(), want) {
		t.Errorf("exit %d, output %q, errors %q; want exit 2 and errors ending in %q", code, out.String(), errs.String(), want)
	}
	if _, err := os.Stat("x.json"); err == nil {
		t.Error("x.json written")
	}
}

func TestExitCodes(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.xml")
	os.WriteFile(bad, []byte("<cvrfdoc><Vulnerability>"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"-h"}, 0},
		{nil, 2},
		{[]string{"-nope"}, 2},
		{[]string{"does-not-exist.xml"}, 1},
		{[]string{bad}, 1},
	} {
		var out, errs bytes.Buffer
		if code := run(context.Background(), tc.args, &out, &errs, nil); code != tc.code || out.Len() != 0 {
			t.Errorf("%v: exit %d, stdout %q, want exit %d and no output", tc.args, code, out.String(), tc.code)
		}
	}
}
