package main

import (
	"os"
	"strings"
	"testing"
)

// TestQuickstart runs the tour as a newcomer would and checks that every
// section printed and the binary diff worked (it cross-builds two Windows
// programs with the go command).
func TestQuickstart(t *testing.T) {
	out, err := os.CreateTemp(t.TempDir(), "stdout")
	if err != nil {
		t.Fatal(err)
	}
	stdout, args := os.Stdout, os.Args
	os.Stdout, os.Args = out, []string{"quickstart"}
	defer func() { os.Stdout, os.Args = stdout, args }()
	main()
	got, err := os.ReadFile(out.Name())
	if err != nil {
		t.Fatal(err)
	}
	text := string(got)
	for _, want := range []string{
		"== Builds and the catalog ==",
		"== Hotpatch-aware security level ==",
		"== Device verdicts ==",
		"calendar (Windows 11) ==",
		"== What a patch changed, function by function ==",
		"hotpatchable in memory: ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "\ndiff: ") {
		t.Errorf("the diff failed:\n%s", text)
	}
}
