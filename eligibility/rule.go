package eligibility

import (
	"github.com/patchmodel/patchmodel/hotpatch"
)

// A Rule is one documented condition for receiving hotpatches, as data: what
// it asks, where Microsoft (or, marked so, someone else) says it, when it is
// in force, how to check it and how to fix a device that fails it.
//
// A Rule's Check must be a pure function of the device: it must not keep
// state between calls, and should not allocate, because a policy evaluates
// millions of devices with it, concurrently. It takes the device by value so
// that evaluating a device on the stack allocates nothing.
type Rule struct {
	// ID is a short stable name, such as "vbs" or "license". Rules with
	// the same ID replace each other in a policy; reports group by it.
	ID string `json:"id"`

	// Title says what the rule requires, in one line.
	Title string `json:"title"`

	// Source names the sources of the rule by their tags in
	// hotpatch.Sources (listed in SOURCES.md), such as "S1d S2".
	Source string `json:"source"`

	// URL is where a reader can check the rule: the page of its first
	// source.
	URL string `json:"url"`

	// From and Until bound the period in which the rule is in force:
	// From ≤ day < Until. A zero From or Until leaves that side open.
	From  hotpatch.Date `json:"from,omitzero"`
	Until hotpatch.Date `json:"until,omitzero"`

	// Dispute, when not empty, says what about the rule the sources leave
	// open; findings marked Disputed cite it.
	Dispute string `json:"dispute,omitempty"`

	// Remedy says what an administrator does to make a failing device pass.
	Remedy string `json:"remedy"`

	// Check evaluates the rule on a device. Its Finding's Why is a
	// constant phrase; Fact adds the device's values when a reason is
	// rendered.
	Check func(d hotpatch.Device) Finding `json:"-"`

	// Fact renders the device facts the rule reads, such as "VBS Not
	// enabled", so that a reason names the device's actual values. It is
	// called only when a reason is rendered, never on the hot path.
	Fact func(d *hotpatch.Device) string `json:"-"`

	// Fix, if not nil, sets the fact the rule reads to a value that passes
	// it. Fleet reports use it to count how many devices a remedy would
	// make eligible, by evaluating the fixed device again.
	Fix func(d *hotpatch.Device) `json:"-"`
}

// InForce reports whether the rule applies on day.
func (r *Rule) InForce(day hotpatch.Date) bool {
	if !r.From.IsZero() && day.Before(r.From) {
		return false
	}
	if !r.Until.IsZero() && !day.Before(r.Until) {
		return false
	}
	return true
}

// A Finding is what a rule's Check says: the outcome and why, in a constant
// phrase that does not repeat the device's value (Rule.Fact renders that).
type Finding struct {
	Why     string  `json:"why"`
	Outcome Outcome `json:"outcome"`

	// Disputed marks an Unknown outcome that is unknown because the sources
	// disagree, not because a fact is missing. A policy's Stance may turn
	// it into Fail or Pass; the mark stays so that reports can say so.
	Disputed bool `json:"disputed,omitempty"`
}

// PassBecause returns a passing finding. The phrase is constant; the
// device's values are added by Rule.Fact when a reason is shown.
func PassBecause(why string) Finding { return Finding{Outcome: Pass, Why: why} }

// FailBecause returns a failing finding.
func FailBecause(why string) Finding { return Finding{Outcome: Fail, Why: why} }

// UnknownBecause returns an Unknown finding for a missing fact.
func UnknownBecause(why string) Finding { return Finding{Outcome: Unknown, Why: why} }

// DisputedBecause returns an Unknown finding for a question the sources
// dispute; a policy's Stance may resolve it to Fail or Pass.
func DisputedBecause(why string) Finding {
	return Finding{Outcome: Unknown, Why: why, Disputed: true}
}

// resolve applies a stance to a finding.
func (f Finding) resolve(s Stance) Finding {
	if !f.Disputed || f.Outcome != Unknown {
		return f
	}
	switch s {
	case Strict:
		f.Outcome = Fail
	case Lenient:
		f.Outcome = Pass
	}
	return f
}
