package hotpatch

import (
	"fmt"
	"strings"
)

// enum describes one enumerated type: for each value its stable text token
// (used by MarshalText and JSON) and its display name (used by String), plus
// the other spellings inventories contain. Parsing ignores case, spaces and
// punctuation, so "Windows 11 Enterprise", "windows-11-enterprise" and
// "Windows11Enterprise" are one key.
type enum struct {
	typ    string
	tokens []string // index = value; tokens[0] is the unknown value
	names  []string
	byKey  map[string]int

	// prefixes are product names that may lead the text ("Windows 11
	// Enterprise"); parse retries without them.
	prefixes []string
}

func newEnum(typ string, tokens, names []string, aliases map[string]int) *enum {
	e := &enum{typ: typ, tokens: tokens, names: names, byKey: map[string]int{}}
	for i := range tokens {
		e.byKey[key(tokens[i])] = i
		e.byKey[key(names[i])] = i
	}
	for a, v := range aliases {
		e.byKey[key(a)] = v
	}
	return e
}

// key folds text to lower-case letters and digits.
func key(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			b.WriteByte(c)
		case 'A' <= c && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		}
	}
	return b.String()
}

// parse returns the value text names. Empty text and "unknown" are the
// unknown value (0); anything else not known is a *ParseError wrapping
// ErrUnknown.
func (e *enum) parse(text string) (int, error) {
	k := key(text)
	if k == "" {
		return 0, nil
	}
	if v, ok := e.byKey[k]; ok {
		return v, nil
	}
	for _, p := range e.prefixes {
		if rest, ok := strings.CutPrefix(k, p); ok && rest != "" {
			if v, ok := e.byKey[rest]; ok {
				return v, nil
			}
		}
	}
	return 0, parseErr(e.typ, text, ErrUnknown)
}

func (e *enum) token(v int) string {
	if v < 0 || v >= len(e.tokens) {
		return fmt.Sprintf("%s(%d)", e.typ, v)
	}
	return e.tokens[v]
}

func (e *enum) name(v int) string {
	if v < 0 || v >= len(e.names) {
		return fmt.Sprintf("%s(%d)", e.typ, v)
	}
	return e.names[v]
}

func (e *enum) marshal(v int) ([]byte, error) {
	if v < 0 || v >= len(e.tokens) {
		return nil, fmt.Errorf("hotpatch: invalid %s value %d", e.typ, v)
	}
	return []byte(e.tokens[v]), nil
}

func init() {
	// Longest first, so "windows11" is tried before "windows".
	editionEnum.prefixes = []string{
		"microsoftwindowsserver2025", "microsoftwindowsserver2022", "microsoftwindowsserver2019",
		"windowsserver2025", "windowsserver2022", "windowsserver2019", "windowsserver2016",
		"microsoftwindows11", "microsoftwindows10", "microsoftwindowsserver",
		"windowsserver", "windows11", "windows10", "windows",
	}
	licenseEnum.prefixes = []string{"microsoft365", "m365", "windows11", "windows10", "windows"}
}
