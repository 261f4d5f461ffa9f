package main

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/patchmodel/patchmodel/examples/internal/catalogflag"
	"github.com/patchmodel/patchmodel/examples/internal/clitest"
	"github.com/patchmodel/patchmodel/hotpatch"
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
	builds, err := buildArgs(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := tour(hotpatch.Embedded(), catalogflag.Today(), builds); err != nil {
		t.Errorf("tour: %v", err)
	}
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
		// withdraw's body changed, audit is new and reads a new string:
		// by the rule table the patch carries both, and what else changed
		// (pclntab, funcdata, the runtime's text section map) is
		// regenerated metadata.
		"hotpatchable in memory: true (patchable: ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}

}

var update = flag.Bool("update", false, "rewrite the golden files")

func TestMain(m *testing.M) { clitest.Main(m, "quickstart", main) }

// TestExitGolden runs the command as a user would with builds it cannot
// parse and compares exit status, stdout and stderr with
// testdata/errors.golden: exit 2 and nothing on stdout, not a tour with an
// error in it.
func TestExitGolden(t *testing.T) {
	clitest.Golden(t, "testdata/errors.golden", *update, 2,
		[]string{"10.0.abc"}, []string{"26100.4851", "26100.x"}, []string{"26100.4851", "10.0.26100.1.2"})
}

// TestExitUsage checks the exit status of -h (0) and of a bad flag (2),
// with nothing on stdout.
func TestExitUsage(t *testing.T) {
	clitest.Usage(t, "usage: quickstart", clitest.Case{Args: []string{"-h"}}, clitest.Case{Args: []string{"-help"}},
		clitest.Case{Args: []string{"-bogus"}, Code: 2})
}
