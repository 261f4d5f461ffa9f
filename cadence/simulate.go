package cadence

import (
	"errors"
	"fmt"
	"iter"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// MissedBaseline chooses what a hotpatch device that is not on the current
// baseline gets in a hotpatch month. Microsoft's texts differ (the LCU
// [S1a–S1d]; the baseline, then hotpatches again [S7]) and it stays
// UNCONFIRMED which is exact.
type MissedBaseline uint8

const (
	// CatchUpBaseline installs the quarter's baseline together with the
	// month's hotpatch, with one restart; later hotpatches install without
	// restarting. This is the 2026 guidance: "If an enrolled device is not
	// on the latest baseline, Autopatch will first install that baseline
	// update, which requires a restart. After that, future security fixes
	// will apply without reboots." [S7] It is the default.
	CatchUpBaseline MissedBaseline = iota

	// LCUUntilBaseline installs the standard cumulative update (restart)
	// and every month after it, until the next baseline: the 2024–2025
	// Learn text ("receive the LCU" [S1a–S1d]) read with the Server 2025
	// rule that a non-hotpatch update in a hotpatch month gives "regular
	// non-hotpatch updates until, and including, the next baseline month"
	// [S4b].
	LCUUntilBaseline
)

var missedNames = []string{"catch-up-baseline", "lcu-until-baseline"}

// String returns "catch-up-baseline" or "lcu-until-baseline".
func (m MissedBaseline) String() string { return enumName(missedNames, "MissedBaseline", int(m)) }

// MarshalText returns the String form.
func (m MissedBaseline) MarshalText() ([]byte, error) {
	return enumMarshal(missedNames, "MissedBaseline", int(m))
}

// UnmarshalText accepts the String form.
func (m *MissedBaseline) UnmarshalText(b []byte) error {
	return enumUnmarshal(missedNames, "MissedBaseline", b, (*uint8)(m))
}

// RestartPolicy chooses when a device restarts after installing an update
// that needs a restart.
type RestartPolicy uint8

const (
	// RestartAtDeadline restarts when the ring forces it: Deadline days
	// after the offer, but not before Grace days after the install, on the
	// first day the device is online [S18]. This is the latest restart the
	// policy allows, the bound the Autopatch service level is stated in
	// (deferral + deadline), and the default.
	RestartAtDeadline RestartPolicy = iota

	// RestartOnInstall restarts the day the update installs, as for a
	// user who restarts when asked or an automatic restart outside active
	// hours ("Auto restart before deadline: Yes" [S18]).
	RestartOnInstall
)

var restartNames = []string{"at-deadline", "on-install"}

// String returns "at-deadline" or "on-install".
func (p RestartPolicy) String() string { return enumName(restartNames, "RestartPolicy", int(p)) }

// MarshalText returns the String form.
func (p RestartPolicy) MarshalText() ([]byte, error) {
	return enumMarshal(restartNames, "RestartPolicy", int(p))
}

// UnmarshalText accepts the String form.
func (p *RestartPolicy) UnmarshalText(b []byte) error {
	return enumUnmarshal(restartNames, "RestartPolicy", b, (*uint8)(p))
}

// Options configure a Simulation. The zero value uses the documented
// defaults.
type Options struct {
	MissedBaseline MissedBaseline `json:"missedBaseline"` // what a device off the baseline gets in a hotpatch month
	Restart        RestartPolicy  `json:"restart"`        // when a device restarts

	// OutOfBandToHotpatch offers out-of-band releases that need a restart
	// (standard cumulative updates) to devices on hotpatch too, which then
	// take standard updates until the next baseline [S4b]. By default they
	// go only to devices not on hotpatch: Microsoft calls offering one to
	// hotpatch machines a mistake [S34], and hotpatches after such a
	// release still build on the baseline before it [S3]. UNCONFIRMED as a
	// general rule.
	OutOfBandToHotpatch bool `json:"outOfBandToHotpatch"`
}

// A Device is a device to simulate: its facts, its static hotpatch
// eligibility, its deployment ring and when it is online.
type Device struct {
	hotpatch.Device

	// Eligible reports whether the device meets the static hotpatch
	// prerequisites (licence, edition, build, VBS, Arm64 CHPE, hotpatch
	// policy [S1, S2, S7]) — an eligibility
	// policy's verdict. A device that is not eligible, or whose verdict is
	// unknown, takes the standard cumulative update (restart) every month
	// [S1a–S1d]. The dynamic rules (on the current baseline, knocked off
	// by a non-hotpatch update) are simulated, not taken from here.
	Eligible bool

	// Behind reports that the device is not on the current baseline when
	// the simulation starts; by default it is.
	Behind bool

	Ring   Ring         // the deployment ring the device is in
	Online Availability // the days the device is online
}

// Validate checks the device's ring and availability.
func (d *Device) Validate() error {
	if err := d.Ring.Validate(); err != nil {
		return err
	}
	return d.Online.Validate()
}

// An Action is what a device did with a release.
type Action uint8

const (
	ActionNone      Action = iota // not installed within the period
	ActionSkipped                 // superseded by a later cumulative release, or not offered to this device
	ActionHotpatch                // installed as a hotpatch, no restart
	ActionBaseline                // installed the baseline, restart
	ActionLCU                     // installed the standard cumulative update, restart
	ActionCatchUp                 // installed the missed baseline with the month's hotpatch, restart [S7]
	ActionOutOfBand               // installed an out-of-band release, with a restart if it needs one
)

var actionNames = []string{"none", "skipped", "hotpatch", "baseline", "lcu", "catch-up", "out-of-band"}

// String returns the action's name: "none", "skipped", "hotpatch",
// "baseline", "lcu", "catch-up" or "out-of-band".
func (a Action) String() string { return enumName(actionNames, "Action", int(a)) }

// MarshalText returns the String form.
func (a Action) MarshalText() ([]byte, error) { return enumMarshal(actionNames, "Action", int(a)) }

// UnmarshalText accepts the String form.
func (a *Action) UnmarshalText(b []byte) error {
	return enumUnmarshal(actionNames, "Action", b, (*uint8)(a))
}

// An Outcome is what happened to one release on one device. Dates that did
// not happen within the simulated period are zero. An Outcome holds no
// pointers, so a Timeline costs the garbage collector nothing to scan.
type Outcome struct {
	Action Action `json:"action"` // what the device did with the release

	Offered   hotpatch.Date `json:"offered"`   // the ring offered the release
	Installed hotpatch.Date `json:"installed"` // the device installed it
	Restarted hotpatch.Date `json:"restarted"` // the device restarted for it

	// Protected is the first day the device ran this release's fixes or a
	// later release's (releases are cumulative): the install day of a
	// hotpatch, the restart day of an update that needs a restart.
	Protected hotpatch.Date `json:"protected"`

	// DaysToProtection is Protected minus the release day, or -1 when the
	// device was not protected by the end of the period.
	DaysToProtection int `json:"daysToProtection"`
}

// A Timeline is one device's simulated period.
type Timeline struct {
	From hotpatch.Date `json:"from"` // the simulated period: its first day
	To   hotpatch.Date `json:"to"`   // and its last, included

	// Releases are the releases of the period, in order; Outcomes[i] is
	// what became of Releases[i]. Releases is shared by every Timeline of
	// a Simulation and must not be modified.
	Releases []Release `json:"releases"`
	Outcomes []Outcome `json:"outcomes"` // one per release

	Restarts int `json:"restarts"` // restarts within the period
}

// All returns each release with its outcome, in release order.
func (t Timeline) All() iter.Seq2[Release, Outcome] {
	return func(yield func(Release, Outcome) bool) {
		for i, o := range t.Outcomes {
			if !yield(t.Releases[i], o) {
				return
			}
		}
	}
}

// A Simulation replays a track's calendar over a period for devices. It is
// immutable and safe for concurrent use.
type Simulation struct {
	cal        *Calendar
	from, to   hotpatch.Date
	start, end day
	opts       Options
	releases   []Release
	rels       []simRelease
}

// simRelease is a release prepared for the simulation loop.
type simRelease struct {
	day     day           // release day
	cycle   day           // Patch Tuesday the ring deferral counts from
	kind    hotpatch.Kind // Baseline, Hotpatch or OutOfBand
	restart bool
	// base numbers the baseline in force: 0 is the one before the
	// period; each baseline in the period starts a new number.
	base int32
}

// NewSimulation prepares the simulation of cal's releases from from to to,
// both inclusive. Devices start the period up to date: running the baseline
// in force on from, or a hotpatch on it (unless Device.Behind). A range
// whose end is before its start is a *RangeError.
func NewSimulation(cal *Calendar, from, to hotpatch.Date, opts Options) (*Simulation, error) {
	if cal == nil {
		return nil, errors.New("cadence: NewSimulation: nil calendar")
	}
	start, end, err := span(from, to)
	if err != nil {
		return nil, err
	}
	if opts.MissedBaseline > LCUUntilBaseline || opts.Restart > RestartOnInstall {
		return nil, fmt.Errorf("cadence: invalid options %+v", opts)
	}
	s := &Simulation{cal: cal, from: from, to: to, start: start, end: end, opts: opts}
	s.releases = cal.between(from, to, start, end)
	s.rels = make([]simRelease, len(s.releases))
	base := int32(0)
	for i, r := range s.releases {
		n := dayOfDate(r.Day)
		m := monthOf(r.Day.Year, r.Day.Month)
		cycle := patchTuesday(m)
		if cycle > n { // an out-of-band release before its month's Patch Tuesday
			cycle = patchTuesday(m - 1)
		}
		if r.Kind == hotpatch.KindBaseline {
			base++
		}
		s.rels[i] = simRelease{
			day: n, cycle: cycle, kind: r.Kind, restart: r.Restart, base: base,
		}
	}
	return s, nil
}

// Releases returns the number of releases in the period.
func (s *Simulation) Releases() int { return len(s.rels) }

// Years returns the length of the period in years of 365.2425 days.
func (s *Simulation) Years() float64 { return float64(s.end-s.start+1) / 365.2425 }

// Timeline simulates one device. It validates the device's ring and
// availability and returns their error, a *RingError or *AvailabilityError.
//
// Each release is offered Ring.Deferral days after its Patch Tuesday (an
// out-of-band release: on its day if the ring's deferral for the month has
// passed [S18]). The device installs on the first day it is online, taking
// only the newest release offered by then (releases are cumulative), and
// not while a restart is pending. What it installs follows Microsoft's
// fallback rules [S1a–S1d, S1, S4b, S7]:
//
//   - a baseline: restart; the device is on the new baseline;
//   - a hotpatch month, eligible and on the baseline: the hotpatch, no
//     restart;
//   - a hotpatch month, not eligible: the standard cumulative update,
//     restart [S1a–S1d];
//   - a hotpatch month, eligible but not on the baseline: per
//     Options.MissedBaseline;
//   - after installing a non-hotpatch update in a hotpatch month, an
//     eligible device takes standard updates until the next baseline [S4b];
//   - an out-of-band release that needs a restart is a standard update,
//     offered to devices not on hotpatch (and, with
//     Options.OutOfBandToHotpatch, to every device); one that needs none
//     is a hotpatch, offered only to devices on its baseline's train.
//
// Restarts follow Options.Restart.
func (s *Simulation) Timeline(d Device) (Timeline, error) {
	var t Timeline
	if err := s.TimelineInto(&t, d); err != nil {
		return Timeline{}, err
	}
	return t, nil
}

// TimelineInto is Timeline writing into t and reusing the storage of
// t.Outcomes: a caller that simulates devices one after another with one
// Timeline allocates nothing. On error t is unchanged.
func (s *Simulation) TimelineInto(t *Timeline, d Device) error {
	if err := d.Validate(); err != nil {
		return err
	}
	out := t.Outcomes[:0]
	if cap(out) < len(s.rels) {
		out = make([]Outcome, 0, len(s.rels))
	}
	out = out[:len(s.rels)]
	for i := range out {
		out[i] = Outcome{DaysToProtection: -1}
	}
	n := s.run(&d, out, nil)
	*t = Timeline{From: s.from, To: s.to, Releases: s.releases, Outcomes: out, Restarts: n}
	return nil
}

// Restarts returns the number of restarts of d in the period, as Timeline
// counts them, without building a timeline: it allocates nothing. A bad
// ring or availability is an error, as for Timeline.
func (s *Simulation) Restarts(d Device) (int, error) {
	if err := d.Validate(); err != nil {
		return 0, err
	}
	return s.run(&d, nil, nil), nil
}

// run simulates d and returns its restarts. It fills out, if not nil, and
// adds days to protection to acc, if not nil. It allocates nothing.
func (s *Simulation) run(d *Device, out []Outcome, acc *tally) (restarts int) {
	p := d.Online.compile()
	deferral, deadline, grace := day(d.Ring.Deferral), day(d.Ring.Deadline), day(d.Ring.Grace)
	eager := s.opts.Restart == RestartOnInstall
	st := devState{eligible: d.Eligible}
	if d.Behind {
		st.base = -1
	}
	free := s.start  // the device can install from this day on
	pending := 0     // first release not yet protected
	blocked := false // the device installs nothing more in the period
	for i := range s.rels {
		r := &s.rels[i]
		offer := max(r.day, r.cycle+deferral)
		if offer > s.end {
			break
		}
		if out != nil {
			out[i].Offered = near(s.releases[i].Day, r.day, offer)
		}
		if blocked {
			continue
		}
		act, restart, next := st.take(r, &s.opts)
		if act == ActionSkipped {
			if out != nil {
				out[i].Action = ActionSkipped
			}
			continue
		}
		inst := p.firstOnline(max(offer, free), s.end)
		if inst > s.end {
			blocked = true // offline until the end
			continue
		}
		if j := s.nextFor(i, &st); j < len(s.rels) && max(s.rels[j].day, s.rels[j].cycle+deferral) <= inst {
			if out != nil {
				out[i].Action = ActionSkipped
			}
			continue
		}
		if out != nil {
			out[i].Action = act
			out[i].Installed = near(s.releases[i].Day, r.day, inst)
		}
		done := inst
		if restart {
			if !eager {
				done = p.firstOnline(max(offer+deadline, inst+grace), s.end)
				if done > s.end {
					blocked = true // the restart is still pending at the end
					continue
				}
			}
			restarts++
			if out != nil {
				out[i].Restarted = near(s.releases[i].Day, r.day, done)
			}
		}
		st = next
		free = done
		var doneDate hotpatch.Date
		if out != nil {
			doneDate = out[i].Installed
			if restart {
				doneDate = out[i].Restarted
			}
		}
		for k := pending; k <= i; k++ {
			days := int(done - s.rels[k].day)
			if out != nil {
				out[k].Protected = doneDate
				out[k].DaysToProtection = days
			}
			if acc != nil {
				acc.days[days]++
			}
		}
		pending = i + 1
	}
	if acc != nil {
		acc.unprotected += int64(len(s.rels) - pending)
		acc.restarts[restarts]++
	}
	return restarts
}

// devState is what decides how a device takes a release.
type devState struct {
	eligible bool
	offTrain bool  // took a non-hotpatch update in a hotpatch month [S4b]
	base     int32 // the baseline the device runs; -1 if none known
}

// take returns what the device does with r under opts, whether that
// restarts, and the state after. ActionSkipped means r is not offered to
// the device.
func (st devState) take(r *simRelease, opts *Options) (Action, bool, devState) {
	next := st
	onHotpatch := st.eligible && !st.offTrain
	switch r.kind {
	case hotpatch.KindBaseline:
		next.base, next.offTrain = r.base, false
		return ActionBaseline, true, next
	case hotpatch.KindHotpatch:
		switch {
		case !st.eligible:
			return ActionLCU, true, next
		case onHotpatch && st.base == r.base:
			return ActionHotpatch, false, next
		case onHotpatch && opts.MissedBaseline == CatchUpBaseline:
			next.base = r.base
			return ActionCatchUp, true, next
		}
		next.offTrain = true
		return ActionLCU, true, next
	}
	// Out of band: a hotpatch goes to devices on the train of its baseline,
	// a standard update to devices not on hotpatch.
	if !r.restart {
		if onHotpatch && st.base == r.base {
			return ActionOutOfBand, false, next
		}
		return ActionSkipped, false, next
	}
	if onHotpatch {
		if !opts.OutOfBandToHotpatch {
			return ActionSkipped, false, next
		}
		next.offTrain = true
	}
	return ActionOutOfBand, true, next
}

// nextFor returns the index of the first release after i that is offered to
// a device in state st, or len(s.rels).
func (s *Simulation) nextFor(i int, st *devState) int {
	for j := i + 1; j < len(s.rels); j++ {
		if act, _, _ := st.take(&s.rels[j], &s.opts); act != ActionSkipped {
			return j
		}
	}
	return len(s.rels)
}
