package cadence

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/patchmodel/patchmodel/hotpatch"
)

func mustCalendar(t testing.TB, track hotpatch.Track, opts CalendarOptions) *Calendar {
	t.Helper()
	c, err := NewCalendar(track, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func date(y int, m time.Month, d int) hotpatch.Date { return hotpatch.Date{Year: y, Month: m, Day: d} }

// TestCalendarMatchesCatalog2025 checks every month of 2025 on every track
// against the catalog's baseline and hotpatch rows: same day, kind and KB.
func TestCalendarMatchesCatalog2025(t *testing.T) {
	cat := hotpatch.Embedded()
	for _, track := range []hotpatch.Track{hotpatch.TrackWindows11, hotpatch.TrackServer2025, hotpatch.TrackServer2022} {
		c := mustCalendar(t, track, CalendarOptions{})
		want := map[time.Month]hotpatch.Update{}
		for u := range cat.Track(track) {
			if u.Released.Year == 2025 && (u.Kind == hotpatch.KindBaseline || u.Kind == hotpatch.KindHotpatch) {
				want[u.Released.Month] = u
			}
		}
		if len(want) != 12 {
			t.Fatalf("%v: catalog has %d months of 2025, want 12", track, len(want))
		}
		for m := time.January; m <= time.December; m++ {
			r, err := c.Month(2025, m)
			if err != nil {
				t.Fatal(err)
			}
			u := want[m]
			if r.Day != u.Released || r.Kind != u.Kind || r.KB != u.KB || r.Origin != OriginCatalog || r.Restart != u.Restart {
				t.Errorf("%v 2025-%02d: got %v restart=%v, catalog %v", track, m, r, r.Restart, u)
			}
			if r.Kind != PlannedKind(m) {
				t.Errorf("%v 2025-%02d: %v, but the 2025 history followed the plan (%v)", track, m, r.Kind, PlannedKind(m))
			}
		}
	}
}

func TestCalendarUnplannedBaseline(t *testing.T) {
	c := mustCalendar(t, hotpatch.TrackServer2022, CalendarOptions{})
	r, _ := c.Month(2024, time.August)
	if r.Kind != hotpatch.KindBaseline || !r.Unplanned() || r.KB != 5041160 {
		t.Errorf("Server 2022 2024-08 = %v, want the unplanned baseline KB5041160 [S3]", r)
	}
}

// The unplanned baselines of June 2026 come from the catalog: the months
// were planned as hotpatch months [S1c, S2].
func TestCalendarUnplanned2026(t *testing.T) {
	for _, tc := range []struct {
		track  hotpatch.Track
		kb     hotpatch.KB
		source string
	}{
		{hotpatch.TrackWindows11, 5094126, "S38"},  // June 9, 2026—KB5094126 (OS Builds 26200.8655 and 26100.8655)
		{hotpatch.TrackServer2025, 5094125, "S36"}, // release information: 2026.06 B Baseline (Restart)
	} {
		c := mustCalendar(t, tc.track, CalendarOptions{})
		r, _ := c.Month(2026, time.June)
		if r.Kind != hotpatch.KindBaseline || !r.Unplanned() || r.KB != tc.kb || r.Origin != OriginCatalog ||
			r.Unconfirmed != "" || !strings.Contains(r.Source, tc.source) {
			t.Errorf("%v 2026-06 = %v (source %q, unconfirmed %q), want the unplanned baseline %v [%s]",
				tc.track, r, r.Source, r.Unconfirmed, tc.kb, tc.source)
		}
	}
}

// An unconfirmed catalog row that would change the calendar (the
// out-of-band hotpatch KB5121768 of 2026-07-18, third-party sources only)
// is left out and named in the month's note unless ApplyUnconfirmed is set.
func TestCalendarUnconfirmed(t *testing.T) {
	july := func(opts CalendarOptions) (notes string, oob []Release) {
		c := mustCalendar(t, hotpatch.TrackWindows11, opts)
		r, _ := c.Month(2026, time.July)
		seq, err := c.Releases(date(2026, 7, 1), date(2026, 7, 31))
		if err != nil {
			t.Fatal(err)
		}
		for x := range seq {
			if x.KB == 5121768 {
				oob = append(oob, x)
			}
		}
		return r.Note, oob
	}
	if note, oob := july(CalendarOptions{}); len(oob) != 0 || !strings.Contains(note, "KB5121768") {
		t.Errorf("default: out-of-band %v, July note %q; want KB5121768 left out and named in the note", oob, note)
	}
	if _, oob := july(CalendarOptions{ApplyUnconfirmed: true}); len(oob) != 1 || oob[0].Unconfirmed == "" || oob[0].Restart {
		t.Errorf("ApplyUnconfirmed: out-of-band %v, want the unconfirmed hotpatch KB5121768", oob)
	}
}

func TestCalendarProjects(t *testing.T) {
	c := mustCalendar(t, hotpatch.TrackWindows11, CalendarOptions{})
	seq, err := c.Releases(date(2030, 1, 1), date(2030, 12, 31))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for r := range seq {
		n++
		if r.Origin != OriginRule || r.Kind != PlannedKind(r.Day.Month) || r.Restart != (r.Kind == hotpatch.KindBaseline) {
			t.Errorf("projected %v restart=%v", r, r.Restart)
		}
		pt, _ := PatchTuesday(r.Day.Year, r.Day.Month)
		if hotpatch.DateOf(pt) != r.Day {
			t.Errorf("projected %v is not on Patch Tuesday %v", r, pt)
		}
	}
	if n != 12 {
		t.Errorf("2030 has %d releases, want 12", n)
	}
}

func TestCalendarOutOfBandOrder(t *testing.T) {
	c := mustCalendar(t, hotpatch.TrackServer2025, CalendarOptions{})
	seq, _ := c.Releases(date(2026, 1, 1), date(2026, 1, 31))
	var got []hotpatch.KB
	for r := range seq {
		got = append(got, r.KB)
	}
	want := []hotpatch.KB{5073379, 5077793, 5078135}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("Server 2025 January 2026 = %v, want %v", got, want)
	}
	c = mustCalendar(t, hotpatch.TrackServer2025, CalendarOptions{NoOutOfBand: true})
	seq, _ = c.Releases(date(2026, 1, 1), date(2026, 1, 31))
	n := 0
	for range seq {
		n++
	}
	if n != 1 {
		t.Errorf("NoOutOfBand: %d releases in January 2026, want 1", n)
	}
}

func TestCalendarOverrides(t *testing.T) {
	c := mustCalendar(t, hotpatch.TrackWindows11, CalendarOptions{Overrides: []Override{
		{Year: 2027, Month: time.May, Kind: hotpatch.KindBaseline, KB: 1234567, Note: "zero-day"},
		{Year: 2027, Month: time.May, Kind: hotpatch.KindBaseline}, // agrees: fine
		{Year: 2027, Month: time.May, Kind: hotpatch.KindOutOfBand, Day: date(2027, 5, 20), Restart: hotpatch.False},
	}})
	r, _ := c.Month(2027, time.May)
	if r.Kind != hotpatch.KindBaseline || r.Origin != OriginOverride || !r.Restart || !r.Unplanned() {
		t.Errorf("overridden 2027-05 = %v", r)
	}
	seq, _ := c.Releases(date(2027, 5, 1), date(2027, 5, 31))
	var rs []Release
	for r := range seq {
		rs = append(rs, r)
	}
	if len(rs) != 2 || rs[1].Kind != hotpatch.KindOutOfBand || rs[1].Restart {
		t.Errorf("May 2027 = %v, want the baseline and a no-restart out-of-band release", rs)
	}
}

func TestCalendarBadOverrides(t *testing.T) {
	for _, tc := range []struct {
		name string
		os   []Override
		as   any
	}{
		{"month 13", []Override{{Year: 2026, Month: 13, Kind: hotpatch.KindBaseline}}, new(*MonthError)},
		{"hotpatch restarts", []Override{{Year: 2026, Month: 5, Kind: hotpatch.KindHotpatch, Restart: hotpatch.True}}, nil},
		{"baseline without restart", []Override{{Year: 2026, Month: 1, Kind: hotpatch.KindBaseline, Restart: hotpatch.False}}, nil},
		{"day in another month", []Override{{Year: 2026, Month: 5, Kind: hotpatch.KindOutOfBand, Day: date(2026, 6, 2)}}, nil},
		{"no such day", []Override{{Year: 2026, Month: 2, Kind: hotpatch.KindOutOfBand, Day: date(2026, 2, 30)}}, new(*DateError)},
		{"out of band without day", []Override{{Year: 2026, Month: 5, Kind: hotpatch.KindOutOfBand}}, nil},
		{"monthly off Patch Tuesday", []Override{{Year: 2026, Month: 5, Kind: hotpatch.KindBaseline, Day: date(2026, 5, 13)}}, nil},
		{"LCU kind", []Override{{Year: 2026, Month: 5, Kind: hotpatch.KindLCU}}, nil},
		{"two kinds for one month", []Override{
			{Year: 2026, Month: 5, Kind: hotpatch.KindBaseline},
			{Year: 2026, Month: 5, Kind: hotpatch.KindHotpatch},
		}, nil},
	} {
		_, err := NewCalendar(hotpatch.TrackWindows11, CalendarOptions{Overrides: tc.os})
		var oe *OverrideError
		if !errors.As(err, &oe) || oe.Index != len(tc.os)-1 {
			t.Errorf("%s: error = %v, want *OverrideError at %d", tc.name, err, len(tc.os)-1)
			continue
		}
		if tc.as != nil && !errors.As(err, tc.as) {
			t.Errorf("%s: error = %v, want it to wrap %T", tc.name, err, tc.as)
		}
	}
}

func TestCalendarBadInput(t *testing.T) {
	if _, err := NewCalendar(hotpatch.TrackUnknown, CalendarOptions{}); !errors.Is(err, hotpatch.ErrUnknown) {
		t.Errorf("NewCalendar(TrackUnknown) error = %v, want hotpatch.ErrUnknown", err)
	}
	c := mustCalendar(t, hotpatch.TrackWindows11, CalendarOptions{})
	var me *MonthError
	if _, err := c.Month(2026, 0); !errors.As(err, &me) {
		t.Errorf("Month(2026, 0) error = %v, want *MonthError", err)
	}
	var re *RangeError
	if _, err := c.Releases(date(2026, 2, 1), date(2026, 1, 31)); !errors.As(err, &re) {
		t.Errorf("Releases backwards: error = %v, want *RangeError", err)
	}
}

func TestPlannedKind(t *testing.T) {
	baselines := 0
	for m := time.January; m <= time.December; m++ {
		if PlannedKind(m) == hotpatch.KindBaseline {
			baselines++
		}
	}
	if baselines != 4 || PlannedKind(time.April) != hotpatch.KindBaseline || PlannedKind(time.June) != hotpatch.KindHotpatch || PlannedKind(0) != hotpatch.KindUnknown {
		t.Error("PlannedKind does not follow the quarterly rule")
	}
}

// Any list of overrides gives a calendar or an *OverrideError, never a
// panic; a calendar from valid overrides yields each month once.
func TestPropOverridesNoPanic(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 6).Draw(t, "n")
		var overrides []Override
		for i := range n {
			y := rapid.IntRange(2024, 2028).Draw(t, fmt.Sprint("year", i))
			m := time.Month(rapid.IntRange(-1, 14).Draw(t, fmt.Sprint("month", i)))
			o := Override{
				Year: y, Month: m,
				Kind:    hotpatch.Kind(rapid.IntRange(0, 6).Draw(t, fmt.Sprint("kind", i))),
				Restart: hotpatch.Tri(rapid.IntRange(0, 2).Draw(t, fmt.Sprint("restart", i))),
			}
			if rapid.Bool().Draw(t, fmt.Sprint("hasDay", i)) {
				o.Day = hotpatch.Date{Year: y, Month: m, Day: rapid.IntRange(0, 32).Draw(t, fmt.Sprint("day", i))}
			}
			overrides = append(overrides, o)
		}
		c, err := NewCalendar(hotpatch.TrackWindows11, CalendarOptions{Overrides: overrides})
		if err != nil {
			var oe *OverrideError
			if !errors.As(err, &oe) {
				t.Fatalf("error %v is not an *OverrideError", err)
			}
			return
		}
		seq, err := c.Releases(date(2024, 1, 1), date(2028, 12, 31))
		if err != nil {
			t.Fatal(err)
		}
		monthly := map[[2]int]int{}
		for r := range seq {
			if r.Kind != hotpatch.KindOutOfBand {
				monthly[[2]int{r.Day.Year, int(r.Day.Month)}]++
			}
		}
		for k, n := range monthly {
			if n != 1 {
				t.Fatalf("month %v has %d Patch Tuesday releases", k, n)
			}
		}
		if len(monthly) != 60 {
			t.Fatalf("%d months with a Patch Tuesday release, want 60", len(monthly))
		}
	})
}

func TestNextBaseline(t *testing.T) {
	hp2027 := []Override{{Year: 2027, Month: time.January, Kind: hotpatch.KindHotpatch, Note: "test"}}
	for _, tc := range []struct {
		track     hotpatch.Track
		overrides []Override
		after     hotpatch.Date
		day       hotpatch.Date
		kb        hotpatch.KB
		origin    Origin
		why       string
	}{
		{hotpatch.TrackWindows11, nil, date(2026, 5, 20), date(2026, 6, 9), 5094126, OriginCatalog, "unplanned June 2026 baseline [S38]"},
		{hotpatch.TrackWindows11, nil, date(2026, 6, 9), date(2026, 7, 14), 5101650, OriginCatalog, "after, not on, the day [S36]"},
		{hotpatch.TrackWindows11, nil, date(2026, 7, 14), date(2026, 10, 13), 0, OriginRule, "October 2026 is projected"},
		{hotpatch.TrackServer2025, nil, date(2026, 5, 12), date(2026, 6, 9), 5094125, OriginCatalog, "unplanned June 2026 baseline [S36]"},
		{hotpatch.TrackServer2022, nil, date(2024, 7, 9), date(2024, 8, 13), 5041160, OriginCatalog, "unplanned August 2024 baseline [S3]"},
		{hotpatch.TrackServer2025, nil, date(2026, 12, 7), date(2027, 1, 12), 0, OriginRule, "the plan's January baseline"},
		{hotpatch.TrackServer2025, hp2027, date(2026, 12, 7), date(2027, 4, 13), 0, OriginRule, "an override makes January a hotpatch month"},
	} {
		c := mustCalendar(t, tc.track, CalendarOptions{Overrides: tc.overrides})
		r, err := c.NextBaseline(tc.after)
		if err != nil || r.Day != tc.day || r.KB != tc.kb || r.Origin != tc.origin || r.Kind != hotpatch.KindBaseline {
			t.Errorf("%v after %v: %v, %v; want %v %v (%v): %s", tc.track, tc.after, r, err, tc.day, tc.kb, tc.origin, tc.why)
		}
		if r.Origin == OriginRule && !strings.Contains(r.Note, "projected") {
			t.Errorf("%v after %v: projected baseline without a note: %+v", tc.track, tc.after, r)
		}
	}
	c := mustCalendar(t, hotpatch.TrackWindows11, CalendarOptions{})
	var de *DateError
	if _, err := c.NextBaseline(date(2026, 2, 30)); !errors.As(err, &de) {
		t.Errorf("2026-02-30: %v, want a *DateError", err)
	}
}

// Every day from 2024 to 2028: NextBaseline is the first baseline that
// Releases lists after the day.
func TestNextBaselineAgreesWithReleases(t *testing.T) {
	for _, track := range hotpatch.Tracks() {
		c := mustCalendar(t, track, CalendarOptions{})
		seq, err := c.Releases(date(2024, 1, 1), date(2029, 12, 31))
		if err != nil {
			t.Fatal(err)
		}
		var baselines []Release
		for r := range seq {
			if r.Kind == hotpatch.KindBaseline {
				baselines = append(baselines, r)
			}
		}
		for d := dayOf(2024, time.January, 1); d < dayOf(2029, time.January, 1); d++ {
			after := d.date()
			got, err := c.NextBaseline(after)
			i := 0
			for !baselines[i].Day.After(after) {
				i++
			}
			if err != nil || got.Day != baselines[i].Day || got.KB != baselines[i].KB {
				t.Fatalf("%v after %v: NextBaseline %v, %v; Releases has %v", track, after, got, err, baselines[i])
			}
		}
	}
}

// The catalog's coverage: months after it are projected and say so.
func TestCalendarThrough(t *testing.T) {
	for _, tc := range []struct {
		track hotpatch.Track
		want  hotpatch.Month
	}{
		{hotpatch.TrackWindows11, hotpatch.Month{Year: 2026, Month: time.September}},
		{hotpatch.TrackServer2022, hotpatch.Month{Year: 2026, Month: time.June}},
	} {
		c := mustCalendar(t, tc.track, CalendarOptions{})
		if c.Through() != tc.want {
			t.Errorf("%v: Through %v, want %v", tc.track, c.Through(), tc.want)
		}
		next := tc.want.Next()
		r, _ := c.Month(next.Year, next.Month)
		if r.Origin != OriginRule || !strings.Contains(r.Note, "catalog covers this track's releases through "+tc.want.String()) {
			t.Errorf("%v %v: %v note %q, want projected", tc.track, next, r, r.Note)
		}
	}
	// September 2026 on Windows 11: the LCU is known, the hotpatch is not.
	c := mustCalendar(t, hotpatch.TrackWindows11, CalendarOptions{})
	if r, _ := c.Month(2026, time.September); r.Origin != OriginRule || r.LCU != 5124008 || !strings.Contains(r.Note, "kind follows the plan") {
		t.Errorf("2026-09: %+v", r)
	}
}

// hotpatch.Month.PatchTuesday, which the catalog's coverage uses, agrees
// with PatchTuesday.
func TestMonthPatchTuesday(t *testing.T) {
	for i := monthOf(2000, time.January); i < monthOf(2040, time.January); i++ {
		y, m := i.split()
		if got, want := (hotpatch.Month{Year: y, Month: m}).PatchTuesday(), patchTuesday(i).date(); got != want {
			t.Fatalf("%04d-%02d: hotpatch says %v, cadence %v", y, int(m), got, want)
		}
	}
}
