package msrc

import (
	"errors"
	"fmt"
)

// ErrFormat reports input that is not a CVRF document this package can read:
// malformed XML or JSON, or a document with no tracking ID.
var ErrFormat = errors.New("not a CVRF document")

// ErrField reports a field whose value is missing or malformed.
var ErrField = errors.New("bad field")

// A ParseError locates a problem in a CVRF document: the vulnerability (by
// CVE, or by position when the CVE itself is bad), the field, the value and
// the byte offset in the input. It wraps ErrFormat or ErrField, and the
// underlying parse error if any.
type ParseError struct {
	Document string // document ID when known, "2025-Nov"
	CVE      string // the vulnerability's CVE, "" outside vulnerabilities
	Index    int    // 1-based position of the vulnerability; 0 outside vulnerabilities
	Field    string // "Remediation/FixedBuild", "ProductTree/FullProductName", ...
	Value    string // the offending text (shortened)
	Offset   int64  // byte offset in the input near the problem
	Err      error
}

// Error implements error.
func (e *ParseError) Error() string {
	where := "document"
	if e.Document != "" {
		where += " " + e.Document
	}
	if e.Index > 0 {
		where += fmt.Sprintf(", vulnerability %d", e.Index)
		if e.CVE != "" {
			where += " (" + e.CVE + ")"
		}
	}
	msg := fmt.Sprintf("msrc: %s, offset %d", where, e.Offset)
	if e.Field != "" {
		msg += ", " + e.Field
	}
	if e.Value != "" {
		msg += fmt.Sprintf(" %q", e.Value)
	}
	return msg + ": " + e.Err.Error()
}

// Unwrap returns the underlying error, for errors.Is and errors.As.
func (e *ParseError) Unwrap() error { return e.Err }

func shorten(s string) string {
	const max = 80
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
