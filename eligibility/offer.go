package eligibility

import (
	"fmt"
	"strings"
	"time"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// An Offer answers "will this device take this month's update without a
// restart?" under a policy: which update the device receives in the newest
// Patch Tuesday month the catalog holds as of the policy's day, whether
// installing it restarts the device, and why.
//
// In a hotpatch month an eligible device receives the hotpatch (no restart)
// and an ineligible one the month's cumulative update (restart) [S1a–S1d]; in
// a baseline month every device installs the baseline (restart) [S1c, S2].
// A device that meets every rule except the baseline one is the disputed case:
// older Learn text says it receives the LCU [S1a–S1d], newer guidance says the
// baseline first, then hotpatches [S7]. Both restart, so Restart is True
// either way; which update it is depends on the policy's Stance (AsUnknown:
// Update is the LCU and Or the baseline, Disputed set; Strict: the LCU;
// Lenient: the baseline).
type Offer struct {
	// Month is the release month the offer is about, "2026-05". It may be
	// before the policy's month when the catalog holds nothing newer.
	Month string `json:"month"`

	// Update is the update the device receives; its KB is zero when the
	// catalog does not hold it.
	Update hotpatch.Update `json:"update,omitzero"`
	// Or is the other documented candidate when the sources disagree.
	Or hotpatch.Update `json:"or,omitzero"`

	Restart   hotpatch.Tri `json:"restart"`             // installing restarts the device
	Installed bool         `json:"installed,omitempty"` // the device already runs Update
	Disputed  bool         `json:"disputed,omitempty"`  // the sources disagree on the update
	Why       string       `json:"why"`
}

// NoRestart reports whether the device will take this month's update
// without restarting, as a tri-state: unknown when eligibility or the
// month's release is unknown.
func (o Offer) NoRestart() hotpatch.Tri {
	switch o.Restart {
	case hotpatch.True:
		return hotpatch.False
	case hotpatch.False:
		return hotpatch.True
	}
	return hotpatch.Unknown
}

// offerCase classifies the offer without rendering it, for fleet counts.
type offerCase uint8

const (
	caseNoRelease offerCase = iota
	caseInstalled
	caseBaseline
	caseBaselineUnconfirmed
	caseHotpatch
	caseLCU
	caseOffBaseline
	caseUndecided
	caseNoHotpatch
	caseStale // the catalog ends before the policy's day: the month's releases are not known
)

func (c offerCase) restart() hotpatch.Tri {
	switch c {
	case caseInstalled, caseHotpatch:
		return hotpatch.False
	case caseBaseline, caseLCU, caseOffBaseline:
		return hotpatch.True
	}
	return hotpatch.Unknown
}

func (v *Verdict) offerCase() offerCase {
	if v.policy == nil {
		return caseNoRelease
	}
	tr := v.policy.train
	b := v.Device.Build
	switch {
	case tr.staleWhy != "" && v.Status == NotEligible && !v.onlyBaselineFails():
		return caseLCU // whatever this month brings, an ineligible device restarts for it
	case tr.staleWhy != "":
		return caseStale
	case tr.month.KB == 0:
		return caseNoRelease
	case !b.IsZero() && (tr.monthHP.Brings(b) || tr.monthBaseline.Brings(b) || tr.monthLCU.Brings(b)):
		return caseInstalled
	case tr.monthBaseline.KB != 0 && tr.monthBaselineUnconfirmed:
		return caseBaselineUnconfirmed
	case tr.monthBaseline.KB != 0:
		return caseBaseline
	case tr.monthHP.KB == 0:
		if v.Status == NotEligible {
			return caseLCU
		}
		return caseNoHotpatch
	}
	switch v.Status {
	case Eligible:
		return caseHotpatch
	case Undecided:
		return caseUndecided
	}
	if v.onlyBaselineFails() {
		return caseOffBaseline
	}
	return caseLCU
}

// onlyBaselineFails reports whether every rule but the baseline one passed.
func (v *Verdict) onlyBaselineFails() bool {
	off := false
	for r, f := range v.Findings() {
		switch {
		case f.Outcome == Pass:
		case r.ID == BaselineRule && f.Outcome == Fail:
			off = true
		default:
			return false
		}
	}
	return off
}

// Offer says which update the device receives this month and whether it
// restarts. See the Offer type for the rules.
func (v *Verdict) Offer() (o Offer) {
	c := v.offerCase()
	o.Restart = c.restart()
	if v.policy == nil {
		o.Why = "no policy"
		return o
	}
	tr := v.policy.train
	if tr.staleWhy != "" {
		o.Month = monthString(tr.asOf.Year, tr.asOf.Month)
		o.Why = tr.staleWhy
		if c == caseLCU {
			o.Why = fmt.Sprintf("not eligible (%s): the month's cumulative update, with a restart; its KB is not known: %s",
				strings.Join(v.Blocking(), ", "), tr.staleWhy)
		}
		return o
	}
	if tr.month.KB == 0 {
		o.Why = fmt.Sprintf("the catalog holds no %v release as of %v", tr.track, tr.asOf)
		return o
	}
	y, m := tr.month.Month()
	o.Month = monthString(y, m)
	if y != tr.asOf.Year || m != tr.asOf.Month {
		defer func() { o.Why += fmt.Sprintf(" (the catalog's newest release month is %s)", o.Month) }()
	}
	lcu := func() string {
		if tr.monthLCU.KB == 0 {
			return "the month's cumulative update (not in the catalog)"
		}
		return "cumulative update " + tr.monthLCU.KB.String()
	}
	switch c {
	case caseInstalled:
		for _, u := range []hotpatch.Update{tr.monthHP, tr.monthBaseline, tr.monthLCU} {
			if u.Brings(v.Device.Build) {
				o.Update = u
				break
			}
		}
		o.Installed = true
		o.Why = fmt.Sprintf("already runs %v, this month's %v", o.Update.KB, kindName(o.Update.Kind))
	case caseBaselineUnconfirmed:
		o.Update, o.Disputed = tr.monthBaseline, true
		o.Why = fmt.Sprintf("the catalog's %s baseline %v is UNCONFIRMED (%s): a baseline restarts, a hotpatch would not",
			o.Month, tr.monthBaseline.KB, tr.monthBaseline.Unconfirmed)
	case caseBaseline:
		o.Update = tr.monthBaseline
		o.Why = fmt.Sprintf("a baseline month: every device installs baseline %v and restarts", tr.monthBaseline.KB)
	case caseHotpatch:
		o.Update = tr.monthHP
		o.Why = fmt.Sprintf("eligible and on the baseline: hotpatch %v installs without a restart", tr.monthHP.KB)
	case caseUndecided:
		o.Update, o.Or = tr.monthHP, tr.monthLCU
		o.Why = fmt.Sprintf("eligibility unknown (%s): hotpatch %v if eligible, else %s with a restart",
			strings.Join(v.Blocking(), ", "), tr.monthHP.KB, lcu())
	case caseNoHotpatch:
		o.Update = tr.monthLCU
		o.Why = fmt.Sprintf("the catalog holds no %s hotpatch for %v: %s", o.Month, tr.track, lcu())
	case caseLCU:
		o.Update = tr.monthLCU
		o.Why = fmt.Sprintf("not eligible (%s): %s, with a restart", strings.Join(v.Blocking(), ", "), lcu())
	case caseOffBaseline:
		switch v.policy.opts.Disputed {
		case Strict:
			o.Update = tr.monthLCU
			o.Why = fmt.Sprintf("off the baseline: %s with a restart [S1a–S1d]", lcu())
		case Lenient:
			o.Update = tr.baseline
			o.Why = fmt.Sprintf("off the baseline: baseline %v with a restart, then hotpatches resume [S7]", tr.baseline.KB)
		default:
			o.Update, o.Or, o.Disputed = tr.monthLCU, tr.baseline, true
			o.Why = fmt.Sprintf("off the baseline: a restart either way; %s per Learn [S1a–S1d], or baseline %v then hotpatches per Autopatch guidance [S7] — UNCONFIRMED which",
				lcu(), tr.baseline.KB)
		}
	}
	return o
}

func monthString(y int, m time.Month) string { return fmt.Sprintf("%04d-%02d", y, int(m)) }
