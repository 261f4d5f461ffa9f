package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestRunDamaged diffs a pair whose new image was cut to a third: the text
// output says the image is degraded and lists its first warnings, and
// -json carries them all.
func TestRunDamaged(t *testing.T) {
	old, new, _ := writePair(t)
	p, err := os.ReadFile(new)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(new, p[:len(p)/3], 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), &out, old, new, config{top: 20}); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	if !strings.Contains(text, "new image DEGRADED: ") || !strings.Contains(text, "new image: ") {
		t.Errorf("damage not reported:\n%s", text)
	}
	out.Reset()
	if err := run(context.Background(), &out, old, new, config{json: true, all: true, top: 20}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Parse struct {
			Old, New struct {
				Degraded string `json:"degraded"`
				Warnings []struct {
					Off int64  `json:"off"`
					Msg string `json:"msg"`
				} `json:"warnings"`
			}
		} `json:"parse"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Parse.New.Degraded == "" || len(doc.Parse.New.Warnings) == 0 || doc.Parse.Old.Degraded != "" {
		t.Errorf("-json parse member: %+v", doc.Parse)
	}
}
