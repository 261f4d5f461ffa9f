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
const BaselineRule = eligibility.BaselineRule

// FromVerdict returns the simulated device of an eligibility verdict:
// Eligible when every rule other than BaselineRule passes (and there is
// at least one: an undecided verdict is not eligible), and Behind
// unless BaselineRule passes. A rule that could not decide (a missing fact,
// or a question the sources dispute, under the policy's stance) counts
// against eligibility: such a device is simulated on the standard
// cumulative update, as Microsoft says of devices that do not meet the
// prerequisites [S1a–S1d]; a policy built with eligibility.Options.Disputed
// set to Lenient or Strict settles disputed questions first. Ring and
// Online are left zero for the caller.
func FromVerdict(v *eligibility.Verdict) Device {
	d := Device{Device: v.Device, Behind: true}
	static := 0 // rules other than BaselineRule: with none, nothing was decided
	for r, f := range v.Findings() {
		if r.ID == BaselineRule {
			d.Behind = f.Outcome != eligibility.Pass
			continue
		}
		if static++; f.Outcome != eligibility.Pass {
			return d
		}
	}
	d.Eligible = static > 0
	return d
}

// Devices evaluates each device under e and returns the simulated devices
// (FromVerdict), Ring and Online left for the caller.
func Devices(devices iter.Seq[hotpatch.Device], e eligibility.Evaluator) iter.Seq[Device] {
	return func(yield func(Device) bool) {
		for hd := range devices {
			v := e.Evaluate(hd)
			d := FromVerdict(&v)
			if !yield(d) {
				return
			}
		}
	}
}
