package main

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/patchmodel/patchmodel/hotpatch"
	"github.com/patchmodel/patchmodel/internal/jsontest"
)

// TestJSONSchema keeps the shape of `fleet -json -verdicts` on the sample
// inventory as of 2026-05-20, a day the catalog covers (every path and its JSON types) in testdata/schema.golden; the
// package documentation describes it. Run with -update after a meant
// change.
func TestJSONSchema(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run([]string{"-asof", "2026-05-20", "-json", "-verdicts", "testdata/inventory.json"}, &out, &errOut); err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	got, err := jsontest.Schema(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	jsontest.Golden(t, filepath.Join("testdata", "schema.golden"), got, *update)
}

// TestVerboseSources checks that -v lists every source tag the report, or
// -rules, cites, once, with its title and URL from hotpatch.Sources.
func TestVerboseSources(t *testing.T) {
	for _, args := range [][]string{{"-v", "testdata/inventory.csv"}, {"-v", "-rules"}} {
		var out, errOut bytes.Buffer
		if err := run(args, &out, &errOut); err != nil {
			t.Fatalf("%v\n%s", err, errOut.String())
		}
		text := out.String()
		body, sources, ok := strings.Cut(text, "\nSources:\n")
		if !ok {
			t.Fatalf("%v: no Sources section:\n%s", args, text)
		}
		cited := regexp.MustCompile(`S[0-9]+[a-e]?`).FindAllString(body[strings.Index(body, "["):], -1)
		for _, tag := range cited {
			s := hotpatch.Sources[tag]
			if strings.Count(sources, "["+tag+"] ") != 1 || !strings.Contains(sources, "["+tag+"] "+s.Title) || !strings.Contains(sources, s.URL) {
				t.Errorf("%v: source %s not listed once with title and URL:\n%s", args, tag, sources)
			}
		}
		if len(cited) == 0 {
			t.Errorf("%v: no source cited", args)
		}
	}
}
