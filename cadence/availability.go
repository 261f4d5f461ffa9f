package cadence

import (
	"math"
	"time"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// An Availability says on which days a device is online, able to install
// updates and restart. The zero Availability is always online.
//
// Random absence is a pure function of Seed and the day: the same Seed gives
// the same days off, whatever else is simulated and in whatever order, and
// two simulations of one device (hotpatch on and off) see the same absences.
type Availability struct {
	// WorkingDays limits the device to Monday through Friday, as for a
	// laptop taken home or shut down at weekends.
	WorkingDays bool

	// DayOff is the probability that a device is away on a given day
	// (illness, travel), independently of other days.
	DayOff float64

	// WeekOff is the probability that a device is away for a whole
	// Monday-to-Sunday week (vacation), independently of other weeks;
	// runs of such weeks make longer absences.
	WeekOff float64

	// Seed selects the random days and weeks off.
	Seed uint64
}

// AlwaysOn is online every day.
var AlwaysOn = Availability{}

// Validate reports a probability outside [0, 1] (or NaN) as an
// *AvailabilityError.
func (a Availability) Validate() error {
	if !(a.DayOff >= 0 && a.DayOff <= 1) {
		return &AvailabilityError{Setting: "DayOff", Value: a.DayOff}
	}
	if !(a.WeekOff >= 0 && a.WeekOff <= 1) {
		return &AvailabilityError{Setting: "WeekOff", Value: a.WeekOff}
	}
	return nil
}

// Online reports whether the device is online on day d. The result for an
// invalid Availability is unspecified.
func (a Availability) Online(d hotpatch.Date) bool {
	o := a.compile()
	return o.online(dayOfDate(d))
}

// presence is an Availability compiled for the simulation loop: the
// probabilities become thresholds on a 64-bit hash.
type presence struct {
	workingDays bool
	dayOff      uint64 // a day is off when hash < dayOff
	weekOff     uint64
	seed        uint64
}

func (a Availability) compile() presence {
	return presence{workingDays: a.WorkingDays, dayOff: threshold(a.DayOff), weekOff: threshold(a.WeekOff), seed: a.Seed}
}

// threshold maps probability p to the count of 64-bit hashes below it.
func threshold(p float64) uint64 {
	switch {
	case !(p > 0):
		return 0
	case p >= 1:
		return math.MaxUint64
	}
	return uint64(p * (1 << 64))
}

// Salts keep the day and week hashes of one seed independent.
const (
	saltDay  = 0x9e3779b97f4a7c15
	saltWeek = 0xc2b2ae3d27d4eb4f
)

func (p *presence) online(n day) bool {
	if p.workingDays {
		if wd := n.weekday(); wd == time.Saturday || wd == time.Sunday {
			return false
		}
	}
	if p.weekOff != 0 && mix(p.seed^saltWeek, uint64(n.week())) < p.weekOff {
		return false
	}
	if p.dayOff != 0 && mix(p.seed^saltDay, uint64(int64(n))) < p.dayOff {
		return false
	}
	return true
}

// firstOnline returns the first day in [from, limit] on which the device is
// online, or limit+1 if there is none.
func (p *presence) firstOnline(from, limit day) day {
	for n := from; n <= limit; n++ {
		if p.online(n) {
			return n
		}
	}
	return limit + 1
}

// mix hashes (seed, x) with the SplitMix64 finalizer.
func mix(seed, x uint64) uint64 {
	z := seed + x*0xbf58476d1ce4e5b9 + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
