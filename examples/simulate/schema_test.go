package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/patchmodel/patchmodel/internal/jsontest"
)

// TestJSONSchema keeps the shape of `simulate -json` (every path and its
// JSON types, over the objects of every track) in testdata/schema.golden;
// the package documentation describes it. Run with -update after a meant
// change.
func TestJSONSchema(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run([]string{"-asof", "2026-05-20", "-json", "../fleet/testdata/inventory.csv"}, &out, &errOut); err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	got, err := jsontest.Schema(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	jsontest.Golden(t, filepath.Join("testdata", "schema.golden"), got, *update)
}
