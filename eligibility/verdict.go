package eligibility

import (
	"cmp"
	"encoding/json"
	"iter"
	"strings"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// A Verdict is the outcome of every rule of a policy on one device, in the
// policy's rule order, and the overall Status: Eligible if every rule
// passed, NotEligible if any failed, Undecided otherwise.
//
// A Verdict is a plain value, made without allocating: the findings sit in
// a fixed-size array and their reasons are rendered only when asked for
// (Results, String, MarshalJSON). The zero Verdict has no rules and is
// Undecided.
type Verdict struct {
	Status Status
	Device hotpatch.Device // the device evaluated

	policy   *Policy
	n        uint8
	findings [MaxRules]Finding
}

// Policy returns the policy that gave the verdict.
func (v *Verdict) Policy() *Policy { return v.policy }

// Len returns the number of rules evaluated.
func (v *Verdict) Len() int { return int(v.n) }

// Rule returns the i'th rule evaluated, 0 ≤ i < Len. The rule belongs to
// the policy and must not be modified.
func (v *Verdict) Rule(i int) *Rule { return &v.policy.rules[i] }

// Finding returns the finding of the i'th rule, 0 ≤ i < Len.
func (v *Verdict) Finding(i int) Finding { return v.findings[i] }

// Eligible reports whether the status is Eligible.
func (v *Verdict) Eligible() bool { return v.Status == Eligible }

// Findings returns each rule with its finding, in rule order. The rules
// belong to the policy and must not be modified.
func (v *Verdict) Findings() iter.Seq2[*Rule, Finding] {
	return func(yield func(*Rule, Finding) bool) {
		for i := range v.Len() {
			if !yield(v.Rule(i), v.findings[i]) {
				return
			}
		}
	}
}

// Outcome returns the outcome of the rule with the given ID, and false if
// the policy has no such rule.
func (v *Verdict) Outcome(id string) (Outcome, bool) {
	for i := range v.Len() {
		if v.policy.rules[i].ID == id {
			return v.findings[i].Outcome, true
		}
	}
	return Unknown, false
}

// A Result is one rule's finding on one device, rendered for people and
// programs: the reason names the device's values.
type Result struct {
	Rule     string  `json:"rule"`
	Title    string  `json:"title"`
	Outcome  Outcome `json:"outcome"`
	Reason   string  `json:"reason"`             // "VBS Not enabled: VBS is not enabled"
	Disputed string  `json:"disputed,omitempty"` // the conflict, for a disputed finding
	Remedy   string  `json:"remedy,omitempty"`   // for a rule that did not pass
	Source   string  `json:"source"`             // source tags, see hotpatch.Sources
	URL      string  `json:"url,omitempty"`
}

// Results renders every finding, in rule order.
func (v *Verdict) Results() []Result {
	rs := make([]Result, 0, v.Len())
	for r, f := range v.Findings() {
		res := Result{
			Rule:    r.ID,
			Title:   r.Title,
			Outcome: f.Outcome,
			Reason:  f.Why,
			Source:  r.Source,
			URL:     r.URL,
		}
		if r.Fact != nil {
			res.Reason = r.Fact(&v.Device) + ": " + f.Why
		}
		if f.Disputed {
			res.Disputed = cmp.Or(r.Dispute, "the sources disagree")
		}
		if f.Outcome != Pass {
			res.Remedy = r.Remedy
		}
		rs = append(rs, res)
	}
	return rs
}

// Blocking returns the IDs of the rules that did not pass, in rule order.
func (v *Verdict) Blocking() []string {
	var ids []string
	for r, f := range v.Findings() {
		if f.Outcome != Pass {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// String returns a one-line summary: the device, the status and the rules
// that did not pass with their outcomes.
func (v Verdict) String() string {
	var b strings.Builder
	b.WriteString(deviceName(&v.Device))
	b.WriteString(": ")
	b.WriteString(v.Status.String())
	sep := " ("
	for r, f := range v.Findings() {
		if f.Outcome == Pass {
			continue
		}
		b.WriteString(sep)
		b.WriteString(r.ID)
		b.WriteByte(' ')
		b.WriteString(f.Outcome.String())
		sep = ", "
	}
	if sep == ", " {
		b.WriteByte(')')
	}
	return b.String()
}

func deviceName(d *hotpatch.Device) string {
	switch {
	case d.Name != "" && d.ID != "" && d.Name != d.ID:
		return d.Name + " [" + d.ID + "]"
	case d.ID != "":
		return d.ID
	case d.Name != "":
		return d.Name
	}
	return "(unnamed device)"
}

// An Explanation is a verdict rendered for people and programs: the form a
// Verdict takes in JSON, which round-trips through encoding/json.
type Explanation struct {
	Device    string         `json:"device"` // name [ID]
	Track     hotpatch.Track `json:"track"`  // the policy's track
	AsOf      hotpatch.Date  `json:"asOf"`   // the policy's day
	Status    Status         `json:"status"`
	Results   []Result       `json:"results"` // in rule order
	Stance    Stance         `json:"stance"`  // how disputed findings were resolved
	ThisMonth *Offer         `json:"thisMonth,omitempty"`
}

// Explain renders the verdict, with this month's offer.
func (v *Verdict) Explain() Explanation {
	e := Explanation{Device: deviceName(&v.Device), Status: v.Status, Results: v.Results()}
	if v.policy != nil {
		e.Track, e.AsOf, e.Stance = v.policy.track, v.policy.asOf, v.policy.opts.Disputed
		o := v.Offer()
		e.ThisMonth = &o
	}
	return e
}

// MarshalJSON encodes the verdict as its Explanation.
func (v Verdict) MarshalJSON() ([]byte, error) { return json.Marshal(v.Explain()) }
