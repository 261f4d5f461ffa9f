package eligibility

import "fmt"

// An Outcome is what one rule says about one device.
//
// The zero value is Unknown: a rule that cannot decide, because a fact it
// needs is missing or because Microsoft's own pages disagree, never passes
// or fails by default.
type Outcome uint8

const (
	Unknown Outcome = iota // a fact is missing, or the sources disagree
	Pass                   // the device meets the rule
	Fail                   // the device does not meet the rule
)

var outcomeTokens = [...]string{"unknown", "pass", "fail"}

// String returns "unknown", "pass" or "fail".
func (o Outcome) String() string { return enumToken(outcomeTokens[:], "outcome", int(o)) }

// MarshalText returns the String form.
func (o Outcome) MarshalText() ([]byte, error) {
	return enumMarshal(outcomeTokens[:], "outcome", int(o))
}

// UnmarshalText accepts the String form.
func (o *Outcome) UnmarshalText(text []byte) error {
	return enumUnmarshal(outcomeTokens[:], "outcome", text, (*uint8)(o))
}

// A Status is the verdict on a device under a policy.
//
// The zero value is Undecided: no rule failed but at least one could not
// decide. Statuses are ordered NotEligible < Undecided < Eligible by Rank, so
// "better" has a meaning.
type Status uint8

const (
	Undecided   Status = iota // nothing failed, something is unknown
	Eligible                  // every rule passed
	NotEligible               // at least one rule failed
)

var statusTokens = [...]string{"unknown", "eligible", "not-eligible"}

// String returns "unknown", "eligible" or "not-eligible".
func (s Status) String() string { return enumToken(statusTokens[:], "status", int(s)) }

// MarshalText returns the String form.
func (s Status) MarshalText() ([]byte, error) { return enumMarshal(statusTokens[:], "status", int(s)) }

// UnmarshalText accepts the String form.
func (s *Status) UnmarshalText(text []byte) error {
	return enumUnmarshal(statusTokens[:], "status", text, (*uint8)(s))
}

// Rank orders statuses from worst to best: NotEligible 0, Undecided 1,
// Eligible 2.
func (s Status) Rank() int {
	switch s {
	case NotEligible:
		return 0
	case Eligible:
		return 2
	}
	return 1
}

// A Stance says how a policy resolves the questions Microsoft's pages
// dispute or leave open (marked UNCONFIRMED in the rules): Windows 11
// Pro under Business Premium, IoT Enterprise and Enterprise LTSC 2024,
// co-management, Windows 11 26H1 and 26H2, and what a device off the
// baseline receives.
//
// The zero value, AsUnknown, reports such a question as Unknown and cites
// the conflict: a guess is never presented as a documented fact.
type Stance uint8

const (
	AsUnknown Stance = iota // disputed questions are Unknown (default)
	Strict                  // disputed questions fail
	Lenient                 // disputed questions pass
)

var stanceTokens = [...]string{"unknown", "strict", "lenient"}

// String returns "unknown", "strict" or "lenient".
func (s Stance) String() string { return enumToken(stanceTokens[:], "stance", int(s)) }

// MarshalText returns the String form.
func (s Stance) MarshalText() ([]byte, error) { return enumMarshal(stanceTokens[:], "stance", int(s)) }

// UnmarshalText accepts the String form.
func (s *Stance) UnmarshalText(text []byte) error {
	return enumUnmarshal(stanceTokens[:], "stance", text, (*uint8)(s))
}

func enumToken(tokens []string, typ string, v int) string {
	if v < 0 || v >= len(tokens) {
		return fmt.Sprintf("%s(%d)", typ, v)
	}
	return tokens[v]
}

func enumMarshal(tokens []string, typ string, v int) ([]byte, error) {
	if v < 0 || v >= len(tokens) {
		return nil, fmt.Errorf("eligibility: invalid %s %d", typ, v)
	}
	return []byte(tokens[v]), nil
}

func enumUnmarshal(tokens []string, typ string, text []byte, dst *uint8) error {
	for i, t := range tokens {
		if string(text) == t {
			*dst = uint8(i)
			return nil
		}
	}
	return fmt.Errorf("eligibility: unknown %s %q", typ, text)
}
