package cadence

import "github.com/patchmodel/patchmodel/hotpatch"

// A Ring is a deployment ring: the Windows Update ring policy settings that
// decide when a device in it is offered a quality update and when it must
// restart [S18]. All durations are whole days.
//
// The zero Ring offers every update on release day and restarts at once,
// like Autopatch's Test ring.
type Ring struct {
	Name string // such as "Ring1"; used in errors and output

	// Deferral is the number of days after Patch Tuesday before the update
	// is offered (CSP Update/DeferQualityUpdatesPeriodInDays), 0 to 30.
	Deferral int

	// Deadline is the number of days after the offer before a restart is
	// forced (CSP Update/ConfigureDeadlineForQualityUpdates), 0 to 30.
	Deadline int

	// Grace is the minimum number of days after a device installs before an
	// automatic restart; it extends the deadline for devices that come
	// online late (CSP Update/ConfigureDeadlineGracePeriod), 0 to 7.
	Grace int
}

// AutopatchRings returns the deployment rings of a default Windows Autopatch
// group, Test, Ring1, Ring2, Ring3 and Last, with the quality update
// settings Microsoft documents today: AutopatchRingsOn(AutopatchRings2025).
//
// Autopatch splits devices between Ring1, Ring2 and Ring3 as 1%, 9% and 90%
// by default (third-party capture of the Autopatch API); Test and Last are
// assigned by hand. The slice is new on each call.
func AutopatchRings() []Ring { return AutopatchRingsOn(AutopatchRings2025) }

// AutopatchRings2025 is the date of the Microsoft Learn text whose preset
// default policy values give Ring2 a quality update deferral of 5 days (was
// 6) and Last 10 (was 11), deadlines and grace periods unchanged, "for
// restart-sensitive devices where the deadline and grace period aren't
// configured" [S44, ms.date 2025-03-31].
var AutopatchRings2025 = hotpatch.Date{Year: 2025, Month: 3, Day: 31}

// AutopatchRingsOn returns the default Autopatch group rings as Microsoft
// documented them on day d: before AutopatchRings2025 the values of the
// "Windows Autopatch Update Policy - default - <ring>" policies of 2024
// [S18], from it the newer preset defaults [S44]:
//
//	ring   deferral (2024 → 2025)  deadline  grace
//	Test   0                       0         0
//	Ring1  1                       2         2
//	Ring2  6 → 5                   2         2
//	Ring3  9                       5         2
//	Last   11 → 10                 3         2
//
// The slice is new on each call.
func AutopatchRingsOn(d hotpatch.Date) []Ring {
	ring2, last := 5, 10
	if d.Before(AutopatchRings2025) {
		ring2, last = 6, 11
	}
	return []Ring{
		{Name: "Test", Deferral: 0, Deadline: 0, Grace: 0},
		{Name: "Ring1", Deferral: 1, Deadline: 2, Grace: 2},
		{Name: "Ring2", Deferral: ring2, Deadline: 2, Grace: 2},
		{Name: "Ring3", Deferral: 9, Deadline: 5, Grace: 2},
		{Name: "Last", Deferral: last, Deadline: 3, Grace: 2},
	}
}

// Limits of the ring settings [S18, S19]. MaxDeadline is the range of the
// Policy CSP setting (Policy CSP - Update, ConfigureDeadlineForQualityUpdates:
// https://learn.microsoft.com/windows/client-management/mdm/policy-csp-update).
const (
	MaxDeferral = 30 // Update/DeferQualityUpdatesPeriodInDays; Graph qualityUpdateRing.deferralInDays 0–30
	MaxDeadline = 30 // Update/ConfigureDeadlineForQualityUpdates 0–30
	MaxGrace    = 7  // Update/ConfigureDeadlineGracePeriod 0–7
)

// Validate reports a setting out of range as a *RingError: a negative
// value, or one over MaxDeferral, MaxDeadline or MaxGrace.
func (r Ring) Validate() error {
	switch {
	case r.Deferral < 0:
		return &RingError{Ring: r.Name, Setting: "deferral", Days: r.Deferral, Reason: "negative"}
	case r.Deferral > MaxDeferral:
		return &RingError{Ring: r.Name, Setting: "deferral", Days: r.Deferral, Reason: "over the 30-day maximum"}
	case r.Deadline < 0:
		return &RingError{Ring: r.Name, Setting: "deadline", Days: r.Deadline, Reason: "negative"}
	case r.Deadline > MaxDeadline:
		return &RingError{Ring: r.Name, Setting: "deadline", Days: r.Deadline, Reason: "over the 30-day maximum"}
	case r.Grace < 0:
		return &RingError{Ring: r.Name, Setting: "grace period", Days: r.Grace, Reason: "negative"}
	case r.Grace > MaxGrace:
		return &RingError{Ring: r.Name, Setting: "grace period", Days: r.Grace, Reason: "over the 7-day maximum"}
	}
	return nil
}
