package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden file")

func TestGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := run(&buf); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "protect.golden")
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("output differs from %s (run with -update and review):\n%s", golden, buf.String())
	}
}

// The embedded documents are the msrc package's fixtures, byte for byte.
func TestDocumentsAreTheFixtures(t *testing.T) {
	names, _ := filepath.Glob(filepath.Join("cvrf", "*.xml"))
	if len(names) == 0 {
		t.Fatal("no documents")
	}
	for _, n := range names {
		got, _ := os.ReadFile(n)
		want, err := os.ReadFile(filepath.Join("..", "..", "hotpatch", "msrc", "testdata", filepath.Base(n)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s differs from hotpatch/msrc/testdata (%v): copy it again", n, err)
		}
	}
}
