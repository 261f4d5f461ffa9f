package main

import (
	"bytes"
	"flag"
	"path/filepath"
	"testing"

	"github.com/patchmodel/patchmodel/internal/jsontest"
)

var update = flag.Bool("update", false, "rewrite testdata/schema.golden")

// TestJSONSchema keeps the shape of `fleet -json -verdicts` on the sample
// inventory (every path and its JSON types) in testdata/schema.golden; the
// package documentation describes it. Run with -update after a meant
// change.
func TestJSONSchema(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run([]string{"-json", "-verdicts", "testdata/inventory.json"}, &out, &errOut); err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	got, err := jsontest.Schema(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	jsontest.Golden(t, filepath.Join("testdata", "schema.golden"), got, *update)
}
