package cadence

import (
	_ "embed"
	"iter"
	"sync"
	"time"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// ReleaseHour is the hour of day, in Pacific time, at which Microsoft
// typically publishes the monthly security update: "typically published at
// 10:00 AM Pacific Time" [S17].
const ReleaseHour = 10

// Pacific returns the America/Los_Angeles location in which Patch Tuesday is
// defined: the system's zone database when it has the zone, otherwise a copy
// of that one zone compiled into this package (IANA tzdata 2025c, 1294
// bytes, from Go's lib/time/zoneinfo.zip). So Pacific works on machines
// without zoneinfo files, and programs that import cadence do not pay for
// the whole embedded database of time/tzdata (about 450 KB), which the
// standard library leaves to main packages.
func Pacific() *time.Location { return pacific() }

//go:embed zoneinfo/America_Los_Angeles
var losAngelesTZif []byte

var pacific = sync.OnceValue(func() *time.Location {
	if loc, err := time.LoadLocation("America/Los_Angeles"); err == nil {
		return loc
	}
	loc, err := time.LoadLocationFromTZData("America/Los_Angeles", losAngelesTZif)
	if err != nil {
		panic("cadence: embedded America/Los_Angeles zone is invalid: " + err.Error())
	}
	return loc
})

// PatchTuesday returns the monthly security ("B") release time of the given
// month: the second Tuesday at 10:00 AM Pacific time [S17]. The result is in
// the Pacific location, so its offset is -07:00 in daylight saving time and
// -08:00 otherwise.
//
// The second Tuesday falls between the 8th and the 14th. A month outside
// January..December is a *MonthError.
func PatchTuesday(year int, month time.Month) (time.Time, error) {
	if month < time.January || month > time.December {
		return time.Time{}, &MonthError{Year: year, Month: month}
	}
	return time.Date(year, month, patchTuesdayDay(year, month), ReleaseHour, 0, 0, 0, pacific()), nil
}

// patchTuesdayDay returns the day of the month of the second Tuesday.
func patchTuesdayDay(year int, month time.Month) int {
	first := dayOf(year, month, 1).weekday()
	return 1 + floorMod(int(time.Tuesday)-int(first), 7) + 7
}

// patchTuesday returns the second Tuesday of month i as a day number.
func patchTuesday(i monthIndex) day {
	y, m := i.split()
	return dayOf(y, m, patchTuesdayDay(y, m))
}

// PatchTuesdays returns the Patch Tuesdays (as PatchTuesday reports them)
// whose calendar day falls in [from, to], both inclusive, in order. A range
// whose end is before its start is a *RangeError.
func PatchTuesdays(from, to hotpatch.Date) (iter.Seq[time.Time], error) {
	lo, hi, err := span(from, to)
	if err != nil {
		return nil, err
	}
	return func(yield func(time.Time) bool) {
		for i := monthOf(from.Year, from.Month); i <= monthOf(to.Year, to.Month); i++ {
			if d := patchTuesday(i); d >= lo && d <= hi {
				y, m := i.split()
				t, _ := PatchTuesday(y, m)
				if !yield(t) {
					return
				}
			}
		}
	}, nil
}

// span checks a date range and returns it as day numbers.
func span(from, to hotpatch.Date) (day, day, error) {
	if err := checkDate(from); err != nil {
		return 0, 0, err
	}
	if err := checkDate(to); err != nil {
		return 0, 0, err
	}
	if to.Before(from) {
		return 0, 0, &RangeError{From: from, To: to}
	}
	return dayOfDate(from), dayOfDate(to), nil
}

// checkDate rejects dates whose fields are out of range (2025-13-01,
// 2025-02-30, the zero Date), which would otherwise be normalized silently.
func checkDate(d hotpatch.Date) error {
	if d.Month < time.January || d.Month > time.December {
		return &MonthError{Year: d.Year, Month: d.Month}
	}
	if d.Day < 1 || dayOfDate(d).date() != d {
		return &DateError{Date: d}
	}
	return nil
}
