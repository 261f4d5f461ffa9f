package msrc_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/patchmodel/patchmodel/hotpatch"
	"github.com/patchmodel/patchmodel/hotpatch/msrc"
)

// On the full documents of the benchmark cache (when present), the scanner
// reads every document to the model encoding/xml gives, the document
// converted to the API's JSON shape reads the same, and CatalogRows'
// rows merge into the embedded catalog without conflict.
func TestFullDocuments(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("reads megabytes: not in -short or -race runs")
	}
	dir := os.Getenv("PATCHMODEL_CVRF_CACHE")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".cache", "patchmodel-cvrf")
	}
	names, _ := filepath.Glob(filepath.Join(dir, "cvrfDocument-*.xml"))
	if len(names) == 0 {
		t.Skipf("no full documents in %s: run sh hotpatch/msrc/testdata/fetch-bench.sh", dir)
	}
	var docs []*msrc.Document
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		got, err := msrc.Parse(context.Background(), bytes.NewReader(data))
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		want, err := msrc.ParseXMLStd(bytes.NewReader(data))
		if err != nil {
			t.Errorf("%s: encoding/xml: %v", n, err)
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: scanner and encoding/xml differ:\n%s", n, diff)
		}
		// The same document in the API's JSON shape reads the same.
		js, err := apiJSON(data)
		if err != nil {
			t.Fatalf("%s: converting to JSON: %v", n, err)
		}
		fromJSON, err := msrc.Parse(context.Background(), bytes.NewReader(js))
		if err != nil {
			t.Errorf("%s as JSON: %v", n, err)
		} else if diff := cmp.Diff(got, fromJSON); diff != "" {
			t.Errorf("%s: XML and JSON differ:\n%s", n, diff)
		}
		docs = append(docs, got)
	}
	rows, _ := msrc.CatalogRows(docs, hotpatch.Embedded())
	if _, err := hotpatch.Embedded().Merge(bytes.NewReader(mustJSON(t, rows))); err != nil {
		t.Error(err)
	}
}
