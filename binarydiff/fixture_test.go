package binarydiff

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// Fixture programs: two versions of a small Go program, cross-built for
// windows/amd64. v2 changes an immediate in check, removes gone, adds
// added, and main calls added instead of gone.
const fxV1 = `package main

import (
	"fmt"
	"os"
	"strings"
)

//go:noinline
func check(n int) bool { return n > 3 }

//go:noinline
func compute(a, b int) int { return a*7 + b }

//go:noinline
func gone(s string) string { return strings.Repeat(s, 3) + "gone" }

func main() {
	fmt.Println(check(len(os.Args)), compute(len(os.Args), 2), gone(os.Args[0]))
}
`

const fxV2 = `package main

import (
	"fmt"
	"os"
)

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
	fmt.Println(check(len(os.Args)), compute(len(os.Args), 2), added(os.Args))
}
`

var fxCache sync.Map // source → *fxResult

type fxResult struct {
	once sync.Once
	path string
	err  error
}

// fxBuild cross-builds src for windows/amd64 and returns the image path.
// Images are cached by source and toolchain under the user cache
// directory, so test runs after the first build nothing.
func fxBuild(tb testing.TB, src string) string {
	tb.Helper()
	path, err := fxBuildPath(src)
	if err != nil {
		tb.Skipf("cannot build windows/amd64 fixture: %v", err)
	}
	return path
}

func fxBuildPath(src string) (string, error) {
	v, _ := fxCache.LoadOrStore(src, &fxResult{})
	r := v.(*fxResult)
	r.once.Do(func() { r.path, r.err = fxDoBuild(src) })
	return r.path, r.err
}

func fxDoBuild(src string) (string, error) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(runtime.Version() + "\x00" + src))
	key := hex.EncodeToString(sum[:8])
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	dir := filepath.Join(base, "patchmodel", "binarydiff-fixtures", key)
	out := filepath.Join(dir, "prog.exe")
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	work, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	if err := os.WriteFile(filepath.Join(work, "main.go"), []byte(src), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(work, "go.mod"), []byte("module example.com/fixture\n\ngo 1.24\n"), 0o644); err != nil {
		return "", err
	}
	tmp := filepath.Join(work, "prog.exe")
	cmd := exec.Command(gobin, "build", "-trimpath", "-o", tmp, ".")
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=-mod=mod", "GOWORK=off")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", &buildError{err, string(msg)}
	}
	return out, os.Rename(tmp, out) // atomic: concurrent test processes may race
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

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
