// Package cadencetest provides rapid generators and a synthetic fleet for
// tests and benchmarks of code that uses package cadence, ours and
// downstream, in the way net/http/httptest serves net/http.
package cadencetest

import (
	"iter"
	"math/rand/v2"
	"strconv"

	"pgregory.net/rapid"

	"github.com/patchmodel/patchmodel/cadence"
	"github.com/patchmodel/patchmodel/hotpatch"
)

// Ring generates valid rings: deferral 0–30, deadline 0–30, grace 0–7
// days, and now and then one of the Autopatch default rings.
func Ring() *rapid.Generator[cadence.Ring] {
	return rapid.Custom(func(t *rapid.T) cadence.Ring {
		if rapid.Bool().Draw(t, "autopatch") {
			return rapid.SampledFrom(cadence.AutopatchRings()).Draw(t, "autopatchRing")
		}
		return cadence.Ring{
			Name:     "custom",
			Deferral: rapid.IntRange(0, cadence.MaxDeferral).Draw(t, "deferral"),
			Deadline: rapid.IntRange(0, cadence.MaxDeadline).Draw(t, "deadline"),
			Grace:    rapid.IntRange(0, cadence.MaxGrace).Draw(t, "grace"),
		}
	})
}

// Availability generates valid online patterns: always on, working days,
// random days and weeks off with any seed, and devices that are never on.
func Availability() *rapid.Generator[cadence.Availability] {
	prob := rapid.OneOf(rapid.Just(0.0), rapid.Float64Range(0, 0.6), rapid.Just(1.0))
	return rapid.Custom(func(t *rapid.T) cadence.Availability {
		return cadence.Availability{
			WorkingDays: rapid.Bool().Draw(t, "workingDays"),
			DayOff:      prob.Draw(t, "dayOff"),
			WeekOff:     prob.Draw(t, "weekOff"),
			Seed:        rapid.Uint64().Draw(t, "seed"),
		}
	})
}

// Device generates valid simulated devices with any eligibility, baseline
// state, ring and availability.
func Device() *rapid.Generator[cadence.Device] {
	return rapid.Custom(func(t *rapid.T) cadence.Device {
		return cadence.Device{
			Device:   hotpatch.Device{ID: rapid.StringMatching(`dev-[0-9]{1,4}`).Draw(t, "id")},
			Eligible: rapid.Bool().Draw(t, "eligible"),
			Behind:   rapid.Bool().Draw(t, "behind"),
			Ring:     Ring().Draw(t, "ring"),
			Online:   Availability().Draw(t, "online"),
		}
	})
}

// A FleetSpec describes a synthetic fleet. Shares are probabilities per
// device.
type FleetSpec struct {
	Devices int    // number of devices
	Seed    uint64 // selects every random draw

	Eligible    float64 // share of devices that are eligible for hotpatch
	Behind      float64 // share that start off the current baseline
	WorkingDays float64 // share online Monday to Friday only
	DayOff      float64 // every device's probability of a day away
	WeekOff     float64 // every device's probability of a week away

	// Rings and Weights assign rings: device i gets Rings[k] with
	// probability Weights[k]. Nil Rings means cadence.AutopatchRings with
	// the default dynamic split Ring1 1%, Ring2 9%, Ring3 90% (Test and
	// Last are assigned by hand in Autopatch, so they get none). Nil
	// Weights with Rings set means equal shares.
	Rings   []cadence.Ring // rings to assign
	Weights []float64      // share of devices per ring
}

// Fleet returns the devices of spec. The sequence is a pure function of
// spec: every device's draws come from a PCG generator seeded with
// (Seed, index), so ranging over it twice gives the same devices.
func Fleet(spec FleetSpec) iter.Seq[cadence.Device] {
	rings, weights := spec.Rings, spec.Weights
	if len(rings) == 0 {
		rings, weights = cadence.AutopatchRings(), []float64{0, 0.01, 0.09, 0.90, 0}
	}
	if weights == nil {
		weights = make([]float64, len(rings))
		for k := range weights {
			weights[k] = 1 / float64(len(rings))
		}
	}
	return func(yield func(cadence.Device) bool) {
		for i := range spec.Devices {
			r := rand.NewPCG(spec.Seed, uint64(i))
			d := cadence.Device{
				Device:   hotpatch.Device{ID: "dev-" + strconv.Itoa(i)},
				Eligible: unit(r) < spec.Eligible,
				Behind:   unit(r) < spec.Behind,
				Ring:     rings[pick(weights, unit(r))],
				Online: cadence.Availability{
					WorkingDays: unit(r) < spec.WorkingDays,
					DayOff:      spec.DayOff,
					WeekOff:     spec.WeekOff,
					Seed:        r.Uint64(),
				},
			}
			if !yield(d) {
				return
			}
		}
	}
}

// pick returns the index whose cumulative weight first exceeds u, or the
// last index.
func pick(weights []float64, u float64) int {
	var sum float64
	for k, w := range weights {
		if sum += w; u < sum {
			return k
		}
	}
	return max(len(weights)-1, 0)
}

// unit returns a uniform float64 in [0, 1).
func unit(r *rand.PCG) float64 { return float64(r.Uint64()>>11) / (1 << 53) }
