package binarydiff_test

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/patchmodel/patchmodel/binarydiff"
)

// TestMain pins the seed of the rapid property tests unless RAPID_SEED or
// -rapid.seed chooses one, so that `go test ./...` checks the same cases on
// every run. The properties also hold for random seeds (RAPID_SEED=0 go
// test ./binarydiff -run TestProperty -rapid.checks=2000 explores), within
// the limits the package documentation lists under "Limits", which the
// properties are drawn to stay clear of (see their comments).
//
// It also starts building the Go fixture programs in the background when
// the whole package is tested (see fxMatrix), removes them at the end, and
// says in one line which tests skip for want of an optional C toolchain.
func TestMain(m *testing.M) {
	flag.Parse()
	chosen := os.Getenv("RAPID_SEED") != ""
	flag.Visit(func(f *flag.Flag) { chosen = chosen || f.Name == "rapid.seed" })
	if !chosen {
		flag.Set("rapid.seed", "20261127")
	}
	if run := flag.Lookup("test.run"); !testing.Short() && run != nil && run.Value.String() == "" {
		binarydiff.PrefetchFixtures()
	}
	code := m.Run()
	binarydiff.RemoveFixtures()
	if s := missingTools(); s != "" {
		fmt.Println(s)
		if !testing.Verbose() { // go test shows stdout only with -v or on a failure
			binarydiff.TellTerminal(s)
		}
	}
	os.Exit(code)
}

// optionalTools lists the C toolchains some tests build with, the tests
// that skip without them, and the Debian package that has them.
var optionalTools = []struct{ tool, tests, pkg string }{
	{"gcc", "TestELF*", "gcc"},
	{"strip", "TestELFStripped", "binutils"},
	{"x86_64-w64-mingw32-gcc", "TestRealC", "gcc-mingw-w64-x86-64"},
	{"i686-w64-mingw32-gcc", "TestPE32Real", "gcc-mingw-w64-i686"},
	{"clang", "TestPEArm64Pdata, TestSameRTTI", "clang"},
	{"lld-link", "TestPEArm64Pdata, TestSameRTTI", "lld"},
}

// missingTools returns one line naming the missing optional tools and the
// tests they skip, or "" when all are installed.
func missingTools() string {
	var missing, pkgs []string
	for _, t := range optionalTools {
		if _, err := exec.LookPath(t.tool); err != nil {
			missing = append(missing, t.tool+" ("+t.tests+")")
			pkgs = append(pkgs, t.pkg)
		}
	}
	if len(missing) == 0 {
		return ""
	}
	return "binarydiff: skipped tests for want of " + strings.Join(missing, ", ") +
		"; to run them: apt-get install -y " + strings.Join(pkgs, " ")
}
