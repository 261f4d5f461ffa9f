package hotpatch_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/patchmodel/patchmodel/hotpatch"
)

func TestThrough(t *testing.T) {
	c := hotpatch.Embedded()
	for _, tc := range []struct {
		track hotpatch.Track
		want  string
		why   string
	}{
		{hotpatch.TrackWindows11, "2026-09", "KB5124008, 2026-09-08 [S39]"},
		{hotpatch.TrackServer2025, "2026-09", "KB5122871, 2026-09-08 [S41]"},
		{hotpatch.TrackServer2022, "2026-06", "no July 2026 release in any source; KB5094128 June [S23]"},
	} {
		if got := c.Through(tc.track); got.String() != tc.want {
			t.Errorf("%v: Through = %v, want %s (%s)", tc.track, got, tc.want, tc.why)
		}
	}
}

func TestCovers(t *testing.T) {
	c := hotpatch.Embedded()
	for _, tc := range []struct {
		track hotpatch.Track
		asOf  hotpatch.Date
		ok    bool
	}{
		{hotpatch.TrackWindows11, date(2026, 10, 12), true},  // the day before October's Patch Tuesday
		{hotpatch.TrackWindows11, date(2026, 10, 13), false}, // October 2026 is not in the catalog
		{hotpatch.TrackWindows11, date(2026, 12, 7), false},
		{hotpatch.TrackServer2022, date(2026, 7, 13), true},
		{hotpatch.TrackServer2022, date(2026, 7, 14), false},
		{hotpatch.TrackWindows11, date(2024, 11, 20), true},
	} {
		err := c.Covers(tc.track, tc.asOf)
		var ce *hotpatch.CoverageError
		if ok := err == nil; ok != tc.ok || (!ok && (!errors.As(err, &ce) || !errors.Is(err, hotpatch.ErrNotFound))) {
			t.Errorf("%v as of %v: Covers = %v, want covered %v", tc.track, tc.asOf, err, tc.ok)
		}
	}
}

func TestStale(t *testing.T) {
	c := hotpatch.Embedded()
	for _, tc := range []struct {
		asOf hotpatch.Date
		want string
	}{
		{date(2026, 5, 20), ""},
		{date(2026, 7, 20), "catalog covers Windows Server 2022 Datacenter: Azure Edition releases through 2026-06; 2026-07 is projected"},
		{date(2026, 12, 7), "catalog covers releases through 2026-09 (Windows Server 2022 Datacenter: Azure Edition through 2026-06); later months up to 2026-12 are projected"},
	} {
		if got := c.Stale(tc.asOf); got != tc.want {
			t.Errorf("Stale(%v) = %q, want %q", tc.asOf, got, tc.want)
		}
	}
}

func TestSecurityUpdate(t *testing.T) {
	c := hotpatch.Embedded()
	for _, tc := range []struct {
		track      hotpatch.Track
		year       int
		month      time.Month
		hotpatched bool
		want       hotpatch.KB // 0: a *NotFoundError
		source     string
	}{
		// The trap of Latest: January 2026 is a baseline month, so its
		// LCU is the baseline, not December's KB5072033.
		{hotpatch.TrackWindows11, 2026, time.January, false, 5074109, "S21"},
		{hotpatch.TrackWindows11, 2026, time.January, true, 5074109, "S21"},
		{hotpatch.TrackWindows11, 2026, time.February, true, 5077212, "S21"},
		{hotpatch.TrackWindows11, 2026, time.February, false, 5077181, "S21"},
		// March 2026: the Patch Tuesday hotpatch, not the out-of-band KB5084597.
		{hotpatch.TrackWindows11, 2026, time.March, true, 5079420, "S21"},
		// June 2026, unplanned baselines.
		{hotpatch.TrackWindows11, 2026, time.June, true, 5094126, "S38"},
		{hotpatch.TrackServer2025, 2026, time.June, true, 5094125, "S36"},
		{hotpatch.TrackServer2025, 2026, time.August, true, 5120228, "S23"},
		{hotpatch.TrackServer2025, 2026, time.August, false, 5120233, "S36"},
		// September 2026: the LCU is known, the hotpatch is not.
		{hotpatch.TrackWindows11, 2026, time.September, false, 5124008, "S39"},
		{hotpatch.TrackWindows11, 2026, time.September, true, 0, "S39"},
		{hotpatch.TrackServer2022, 2024, time.August, true, 5041160, "S3"}, // unplanned baseline
	} {
		u, err := c.SecurityUpdate(tc.track, tc.year, tc.month, tc.hotpatched)
		var nf *hotpatch.NotFoundError
		switch {
		case tc.want == 0 && !errors.As(err, &nf):
			t.Errorf("%v %d-%02d hotpatched %v: %v, %v; want a *NotFoundError", tc.track, tc.year, tc.month, tc.hotpatched, u, err)
		case tc.want != 0 && (err != nil || u.KB != tc.want):
			t.Errorf("%v %d-%02d hotpatched %v: %v, %v; want %v [%s]", tc.track, tc.year, tc.month, tc.hotpatched, u, err, tc.want, tc.source)
		}
	}
}

func TestSecurityUpdateBeyondCatalog(t *testing.T) {
	c := hotpatch.Embedded()
	for _, tr := range []hotpatch.Track{hotpatch.TrackWindows11, hotpatch.TrackServer2022} {
		_, err := c.SecurityUpdate(tr, 2026, time.December, false)
		var ce *hotpatch.CoverageError
		if !errors.As(err, &ce) || !errors.Is(err, hotpatch.ErrNotFound) || ce.Track != tr {
			t.Errorf("%v 2026-12: %v, want a *CoverageError", tr, err)
		}
	}
	if _, err := c.SecurityUpdate(hotpatch.TrackWindows11, 2026, 13, false); !errors.Is(err, hotpatch.ErrRange) {
		t.Errorf("month 13: %v, want ErrRange", err)
	}
}

func TestMonth(t *testing.T) {
	for _, tc := range []struct {
		m    hotpatch.Month
		pt   hotpatch.Date
		next hotpatch.Month
	}{
		{hotpatch.Month{Year: 2026, Month: time.June}, date(2026, 6, 9), hotpatch.Month{Year: 2026, Month: time.July}},
		{hotpatch.Month{Year: 2026, Month: time.December}, date(2026, 12, 8), hotpatch.Month{Year: 2027, Month: time.January}},
		{hotpatch.Month{Year: 2027, Month: time.September}, date(2027, 9, 14), hotpatch.Month{Year: 2027, Month: time.October}},
		{hotpatch.Month{Year: 2024, Month: time.October}, date(2024, 10, 8), hotpatch.Month{Year: 2024, Month: time.November}},
	} {
		if got := tc.m.PatchTuesday(); got != tc.pt {
			t.Errorf("%v: Patch Tuesday %v, want %v", tc.m, got, tc.pt)
		}
		if got := tc.m.Next(); got != tc.next {
			t.Errorf("%v: Next %v, want %v", tc.m, got, tc.next)
		}
		var back hotpatch.Month
		if text, _ := tc.m.MarshalText(); back.UnmarshalText(text) != nil || back != tc.m {
			t.Errorf("%v: round trip gives %v", tc.m, back)
		}
	}
	if _, err := hotpatch.ParseMonth("2026-13"); !errors.Is(err, hotpatch.ErrSyntax) {
		t.Errorf("ParseMonth(2026-13) = %v, want ErrSyntax", err)
	}
}

func date(y int, m time.Month, d int) hotpatch.Date { return hotpatch.Date{Year: y, Month: m, Day: d} }

// Merging a newer month's real rows moves the coverage on: this is what
// the examples' -catalog flag does with newer data.
func TestMergeExtendsCoverage(t *testing.T) {
	var old, june []hotpatch.Update
	for u := range hotpatch.Embedded().All() {
		switch m := hotpatch.MonthOf(u.Released); {
		case m.Compare(hotpatch.Month{Year: 2026, Month: time.May}) <= 0:
			old = append(old, u)
		case m == hotpatch.Month{Year: 2026, Month: time.June}:
			june = append(june, u)
		}
	}
	c, err := hotpatch.NewCatalog(old)
	if err != nil {
		t.Fatal(err)
	}
	asOf := date(2026, 6, 20)
	if got := c.Through(hotpatch.TrackWindows11); got.String() != "2026-05" || c.Covers(hotpatch.TrackWindows11, asOf) == nil {
		t.Fatalf("before: Through %v, Covers %v", got, c.Covers(hotpatch.TrackWindows11, asOf))
	}
	text, err := json.Marshal(june)
	if err != nil {
		t.Fatal(err)
	}
	c, err = c.Merge(bytes.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range hotpatch.Tracks() {
		if got := c.Through(tr); got.String() != "2026-06" || c.Covers(tr, asOf) != nil {
			t.Errorf("%v after merging June 2026: Through %v, Covers %v", tr, got, c.Covers(tr, asOf))
		}
	}
	if s := c.Stale(asOf); s != "" {
		t.Errorf("Stale after the merge: %q", s)
	}
}

func FuzzParseMonth(f *testing.F) {
	for _, s := range []string{"2026-09", "2026-13", "0000-01", "2026-9", "", "9999-12", "2026-09-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := hotpatch.ParseMonth(s)
		if err != nil {
			if !errors.Is(err, hotpatch.ErrSyntax) {
				t.Fatalf("ParseMonth(%q): %v does not wrap ErrSyntax", s, err)
			}
			return
		}
		if back, err := hotpatch.ParseMonth(m.String()); err != nil || back != m {
			t.Fatalf("ParseMonth(%q) = %v, which does not round-trip: %v, %v", s, m, back, err)
		}
		if pt := m.PatchTuesday(); pt.Day < 8 || pt.Day > 14 || hotpatch.MonthOf(pt) != m {
			t.Fatalf("%v: Patch Tuesday %v", m, pt)
		}
	})
}
