package cadence

import (
	"fmt"
	"time"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// A MonthError reports a month outside January..December.
type MonthError struct {
	Year  int        // the year given with the month
	Month time.Month // the month out of range
}

// Error describes the problem, naming the value.
func (e *MonthError) Error() string {
	return fmt.Sprintf("cadence: month %d of %d out of range 1..12", int(e.Month), e.Year)
}

// A DateError reports a date that does not exist, such as February 30 or
// the zero Date.
type DateError struct {
	Date hotpatch.Date // the date as given
}

// Error describes the problem, naming the value.
func (e *DateError) Error() string {
	return fmt.Sprintf("cadence: no such date %04d-%02d-%02d", e.Date.Year, int(e.Date.Month), e.Date.Day)
}

// A RangeError reports a date range whose end is before its start.
type RangeError struct {
	From, To hotpatch.Date // the range as given
}

// Error describes the problem, naming the value.
func (e *RangeError) Error() string {
	return fmt.Sprintf("cadence: range ends (%v) before it starts (%v)", e.To, e.From)
}

// A RingError reports a ring setting out of its allowed range, such as a
// negative deferral.
type RingError struct {
	Ring    string // the ring's name
	Setting string // "deferral", "deadline" or "grace period"
	Days    int    // the offending value
	Reason  string // what the value must be
}

// Error describes the problem, naming the value.
func (e *RingError) Error() string {
	return fmt.Sprintf("cadence: ring %q: %s of %d days: %s", e.Ring, e.Setting, e.Days, e.Reason)
}

// An AvailabilityError reports an Availability probability outside [0, 1].
type AvailabilityError struct {
	Setting string  // "DayOff" or "WeekOff"
	Value   float64 // the offending value
}

// Error describes the problem, naming the value.
func (e *AvailabilityError) Error() string {
	return fmt.Sprintf("cadence: availability %s = %v: want a probability in [0, 1]", e.Setting, e.Value)
}

// An OverrideError reports a calendar override that contradicts itself or an
// earlier override, or names a month or day that does not exist.
type OverrideError struct {
	Index    int      // position in CalendarOptions.Overrides
	Override Override // the offending override
	Err      error    // what is wrong; a *MonthError or *DateError for bad dates
}

// Error describes the problem, naming the value.
func (e *OverrideError) Error() string {
	return fmt.Sprintf("cadence: override %d (%v): %v", e.Index, e.Override, e.Err)
}

// Unwrap returns Err.
func (e *OverrideError) Unwrap() error { return e.Err }
