package hotpatch

import (
	"fmt"
	"strings"
)

// A Constraint is a set of builds described by comparisons, such as
// ">= 26100.1742, < 26200". Commas join comparisons that must all hold;
// "||" joins alternatives. A build written with fewer than four parts is
// completed as ParseBuild does, so "< 26200" means "< 10.0.26200.0".
//
// Constraints are hand-written rather than built on semantic versioning:
// Windows builds have four numeric parts and no pre-release or build
// metadata, and semver's caret and tilde ranges have no meaning for them, so
// mapping builds onto semver would add rules a reader must unlearn.
//
// The zero Constraint matches every build.
type Constraint struct {
	text string
	any  [][]comparison // OR of ANDs
}

type comparison struct {
	op    string
	build Build
}

// ParseConstraint parses a constraint. Operators are =, ==, !=, <, <=, > and
// >=; a bare build means =. The error is a *ParseError wrapping ErrSyntax or
// ErrRange.
func ParseConstraint(s string) (Constraint, error) {
	c := Constraint{text: strings.TrimSpace(s)}
	if c.text == "" {
		return Constraint{}, parseErr("constraint", s, fmt.Errorf("%w: empty", ErrSyntax))
	}
	for _, alt := range strings.Split(c.text, "||") {
		var all []comparison
		for _, term := range strings.Split(alt, ",") {
			cmp, err := parseComparison(strings.TrimSpace(term))
			if err != nil {
				return Constraint{}, parseErr("constraint", s, err)
			}
			all = append(all, cmp)
		}
		c.any = append(c.any, all)
	}
	return c, nil
}

func parseComparison(term string) (comparison, error) {
	if term == "" {
		return comparison{}, fmt.Errorf("%w: empty comparison", ErrSyntax)
	}
	op := "="
	for _, o := range []string{">=", "<=", "!=", "==", ">", "<", "="} {
		if strings.HasPrefix(term, o) {
			op, term = o, strings.TrimSpace(term[len(o):])
			break
		}
	}
	if op == "==" {
		op = "="
	}
	b, err := ParseBuild(term)
	if err != nil {
		return comparison{}, err.(*ParseError).Err // ParseBuild's errors are all *ParseError
	}
	return comparison{op: op, build: b}, nil
}

// MustParseConstraint is like ParseConstraint but panics on error.
func MustParseConstraint(s string) Constraint {
	c, err := ParseConstraint(s)
	if err != nil {
		panic(err)
	}
	return c
}

// Check reports whether b satisfies the constraint.
func (c Constraint) Check(b Build) bool {
	if len(c.any) == 0 {
		return true
	}
	for _, all := range c.any {
		if allHold(all, b) {
			return true
		}
	}
	return false
}

func allHold(all []comparison, b Build) bool {
	for _, t := range all {
		d := b.Compare(t.build)
		var ok bool
		switch t.op {
		case "=":
			ok = d == 0
		case "!=":
			ok = d != 0
		case "<":
			ok = d < 0
		case "<=":
			ok = d <= 0
		case ">":
			ok = d > 0
		case ">=":
			ok = d >= 0
		}
		if !ok {
			return false
		}
	}
	return true
}

// String returns the constraint as it was written.
func (c Constraint) String() string { return c.text }

// MarshalText returns the constraint as it was written.
func (c Constraint) MarshalText() ([]byte, error) { return []byte(c.text), nil }

// UnmarshalText parses a constraint; "" decodes to the zero Constraint.
func (c *Constraint) UnmarshalText(text []byte) error {
	if strings.TrimSpace(string(text)) == "" {
		*c = Constraint{}
		return nil
	}
	v, err := ParseConstraint(string(text))
	if err != nil {
		return err
	}
	*c = v
	return nil
}
