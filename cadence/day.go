package cadence

import (
	"time"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// A day is a civil date as a count of days since 1970-01-01 (day 0, a
// Thursday). The simulation works on days so that its inner loop is integer
// arithmetic with no calls into package time.
type day int32

// dayOf returns the day number of the civil date y-m-d. It uses the
// days-from-civil algorithm of the proleptic Gregorian calendar, so it is
// exact for every year, including leap years and years before 1970.
func dayOf(y int, m time.Month, d int) day {
	mm := int(m)
	if mm <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400  // [0, 399]
	mp := (mm + 9) % 12 // March = 0
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy // [0, 146096]
	return day(era*146097 + doe - 719468)
}

func dayOfDate(d hotpatch.Date) day { return dayOf(d.Year, d.Month, d.Day) }

// date returns the civil date of day n (the inverse of dayOf).
func (n day) date() hotpatch.Date {
	z := int(n) + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return hotpatch.Date{Year: y, Month: time.Month(m), Day: d}
}

// weekday returns the day of the week of day n.
func (n day) weekday() time.Weekday {
	return time.Weekday(floorMod(int(n)+int(time.Thursday), 7))
}

// week returns the number of the Monday-to-Sunday week that holds day n.
func (n day) week() int { return floorDiv(int(n)+3, 7) }

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int) int { return a - floorDiv(a, b)*b }

// monthIndex numbers months consecutively: year*12 + month-1.
type monthIndex int

func monthOf(y int, m time.Month) monthIndex { return monthIndex(y*12 + int(m) - 1) }

func (i monthIndex) split() (int, time.Month) {
	return floorDiv(int(i), 12), time.Month(floorMod(int(i), 12) + 1)
}

// near returns the date of day n given that day ref is date r: within the
// same month it adds the difference, and only otherwise converts in full.
// The simulation's dates are mostly a few days after a Patch Tuesday (the
// 8th to the 14th), so most take the short path.
func near(r hotpatch.Date, ref, n day) hotpatch.Date {
	if d := r.Day + int(n-ref); d >= 1 && d <= 28 {
		r.Day = d
		return r
	}
	return n.date()
}
