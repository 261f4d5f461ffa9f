package cadence

import (
	"bufio"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// goldenPatchTuesdays reads testdata/patchtuesdays.txt, computed outside
// this package (see its header).
func goldenPatchTuesdays(t *testing.T) []time.Time {
	t.Helper()
	f, err := os.Open("testdata/patchtuesdays.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ts []time.Time
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		tm, err := time.Parse(time.RFC3339, line)
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, tm)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestPatchTuesdayGolden(t *testing.T) {
	golden := goldenPatchTuesdays(t)
	if len(golden) != 11*12 {
		t.Fatalf("golden file has %d dates, want %d", len(golden), 11*12)
	}
	for _, want := range golden {
		got, err := PatchTuesday(want.Year(), want.Month())
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(want) || got.Format(time.RFC3339) != want.Format(time.RFC3339) {
			t.Errorf("PatchTuesday(%d, %v) = %v, want %v", want.Year(), want.Month(), got.Format(time.RFC3339), want.Format(time.RFC3339))
		}
		if got.Weekday() != time.Tuesday || got.Day() < 8 || got.Day() > 14 {
			t.Errorf("PatchTuesday(%d, %v) = %v is not a second Tuesday", want.Year(), want.Month(), got)
		}
	}
}

// TestGoldenMatchesNotes checks the golden file against the Patch Tuesday
// dates observed for 2024–2027 (the release dates of Windows Server release
// information [S3] and of Update release cycle for Windows clients [S17]),
// so that the golden file is itself checked against a second source.
func TestGoldenMatchesNotes(t *testing.T) {
	notes := map[int][12]int{ // day of month, January..December
		2024: {9, 13, 12, 9, 14, 11, 9, 13, 10, 8, 12, 10},
		2025: {14, 11, 11, 8, 13, 10, 8, 12, 9, 14, 11, 9},
		2026: {13, 10, 10, 14, 12, 9, 14, 11, 8, 13, 10, 8},
		2027: {12, 9, 9, 13, 11, 8, 13, 10, 14, 12, 9, 14},
	}
	seen := 0
	for _, g := range goldenPatchTuesdays(t) {
		days, ok := notes[g.Year()]
		if !ok {
			continue
		}
		seen++
		if want := days[g.Month()-1]; g.Day() != want {
			t.Errorf("golden %v: notes say day %d", g, want)
		}
	}
	if seen != 48 {
		t.Errorf("checked %d golden dates against the notes, want 48", seen)
	}
}

func TestPatchTuesdayBadMonth(t *testing.T) {
	for _, m := range []time.Month{0, 13, -1} {
		_, err := PatchTuesday(2025, m)
		var me *MonthError
		if !errors.As(err, &me) || me.Month != m {
			t.Errorf("PatchTuesday(2025, %d) error = %v, want *MonthError", m, err)
		}
	}
}

func TestPatchTuesdays(t *testing.T) {
	from := hotpatch.Date{Year: 2025, Month: time.January, Day: 15} // the day after January's
	to := hotpatch.Date{Year: 2025, Month: time.April, Day: 8}      // April's own day
	seq, err := PatchTuesdays(from, to)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for tm := range seq {
		got = append(got, tm.Format(time.DateOnly))
	}
	want := "2025-02-11 2025-03-11 2025-04-08"
	if strings.Join(got, " ") != want {
		t.Errorf("PatchTuesdays(%v, %v) = %v, want %v", from, to, got, want)
	}
}

func TestPatchTuesdaysBadRange(t *testing.T) {
	a := hotpatch.Date{Year: 2025, Month: time.March, Day: 1}
	b := hotpatch.Date{Year: 2025, Month: time.February, Day: 1}
	_, err := PatchTuesdays(a, b)
	var re *RangeError
	if !errors.As(err, &re) {
		t.Errorf("PatchTuesdays(%v, %v) error = %v, want *RangeError", a, b, err)
	}
	_, err = PatchTuesdays(hotpatch.Date{Year: 2025, Month: time.February, Day: 30}, a)
	var de *DateError
	if !errors.As(err, &de) {
		t.Errorf("PatchTuesdays from February 30: error = %v, want *DateError", err)
	}
	_, err = PatchTuesdays(hotpatch.Date{}, a)
	var me *MonthError
	if !errors.As(err, &me) {
		t.Errorf("PatchTuesdays from the zero Date: error = %v, want *MonthError", err)
	}
}

func TestDayRoundTrip(t *testing.T) {
	for n := day(-800000); n < 800000; n += 7 {
		d := n.date()
		if got := dayOfDate(d); got != n {
			t.Fatalf("dayOfDate(%v) = %d, want %d", d, got, n)
		}
		if want := d.In(time.UTC).Weekday(); n.weekday() != want {
			t.Fatalf("day %d (%v) weekday %v, want %v", n, d, n.weekday(), want)
		}
	}
	for ref := day(20000); ref < 20400; ref += 13 {
		for n := ref - 40; n < ref+40; n++ {
			if got, want := near(ref.date(), ref, n), n.date(); got != want {
				t.Fatalf("near(%v, %d, %d) = %v, want %v", ref.date(), ref, n, got, want)
			}
		}
	}
	if d := dayOf(1970, time.January, 1); d != 0 {
		t.Errorf("1970-01-01 = day %d, want 0", d)
	}
}
