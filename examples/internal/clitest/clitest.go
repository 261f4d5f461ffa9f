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

// Golden runs the command with each argument list, checks that each exits
// with status code and, unless code is 0, prints nothing on stdout, and
// compares the results with the golden file at path, or rewrites it if
// update is true.
func Golden(t *testing.T, path string, update bool, code int, cases ...[]string) {
	t.Helper()
	var got strings.Builder
	for i, args := range cases {
		r := Run(t, args...)
		if r.Code != code || code != 0 && r.Stdout != "" {
			t.Errorf("%v: exit %d, stdout %q; want exit %d and no output", args, r.Code, r.Stdout, code)
		}
		if i > 0 {
			got.WriteString("\n")
		}
		got.WriteString(r.String())
	}
	if update {
		if err := os.WriteFile(path, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if got.String() != string(want) {
		t.Errorf("output differs from %s (run with -update after a deliberate change and review the diff):\n%s", path, got.String())
	}
}

// A Case is a command line and the exit status it should have.
type Case struct {
	Args []string
	Code int
}

// Usage runs each case, as for -h or a bad command line, and checks its
// exit status, that stdout is empty and that stderr shows the usage
// (contains usage). The usage text itself is not compared: it changes with
// every flag.
func Usage(t *testing.T, usage string, cases ...Case) {
	t.Helper()
	for _, c := range cases {
		r := Run(t, c.Args...)
		if r.Code != c.Code || r.Stdout != "" || !strings.Contains(r.Stderr, usage) {
			t.Errorf("%v: exit %d, want %d; stdout %q; stderr %q", c.Args, r.Code, c.Code, r.Stdout, r.Stderr)
		}
	}
}
