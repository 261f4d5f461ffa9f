package main

import (
	"bytes"
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchmodel/patchmodel/hotpatch"
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

// TestVerboseSources checks that -v lists every source tag the report
// cites with its URL from hotpatch.Sources.
func TestVerboseSources(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run([]string{"-v", "testdata/inventory.csv"}, &out, &errOut); err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	text := out.String()
	_, sources, ok := strings.Cut(text, "\nSources:\n")
	if !ok {
		t.Fatalf("no Sources section:\n%s", text)
	}
	for _, tag := range []string{"S1d", "S4b", "S6"} {
		if !strings.Contains(sources, "["+tag+"] "+hotpatch.Sources[tag].Title) || !strings.Contains(sources, hotpatch.Sources[tag].URL) {
			t.Errorf("source %s not listed with title and URL:\n%s", tag, sources)
		}
	}
}
