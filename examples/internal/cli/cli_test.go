package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"testing"
)

func TestRun(t *testing.T) {
	for _, c := range []struct {
		name           string
		err            error
		code           int
		stdout, stderr string
	}{
		{"success", nil, 0, "report\n", ""},
		{"help", flag.ErrHelp, 0, "", ""},
		{"usage", Usage(errors.New("want one file")), 2, "", "cmd: want one file\n"},
		{"failure", fmt.Errorf("reading: %w", io.ErrUnexpectedEOF), 1, "", "cmd: reading: unexpected EOF\n"},
	} {
		var stdout, stderr bytes.Buffer
		code := Run("cmd", nil, &stdout, &stderr, func(_ []string, out, _ io.Writer) error {
			fmt.Fprintln(out, "report")
			return c.err
		})
		if code != c.code || stdout.String() != c.stdout || stderr.String() != c.stderr {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want %d, %q, %q", c.name, code, stdout.String(), stderr.String(), c.code, c.stdout, c.stderr)
		}
	}
}

func TestParse(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
	}{{[]string{"-h"}, 0}, {[]string{"-x"}, 2}, {[]string{"-n", "1"}, 0}} {
		var stdout, stderr bytes.Buffer
		code := Run("cmd", c.args, &stdout, &stderr, func(args []string, _, stderr io.Writer) error {
			fs := flag.NewFlagSet("cmd", flag.ContinueOnError)
			fs.SetOutput(stderr)
			fs.Int("n", 0, "a number")
			return Parse(fs, args)
		})
		if code != c.code || stdout.Len() != 0 {
			t.Errorf("%v: exit %d, stdout %q; want %d", c.args, code, stdout.String(), c.code)
		}
		// The flag package prints a parse error and the usage; Run adds nothing.
		if c.code == 2 && bytes.Count(stderr.Bytes(), []byte("flag provided but not defined")) != 1 {
			t.Errorf("%v: stderr %q", c.args, stderr.String())
		}
	}
}
