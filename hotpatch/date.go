package hotpatch

import (
	"cmp"
	"fmt"
	"time"
)

// A Date is a day in the proleptic Gregorian calendar, with no time of day
// and no zone, such as a release date "2025-01-14". The zero Date means
// "unknown".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the day on which t falls, in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate parses the ISO form 2006-01-02.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, parseErr("date", s, fmt.Errorf("%w: want YYYY-MM-DD", ErrSyntax))
	}
	return DateOf(t), nil
}

// In returns midnight at the start of d in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// AddDays returns d plus n days (n may be negative).
func (d Date) AddDays(n int) Date { return Date{d.Year, d.Month, d.Day + n}.normalize() }

func (d Date) normalize() Date { return DateOf(d.In(time.UTC)) }

// DaysSince returns the number of days from e to d (negative if d is earlier).
func (d Date) DaysSince(e Date) int {
	return int(d.In(time.UTC).Sub(e.In(time.UTC)).Hours() / 24)
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	return cmp.Or(cmp.Compare(d.Year, e.Year), cmp.Compare(d.Month, e.Month), cmp.Compare(d.Day, e.Day))
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// String returns the ISO form 2006-01-02, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// MarshalText returns the ISO form.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses the ISO form; "" decodes to the zero Date.
func (d *Date) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(text))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
