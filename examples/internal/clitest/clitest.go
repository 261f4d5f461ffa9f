// Package clitest runs an example command's main function in a child
// process, as a user would, and compares its exit status, standard output
// and standard error with a golden file.
package clitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

const argsEnv = "PATCHMODEL_CLITEST_ARGS"

// Main is a test binary's TestMain: in a child started by Run it calls
// main with the child's arguments instead of running the tests. main is
// expected to exit; if it returns, the child exits 0.
func Main(m *testing.M, name string, main func()) {
	if args, ok := os.LookupEnv(argsEnv); ok {
		var a []string
		if err := json.Unmarshal([]byte(args), &a); err != nil {
			fmt.Fprintln(os.Stderr, "clitest:", err)
			os.Exit(100)
		}
		os.Args = append([]string{name}, a...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// A Result is what a run of a command produced.
type Result struct {
	Args           []string
	Code           int
	Stdout, Stderr string
}

// Run runs the test binary's main (see Main) with args, in the package's
// directory.
func Run(t testing.TB, args ...string) Result {
	t.Helper()
	data, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), argsEnv+"="+string(data))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return Result{Args: args, Code: cmd.ProcessState.ExitCode(), Stdout: stdout.String(), Stderr: stderr.String()}
}

// String renders r for a golden file.
func (r Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "$ %s\nexit %d\n", strings.Join(r.Args, " "), r.Code)
	for _, s := range []struct{ name, text string }{{"stdout", r.Stdout}, {"stderr", r.Stderr}} {
		fmt.Fprintf(&b, "--- %s\n%s", s.name, s.text)
		if s.text != "" && !strings.HasSuffix(s.text, "\n") {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// Golden runs the command with each argument list and compares the results
// with the golden file at path, or rewrites it if update is true.
func Golden(t *testing.T, path string, update bool, cases ...[]string) []Result {
	t.Helper()
	var got strings.Builder
	var results []Result
	for i, args := range cases {
		r := Run(t, args...)
		results = append(results, r)
		if i > 0 {
			got.WriteString("\n")
		}
		got.WriteString(r.String())
	}
	if update {
		if err := os.WriteFile(path, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return results
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if got.String() != string(want) {
		t.Errorf("output differs from %s (run with -update after a deliberate change and review the diff):\n%s", path, got.String())
	}
	return results
}
