package hotpatch

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// A Month is a calendar month, such as the release month 2026-09. The zero
// Month means "unknown".
type Month struct {
	Year  int
	Month time.Month
}

// MonthOf returns the month that d falls in.
func MonthOf(d Date) Month { return Month{d.Year, d.Month} }

// ParseMonth parses the ISO form 2006-01.
func ParseMonth(s string) (Month, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return Month{}, parseErr("month", s, fmt.Errorf("%w: want YYYY-MM", ErrSyntax))
	}
	return Month{t.Year(), t.Month()}, nil
}

// String returns the ISO form 2006-01, or "" for the zero Month.
func (m Month) String() string {
	if m.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month))
}

// MarshalText returns the ISO form.
func (m Month) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText parses the ISO form; "" decodes to the zero Month.
func (m *Month) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*m = Month{}
		return nil
	}
	v, err := ParseMonth(string(text))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// IsZero reports whether m is the zero Month.
func (m Month) IsZero() bool { return m == Month{} }

// Compare returns -1, 0 or +1 as m is before, equal to or after n.
func (m Month) Compare(n Month) int {
	return Date{m.Year, m.Month, 1}.Compare(Date{n.Year, n.Month, 1})
}

// Next returns the month after m.
func (m Month) Next() Month {
	if m.Month == time.December {
		return Month{m.Year + 1, time.January}
	}
	return Month{m.Year, m.Month + 1}
}

// PatchTuesday returns the second Tuesday of m, the day of its monthly
// security release [S17].
func (m Month) PatchTuesday() Date {
	first := time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, time.UTC).Weekday()
	return Date{m.Year, m.Month, 1 + (int(time.Tuesday)-int(first)+7)%7 + 7}
}

// patchTuesdayKind reports whether k is a kind released on Patch Tuesday
// that tells what the month was: a baseline, a hotpatch or a standard
// cumulative update.
func patchTuesdayKind(k Kind) bool {
	return k == KindBaseline || k == KindHotpatch || k == KindLCU
}

// Through returns the last month up to which the catalog holds track t's
// releases without a gap: every month from the track's first row to the
// returned one has a Patch Tuesday release (a baseline, a hotpatch or a
// standard cumulative update) in the catalog. Months after it are not known:
// any of them may have been an unplanned baseline. It returns the zero
// Month when the catalog holds no Patch Tuesday release of t.
//
// A gap ends the coverage even when later rows exist (the catalog holds
// Windows Server 2022's August 2026 update but no July 2026 release, so
// Windows Server 2022 is covered through June 2026).
func (c *Catalog) Through(t Track) Month {
	var through Month
	for _, u := range c.updates {
		if !u.On(t) || !patchTuesdayKind(u.Kind) {
			continue
		}
		m := MonthOf(u.Released)
		switch {
		case through.IsZero() || m == through.Next():
			through = m
		case m.Compare(through) > 0:
			return through // a gap
		}
	}
	return through
}

// Covers checks that the catalog knows every Patch Tuesday release of track
// t up to day asOf: it returns nil when Through(t) reaches the newest month
// whose Patch Tuesday is on or before asOf, and a *CoverageError otherwise.
// It checks the catalog's end only: months before the track's first row
// (Windows Server 2022 before 2024) are not in the catalog either.
func (c *Catalog) Covers(t Track, asOf Date) error {
	through := c.Through(t)
	next := through.Next()
	if !through.IsZero() && next.PatchTuesday().After(asOf) {
		return nil
	}
	return &CoverageError{Track: t, Through: through, AsOf: asOf}
}

// Stale returns, for day asOf, a one-line note of what the catalog does not
// cover, or "" when it covers every track up to asOf:
//
//	catalog covers releases through 2026-09 (Windows Server 2022 Datacenter: Azure Edition through 2026-06); later months up to 2026-12 are projected
//
// Callers that read newer data append how to merge it.
func (c *Catalog) Stale(asOf Date) string {
	var first *CoverageError
	var others []string
	for _, t := range Tracks() {
		var e *CoverageError
		if !errors.As(c.Covers(t, asOf), &e) {
			continue
		}
		if first == nil {
			first = e
		} else if e.Through != first.Through {
			others = append(others, fmt.Sprintf("%v through %s", e.Track, orNone(e.Through)))
		}
	}
	if first == nil {
		return ""
	}
	s := "catalog covers releases through " + orNone(first.Through)
	if first.Track != TrackWindows11 {
		s = fmt.Sprintf("catalog covers %v releases through %s", first.Track, orNone(first.Through))
	}
	if len(others) > 0 {
		return fmt.Sprintf("%s (%s); later months up to %v are projected", s, strings.Join(others, ", "), MonthOf(asOf))
	}
	return s + "; " + first.projected()
}

func orNone(m Month) string {
	if m.IsZero() {
		return "none"
	}
	return m.String()
}

// A CoverageError reports a day beyond what the catalog holds for a track:
// a Patch Tuesday release came out after the catalog's last covered month,
// so the track's releases since then are projected from the plan, not
// known. It wraps ErrNotFound.
type CoverageError struct {
	Track   Track
	Through Month // the last month the catalog covers (Catalog.Through); zero if none
	AsOf    Date  // the day asked about
}

// Error implements error.
func (e *CoverageError) Error() string {
	return fmt.Sprintf("hotpatch: catalog covers %v releases through %s; %s", e.Track, orNone(e.Through), e.projected())
}

// projected says which months are projected: "2026-12 is projected" or
// "2026-10 to 2026-12 are projected".
func (e *CoverageError) projected() string {
	last := MonthOf(e.AsOf)
	if e.Through.IsZero() {
		return fmt.Sprintf("%v is projected", last)
	}
	first := e.Through.Next()
	if first == last {
		return fmt.Sprintf("%v is projected", last)
	}
	return fmt.Sprintf("%v to %v are projected", first, last)
}

// Unwrap returns ErrNotFound, for errors.Is.
func (e *CoverageError) Unwrap() error { return ErrNotFound }
