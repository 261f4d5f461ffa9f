// Package cli gives the example commands one convention for exit statuses
// and output:
//
//   - exit 0 on success, and for -h or -help (the usage goes to stderr);
//   - exit 2 on a usage error: a bad flag, a missing or extra argument;
//   - exit 1 on any other error, such as an input that could not be read;
//   - on an error, nothing on stdout and one "command: error" line on
//     stderr. Standard output is held until the command succeeds, so a
//     report is never half printed or printed empty.
package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
)

// A UsageError reports a command line that cannot be run: exit status 2.
type UsageError struct {
	Err     error
	printed bool // the flag package has printed it, with the usage
}

func (e *UsageError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *UsageError) Unwrap() error { return e.Err }

// Usage wraps err as a usage error.
func Usage(err error) error { return &UsageError{Err: err} }

// Parse parses args with fs, whose ErrorHandling must be
// flag.ContinueOnError. It returns flag.ErrHelp for -h and -help, and a
// parse error (which fs has printed with the usage) as a *UsageError.
func Parse(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return &UsageError{Err: err, printed: true}
}

// Run calls run with args and a buffer for standard output, copies the
// buffer to stdout if run succeeds, prints an error to stderr as
// "name: error", and returns the exit status.
func Run(name string, args []string, stdout, stderr io.Writer, run func(args []string, stdout, stderr io.Writer) error) int {
	var out bytes.Buffer
	err := run(args, &out, stderr)
	return Exit(name, err, &out, stdout, stderr)
}

// Exit prints the outcome of a command that wrote its standard output to
// out: out goes to stdout if err is nil, else err goes to stderr. It
// returns the exit status.
func Exit(name string, err error, out *bytes.Buffer, stdout, stderr io.Writer) int {
	var ue *UsageError
	switch {
	case err == nil:
		if _, err := out.WriteTo(stdout); err != nil {
			fmt.Fprintf(stderr, "%s: writing the output: %v\n", name, err)
			return 1
		}
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		if !ue.printed {
			fmt.Fprintf(stderr, "%s: %v\n", name, err)
		}
		return 2
	}
	fmt.Fprintf(stderr, "%s: %v\n", name, err)
	return 1
}
