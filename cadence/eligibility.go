package cadence

import (
	"iter"

	"github.com/patchmodel/patchmodel/eligibility"
	"github.com/patchmodel/patchmodel/hotpatch"
)

// BaselineRule is the ID of the eligibility rule "on the latest baseline".
// The simulation plays that rule out month by month itself (Device.Behind
// is its starting point), so FromVerdict keeps it apart from the static
// rules.
const BaselineRule = "baseline"

// FromVerdict returns the simulated device of an eligibility verdict:
// Eligible when every rule other than BaselineRule passes, and Behind
// unless BaselineRule passes. A rule that could not decide (a missing fact,
// or a question the sources dispute, under the policy's stance) counts
// against eligibility: such a device is simulated on the standard
// cumulative update, as Microsoft says of devices that do not meet the
// prerequisites [S1a–S1d]; a policy built with eligibility.Options.Disputed
// set to Lenient or Strict settles disputed questions first. Ring and
// Online are left zero for the caller.
func FromVerdict(v *eligibility.Verdict) Device {
	d := Device{Device: v.Device, Eligible: true, Behind: true}
	for r, f := range v.Findings() {
		if r.ID == BaselineRule {
			d.Behind = f.Outcome != eligibility.Pass
		} else if f.Outcome != eligibility.Pass {
			d.Eligible = false
		}
	}
	return d
}

// Devices evaluates each device under e and returns the simulated devices
// (FromVerdict), with the ring and availability assign gives each.
func Devices(devices iter.Seq[hotpatch.Device], e eligibility.Evaluator, assign func(*Device)) iter.Seq[Device] {
	return func(yield func(Device) bool) {
		for hd := range devices {
			v := e.Evaluate(hd)
			d := FromVerdict(&v)
			if assign != nil {
				assign(&d)
			}
			if !yield(d) {
				return
			}
		}
	}
}
