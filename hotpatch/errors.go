package hotpatch

import (
	"errors"
	"fmt"
)

// Sentinel errors, wrapped by the typed errors below and testable with
// errors.Is.
var (
	// ErrSyntax reports text that is not in the expected form.
	ErrSyntax = errors.New("invalid syntax")
	// ErrRange reports a number too large for its field.
	ErrRange = errors.New("value out of range")
	// ErrUnknown reports a well-formed name that this package does not know.
	ErrUnknown = errors.New("unknown value")
	// ErrNotFound reports a KB number or build that the catalog does not hold.
	ErrNotFound = errors.New("not found")
)

// ParseError records a failure to parse a value of some type from text.
// It names the value, so a message about one row of an inventory can be
// understood without the row.
type ParseError struct {
	Type  string // what was being parsed: "build", "edition", "KB", ...
	Value string // the text that did not parse
	Err   error  // ErrSyntax, ErrRange or ErrUnknown, possibly wrapped
}

// Error implements error.
func (e *ParseError) Error() string {
	return fmt.Sprintf("hotpatch: parsing %s %q: %v", e.Type, e.Value, e.Err)
}

// Unwrap returns the underlying error, for errors.Is and errors.As.
func (e *ParseError) Unwrap() error { return e.Err }

func parseErr(typ, value string, err error) error {
	return &ParseError{Type: typ, Value: value, Err: err}
}

// NotFoundError reports a catalog lookup that found nothing. It wraps
// ErrNotFound.
type NotFoundError struct {
	What string // "KB", "build", "baseline", "release", ...
	Key  string // the key that was looked up
}

// Error implements error.
func (e *NotFoundError) Error() string {
	return fmt.Sprintf("hotpatch: %s %s not found in catalog", e.What, e.Key)
}

// Unwrap returns the underlying error, for errors.Is and errors.As.
func (e *NotFoundError) Unwrap() error { return ErrNotFound }
