package binarydiff

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Fixture programs: two versions of a small Go program, cross-built for
// windows/amd64. v2 changes an immediate in check, removes gone, adds
// added, and main calls added instead of gone. Both link the same
// packages (strings.Repeat, which gone calls, and what it calls are the
// only library code of one alone). Like every Go program the tests build,
// they import neither fmt nor os (see fxMatrix).
const fxV1 = `package main

import "strings"

// arg stands for the program's input (a variable, so that the calls in
// main are not folded away).
var arg = "fixture"

//go:noinline
func check(n int) bool { return n > 3 }

//go:noinline
func compute(a, b int) int { return a*7 + b }

//go:noinline
func gone(s string) string { return strings.Repeat(s, 3) + "gone" }

func main() {
	println(check(len(arg)), compute(len(arg), 2), gone(arg), strings.ToUpper(arg))
}
`

const fxV2 = `package main

import "strings"

// arg stands for the program's input (a variable, so that the calls in
// main are not folded away).
var arg = "fixture"

//go:noinline
func check(n int) bool { return n > 4 }

//go:noinline
func compute(a, b int) int { return a*7 + b }

//go:noinline
func added(xs []string) (n int) {
	for _, x := range xs {
		n += len(x) * 13
	}
	return n
}

func main() {
	println(check(len(arg)), compute(len(arg), 2), added([]string{arg}), strings.ToUpper(arg))
}
`

// The Go programs the tests diff, built here with the go command: the
// fixture pair above (fxv1, fxv2) and testdata/realbin/*.go (v1, v2,
// data1-3). Cross-compiling the standard library for a target is most of
// the cost of a cold test run: about 11 s of CPU per target for what fmt
// and os need, 6 s for the runtime and the strconv and strings these
// programs import, so none of them imports fmt or os (nor do
// testdata/hotpatch/go and the quickstart's programs, built for
// windows/amd64 too: any one of them importing fmt would bring the 11 s
// back). The programs are built once per test process, each target's
// builds in one goroutine (the first compiles the library, the rest only
// link), the targets in parallel, into a temporary directory that
// TestMain removes.
//
// fxMatrix lists the builds most tests use; TestMain starts them all at
// once (PrefetchFixtures) unless -short or -run narrows the run, in which
// case each is built on first use, as the few other builds
// (GoFixtureMode's) always are.
var fxMatrix = []fxBuildSet{
	{fxTarget{"windows", "amd64"}, []fxBuildKey{
		{"", "fxv1", ""}, {"", "fxv2", ""}, {"", "v1", ""}, {"", "v2", ""}, {"-s -w", "v1", ""}, {"-s -w", "v2", ""}}},
	{fxTarget{"windows", "arm64"}, []fxBuildKey{{"", "v1", ""}, {"", "v2", ""}, {"-s -w", "v1", ""}, {"-s -w", "v2", ""}}},
	{fxTarget{"windows", "386"}, []fxBuildKey{{"", "v1", ""}, {"", "v2", ""}}},
	{fxTarget{"linux", "amd64"}, []fxBuildKey{{"-s -w", "v1", ""}, {"-s -w", "v2", ""}}},
}

type fxTarget struct{ goos, goarch string }

// fxBuildKey names one program built with one set of link flags and a
// build mode ("" for the default).
type fxBuildKey struct{ ldflags, prog, mode string }

type fxBuildSet struct {
	target fxTarget
	builds []fxBuildKey
}

// fxSource returns a program's source and module path. The module path is
// the same for both versions of a program, so that with -trimpath their
// file names do not differ.
func fxSource(prog string) (src []byte, module string, err error) {
	switch prog {
	case "fxv1":
		return []byte(fxV1), "example.com/fixture", nil
	case "fxv2":
		return []byte(fxV2), "example.com/fixture", nil
	case "v1", "v2", "data1", "data2", "data3":
		src, err := os.ReadFile(filepath.Join("testdata", "realbin", prog+".go"))
		return src, "realbin", err
	}
	return nil, "", fmt.Errorf("no fixture program %q", prog)
}

var (
	fxDirOnce sync.Once
	fxDir     string // the temporary directory of this process's builds
	fxDirErr  error
	fxBuilds  sync.Map // fxTarget, fxBuildKey → *fxResult
	fxLocks   sync.Map // fxTarget → *sync.Mutex: one build at a time per target
	fxClosed  atomic.Bool
)

type fxResult struct {
	once sync.Once
	path string
	err  error
}

// errNoGo reports that the go command is not on the PATH.
var errNoGo = errors.New("go command not found")

// fxProgram returns the path of prog built for target with ldflags,
// building it on first use.
func fxProgram(target fxTarget, key fxBuildKey) (string, error) {
	v, _ := fxBuilds.LoadOrStore([2]any{target, key}, &fxResult{})
	r := v.(*fxResult)
	r.once.Do(func() {
		mu, _ := fxLocks.LoadOrStore(target, &sync.Mutex{})
		mu.(*sync.Mutex).Lock()
		defer mu.(*sync.Mutex).Unlock()
		r.path, r.err = fxDoBuild(target, key)
	})
	return r.path, r.err
}

func fxDoBuild(target fxTarget, key fxBuildKey) (string, error) {
	if fxClosed.Load() {
		return "", errors.New("fixtures removed")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		return "", errNoGo
	}
	fxDirOnce.Do(func() { fxDir, fxDirErr = os.MkdirTemp("", "binarydiff-fixtures-") })
	if fxDirErr != nil {
		return "", fxDirErr
	}
	src, module, err := fxSource(key.prog)
	if err != nil {
		return "", err
	}
	work := filepath.Join(fxDir, "src", target.goos+"-"+target.goarch+"-"+strings.ReplaceAll(key.ldflags, " ", "")+"-"+key.prog+"-"+key.mode)
	if err := os.MkdirAll(work, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(work, "main.go"), src, 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(work, "go.mod"), []byte("module "+module+"\n\ngo 1.24\n"), 0o644); err != nil {
		return "", err
	}
	out := work + ".exe"
	args := []string{"build", "-ldflags=" + key.ldflags, "-o", out, "."}
	if key.mode != "" {
		args = append(args[:1], append([]string{"-buildmode=" + key.mode}, args[1:]...)...)
	}
	if target != (fxTarget{runtime.GOOS, runtime.GOARCH}) {
		// -trimpath keeps the file names of the two versions equal. Not
		// for the host: built as the test binary was, its standard library
		// comes from the build cache, not compiled again (the two versions
		// then differ in one byte of a file name: data, not code).
		args = append(args[:1], append([]string{"-trimpath"}, args[1:]...)...)
	}
	cmd := exec.Command(gobin, args...)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "GOOS="+target.goos, "GOARCH="+target.goarch, "CGO_ENABLED=0",
		"GOFLAGS=-buildvcs=false", "GOWORK=off", "GOTOOLCHAIN=local")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", &buildError{fmt.Errorf("go build %s for %s/%s %s: %w", key.prog, target.goos, target.goarch, key.ldflags, err), string(msg)}
	}
	return out, nil
}

// PrefetchFixtures starts building every program of fxMatrix, each
// target in its own goroutine, and returns at once. If the builds still
// run after fxNoticeAfter (a cold build cache: the standard library is
// being compiled for each target), it says so once on the terminal: go
// test shows a passing package's output only when the package is done,
// and nothing at all of it when testing several packages, so a long
// silence would look like a hang.
func PrefetchFixtures() {
	if _, err := exec.LookPath("go"); err != nil {
		return
	}
	var wg sync.WaitGroup
	var targets []string
	for _, set := range fxMatrix {
		targets = append(targets, set.target.goos+"/"+set.target.goarch)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, key := range set.builds {
				fxProgram(set.target, key)
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	go func() {
		select {
		case <-done:
		case <-time.After(fxNoticeAfter):
			TellTerminal("binarydiff: building its Go test programs for " + strings.Join(targets, ", ") +
				"; with a cold build cache this compiles the standard library for each cross target (about 20 s of CPU)")
		}
	}()
}

// fxNoticeAfter is how long the fixture builds run before PrefetchFixtures
// says what it is building: with a warm build cache they take 2-4 s.
const fxNoticeAfter = 8 * time.Second

// TellTerminal writes line to the controlling terminal, if there is one
// (not in CI, nor on Windows, where there is no /dev/tty): the one way a
// passing package's test binary is heard during go test ./....
func TellTerminal(line string) {
	tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0)
	if err != nil {
		return
	}
	defer tty.Close()
	fmt.Fprintln(tty, line)
}

// RemoveFixtures waits for the builds in progress and removes the
// directory of the built programs.
func RemoveFixtures() {
	fxLocks.Range(func(_, mu any) bool {
		mu.(*sync.Mutex).Lock()
		defer mu.(*sync.Mutex).Unlock()
		return true
	})
	fxClosed.Store(true)
	fxLocks.Range(func(_, mu any) bool {
		mu.(*sync.Mutex).Lock() // a build that started since waits or sees fxClosed
		defer mu.(*sync.Mutex).Unlock()
		return true
	})
	if fxDir != "" {
		os.RemoveAll(fxDir)
	}
}

// GoFixture returns the path of prog (fxv1, fxv2, v1 or v2) built for
// goos/goarch with ldflags. It skips the test when the go command is
// missing and fails it when the build fails.
func GoFixture(tb testing.TB, goos, goarch, ldflags, prog string) string {
	tb.Helper()
	return goFixture(tb, fxTarget{goos, goarch}, fxBuildKey{ldflags, prog, ""})
}

// GoFixtureMode returns the path of prog (a testdata/realbin program)
// built for windows/amd64 with -buildmode=mode.
func GoFixtureMode(tb testing.TB, prog, mode string) string {
	tb.Helper()
	return goFixture(tb, fxTarget{"windows", "amd64"}, fxBuildKey{"", prog, mode})
}

func goFixture(tb testing.TB, target fxTarget, key fxBuildKey) string {
	tb.Helper()
	path, err := fxProgram(target, key)
	if errors.Is(err, errNoGo) {
		tb.Skip("cannot build Go fixtures: go command not found")
	}
	if err != nil {
		tb.Fatal(err)
	}
	return path
}

// fxBuild returns the path of src (fxV1 or fxV2) built for windows/amd64.
func fxBuild(tb testing.TB, src string) string {
	tb.Helper()
	switch src {
	case fxV1:
		return GoFixture(tb, "windows", "amd64", "", "fxv1")
	case fxV2:
		return GoFixture(tb, "windows", "amd64", "", "fxv2")
	}
	tb.Fatal("fxBuild: not a fixture source (add it to fxSource and fxMatrix)")
	return ""
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

func (e *buildError) Unwrap() error { return e.err }

// fxOpen opens a fixture image and closes it when the test ends.
func fxOpen(tb testing.TB, src string) *Binary {
	tb.Helper()
	b, err := Open(context.Background(), fxBuild(tb, src))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { b.Close() })
	return b
}
