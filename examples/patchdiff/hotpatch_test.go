package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHotpatchReportGolden checks the -hotpatch text report, in its short
// and its -v form, against golden files, on the generated pair of
// writePair (a changed, an added and a removed function, exports).
func TestHotpatchReportGolden(t *testing.T) {
	old, new, _ := writePair(t)
	for _, tc := range []struct {
		name string
		all  bool
	}{{"hotpatch.golden", false}, {"hotpatch-v.golden", true}} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := run(context.Background(), &out, old, new, config{top: 20, hotpatch: true, verbose: tc.all}); err != nil {
				t.Fatal(err)
			}
			text := out.String()
			i := strings.Index(text, "\nhotpatch: ")
			if i < 0 {
				t.Fatalf("no report:\n%s", text)
			}
			got := []byte(text[i+1:])
			path := filepath.Join("testdata", tc.name)
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("report differs from %s (run with -update after checking):\n%s", path, got)
			}
			if lines := strings.Count(string(got), "\n"); !tc.all && lines > 40 {
				t.Errorf("the short report has %d lines: more than a screen", lines)
			}
		})
	}
}

// TestHotpatchJSONGolden checks the "hotpatch" member of the -json output
// (the Assessment: verdict, reason, counts per rule, findings with their
// readers and bytes, the image facts) against a golden file.
func TestHotpatchJSONGolden(t *testing.T) {
	old, new, _ := writePair(t)
	var out bytes.Buffer
	if err := run(context.Background(), &out, old, new, config{json: true, all: true, top: 20, hotpatch: true}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Hotpatch json.RawMessage `json:"hotpatch"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := json.Indent(&got, doc.Hotpatch, "", "  "); err != nil {
		t.Fatal(err)
	}
	got.WriteByte('\n')
	path := filepath.Join("testdata", "hotpatch.json.golden")
	if *update {
		if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("JSON differs from %s (run with -update after checking):\n%s", path, got.Bytes())
	}
	for _, key := range []string{`"verdict"`, `"reason"`, `"byRule"`, `"oldFacts"`, `"timeDateStamp"`} {
		if !bytes.Contains(want, []byte(key)) {
			t.Errorf("golden JSON lacks %s", key)
		}
	}
	if bytes.Contains(want, []byte(`"Format"`)) || bytes.Contains(want, []byte(`"zero_fill"`)) {
		t.Errorf("golden JSON has keys that are not camelCase")
	}
}
