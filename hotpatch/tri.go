package hotpatch

import (
	"bytes"
	"strings"
)

// A Tri is a fact that may be unknown: real inventories have gaps, and a
// missing fact must never read as false. The zero value is Unknown.
//
// In JSON a Tri is true, false or null.
type Tri uint8

const (
	Unknown Tri = iota // the fact is not known
	False              // the fact is known to be false
	True               // the fact is known to be true
)

// TriOf returns True or False.
func TriOf(b bool) Tri {
	if b {
		return True
	}
	return False
}

// Known reports whether t is True or False.
func (t Tri) Known() bool { return t == True || t == False }

// String returns "true", "false" or "unknown".
func (t Tri) String() string {
	switch t {
	case True:
		return "true"
	case False:
		return "false"
	}
	return "unknown"
}

// ParseTri parses the spellings inventories use: true/false, yes/no, 1/0,
// on/off, enabled/disabled; empty text and "unknown" give Unknown. Anything
// else is a *ParseError wrapping ErrUnknown.
func ParseTri(s string) (Tri, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "y", "1", "on", "enabled":
		return True, nil
	case "false", "no", "n", "0", "off", "disabled":
		return False, nil
	case "", "unknown", "null", "n/a", "-":
		return Unknown, nil
	}
	return Unknown, parseErr("tri-state fact", s, ErrUnknown)
}

// MarshalText returns "true", "false" or "unknown".
func (t Tri) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText accepts what ParseTri accepts.
func (t *Tri) UnmarshalText(text []byte) error {
	v, err := ParseTri(string(text))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// MarshalJSON encodes true, false or null.
func (t Tri) MarshalJSON() ([]byte, error) {
	switch t {
	case True:
		return []byte("true"), nil
	case False:
		return []byte("false"), nil
	}
	return []byte("null"), nil
}

// UnmarshalJSON accepts true, false, null, or a string ParseTri accepts.
func (t *Tri) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) >= 2 && data[0] == '"' && data[len(data)-1] == '"' {
		return t.UnmarshalText(data[1 : len(data)-1])
	}
	return t.UnmarshalText(data)
}
