package cadence_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/patchmodel/patchmodel/cadence"
	"github.com/patchmodel/patchmodel/cadence/cadencetest"
	"github.com/patchmodel/patchmodel/hotpatch"
)

var tracks = []hotpatch.Track{hotpatch.TrackWindows11, hotpatch.TrackServer2025, hotpatch.TrackServer2022}

// simulation draws a track, calendar options, a period of up to three years
// between 2024 and 2029, and simulation options.
func simulation(t *rapid.T, calOpts cadence.CalendarOptions) *cadence.Simulation {
	track := rapid.SampledFrom(tracks).Draw(t, "track")
	calOpts.ApplyUnconfirmed = rapid.Bool().Draw(t, "applyUnconfirmed")
	cal, err := cadence.NewCalendar(track, calOpts)
	if err != nil {
		t.Fatal(err)
	}
	start := hotpatch.Date{Year: 2024, Month: time.January, Day: 1}.AddDays(rapid.IntRange(0, 5*365).Draw(t, "start"))
	end := start.AddDays(rapid.IntRange(0, 3*365).Draw(t, "length"))
	opts := cadence.Options{
		MissedBaseline:      rapid.SampledFrom([]cadence.MissedBaseline{cadence.CatchUpBaseline, cadence.LCUUntilBaseline}).Draw(t, "missed"),
		Restart:             rapid.SampledFrom([]cadence.RestartPolicy{cadence.RestartAtDeadline, cadence.RestartOnInstall}).Draw(t, "restart"),
		OutOfBandToHotpatch: rapid.Bool().Draw(t, "oobToHotpatch"),
	}
	s, err := cadence.NewSimulation(cal, start, end, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func timeline(t *rapid.T, s *cadence.Simulation, d cadence.Device) cadence.Timeline {
	tl, err := s.Timeline(d)
	if err != nil {
		t.Fatal(err)
	}
	return tl
}

// With hotpatch on, a device never restarts more than with hotpatch off,
// for the same device, ring and absences.
func TestPropHotpatchNeverRestartsMore(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := simulation(t, cadence.CalendarOptions{})
		d := cadencetest.Device().Draw(t, "device")
		d.Eligible = true
		on := timeline(t, s, d)
		d.Eligible = false
		off := timeline(t, s, d)
		if on.Restarts > off.Restarts {
			t.Fatalf("hotpatch on: %d restarts, off: %d", on.Restarts, off.Restarts)
		}
	})
}

// An eligible, always-on device on the current baseline restarts exactly at
// baselines and installs every other release as a hotpatch.
func TestPropRestartsExactlyAtBaselines(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := simulation(t, cadence.CalendarOptions{NoOutOfBand: true})
		d := cadence.Device{Eligible: true, Ring: cadencetest.Ring().Draw(t, "ring")}
		tl := timeline(t, s, d)
		restarts := 0
		for i, o := range tl.Outcomes {
			r := tl.Releases[i]
			switch r.Kind {
			case hotpatch.KindBaseline:
				if !o.Restarted.IsZero() {
					restarts++
				} else if o.Action != cadence.ActionNone && o.Action != cadence.ActionBaseline {
					t.Fatalf("outcome %d: baseline %v taken as %v", i, r, o.Action)
				}
				if o.Restarted.IsZero() && i+1 < len(tl.Outcomes) && !tl.Outcomes[i+1].Installed.IsZero() {
					t.Fatalf("outcome %d: baseline %v not restarted, but a later release installed", i, r)
				}
			case hotpatch.KindHotpatch:
				if !o.Restarted.IsZero() || (o.Action != cadence.ActionHotpatch && o.Action != cadence.ActionNone) {
					t.Fatalf("outcome %d: hotpatch %v: %v, restarted %v", i, r, o.Action, o.Restarted)
				}
			}
		}
		if restarts != tl.Restarts {
			t.Fatalf("%d restarts, %d at baselines", tl.Restarts, restarts)
		}
	})
}

// Exposure is never negative and never exceeds the gap from the release to
// the first install at or after it taking effect; unprotected releases are
// the last ones; events are in order.
func TestPropExposure(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := simulation(t, cadence.CalendarOptions{})
		tl := timeline(t, s, cadencetest.Device().Draw(t, "device"))
		unprotected := false
		for i, o := range tl.Outcomes {
			if o.DaysToProtection < 0 {
				if o.DaysToProtection != -1 || !o.Protected.IsZero() {
					t.Fatalf("outcome %d: unprotected with %d days, protected %v", i, o.DaysToProtection, o.Protected)
				}
				unprotected = true
				continue
			}
			if unprotected {
				t.Fatalf("outcome %d protected after an unprotected release", i)
			}
			if o.Protected.DaysSince(tl.Releases[i].Day) != o.DaysToProtection {
				t.Fatalf("outcome %d: %d days, but protected %v for release %v", i, o.DaysToProtection, o.Protected, tl.Releases[i].Day)
			}
			// The first install at or after i that took effect.
			gap := -1
			for j, p := range tl.Outcomes[i:] {
				if eff := effective(tl.Releases[i+j], p); !eff.IsZero() {
					gap = eff.DaysSince(tl.Releases[i].Day)
					break
				}
			}
			if gap < 0 || o.DaysToProtection > gap {
				t.Fatalf("outcome %d: %d days to protection, gap to next install %d", i, o.DaysToProtection, gap)
			}
		}
		for i, o := range tl.Outcomes {
			if !o.Offered.IsZero() && o.Offered.Before(tl.Releases[i].Day) ||
				!o.Installed.IsZero() && o.Installed.Before(o.Offered) ||
				!o.Restarted.IsZero() && o.Restarted.Before(o.Installed) ||
				o.Installed.After(tl.To) || o.Restarted.After(tl.To) {
				t.Fatalf("outcome %d out of order: %+v", i, o)
			}
		}
	})
}

// effective returns the day an installed release took effect: its restart,
// or its install if it needs none; zero if it did not.
func effective(r cadence.Release, o cadence.Outcome) hotpatch.Date {
	if o.Installed.IsZero() {
		return hotpatch.Date{}
	}
	if !o.Restarted.IsZero() {
		return o.Restarted
	}
	if o.Action == cadence.ActionHotpatch || (o.Action == cadence.ActionOutOfBand && !r.Restart) {
		return o.Installed
	}
	return hotpatch.Date{} // installed, restart pending past the end
}

// A timeline is a function of the device, its seed included.
func TestPropDeterministic(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := simulation(t, cadence.CalendarOptions{})
		d := cadencetest.Device().Draw(t, "device")
		if diff := cmp.Diff(timeline(t, s, d), timeline(t, s, d)); diff != "" {
			t.Fatalf("two runs differ:\n%s", diff)
		}
		// Availability is a function of its seed: a copy made from the same
		// fields answers the same for every day.
		again := cadence.Availability{WorkingDays: d.Online.WorkingDays, DayOff: d.Online.DayOff, WeekOff: d.Online.WeekOff, Seed: d.Online.Seed}
		day := hotpatch.Date{Year: 2026, Month: time.March, Day: 1}.AddDays(rapid.IntRange(0, 1000).Draw(t, "day"))
		for range 60 {
			if d.Online.Online(day) != again.Online(day) {
				t.Fatalf("Online(%v) differs for the same seed", day)
			}
			day = day.AddDays(1)
		}
	})
}

// A fleet report does not depend on the number of workers, and is the same
// for the same seed.
func TestPropFleetWorkerIndependent(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := simulation(t, cadence.CalendarOptions{})
		spec := cadencetest.FleetSpec{
			Devices:     rapid.IntRange(0, 3000).Draw(t, "devices"),
			Seed:        rapid.Uint64().Draw(t, "seed"),
			Eligible:    rapid.Float64Range(0, 1).Draw(t, "eligible"),
			Behind:      rapid.Float64Range(0, 1).Draw(t, "behind"),
			WorkingDays: rapid.Float64Range(0, 1).Draw(t, "workingDays"),
			DayOff:      rapid.Float64Range(0, 0.3).Draw(t, "dayOff"),
			WeekOff:     rapid.Float64Range(0, 0.3).Draw(t, "weekOff"),
		}
		var first *cadence.FleetReport
		for _, w := range []int{1, 2, 3, 8} {
			r, err := s.Fleet(context.Background(), cadencetest.Fleet(spec), cadence.FleetOptions{Workers: w})
			if err != nil {
				t.Fatal(err)
			}
			if first == nil {
				first = r
				continue
			}
			if diff := cmp.Diff(first, r); diff != "" {
				t.Fatalf("workers=%d differs from workers=1:\n%s", w, diff)
			}
		}
		if first.Devices != spec.Devices {
			t.Fatalf("report has %d devices, want %d", first.Devices, spec.Devices)
		}
		if first.On.Restarts > first.Off.Restarts {
			t.Fatalf("fleet: %d restarts with hotpatch, %d without", first.On.Restarts, first.Off.Restarts)
		}
	})
}

// Bad input is an error, never a panic.
func TestPropBadInputNoPanic(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := simulation(t, cadence.CalendarOptions{})
		d := cadence.Device{
			Ring: cadence.Ring{
				Deferral: rapid.IntRange(-100, 100).Draw(t, "deferral"),
				Deadline: rapid.IntRange(-100, 100).Draw(t, "deadline"),
				Grace:    rapid.IntRange(-100, 100).Draw(t, "grace"),
			},
			Online: cadence.Availability{DayOff: rapid.Float64Range(-2, 2).Draw(t, "dayOff")},
		}
		_, err := s.Timeline(d)
		if (d.Ring.Validate() != nil || d.Online.Validate() != nil) != (err != nil) {
			t.Fatalf("Timeline error %v for ring %+v, availability %+v", err, d.Ring, d.Online)
		}
	})
}

func TestNegativeDeferral(t *testing.T) {
	cal, err := cadence.NewCalendar(hotpatch.TrackWindows11, cadence.CalendarOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := cadence.NewSimulation(cal, hotpatch.Date{Year: 2026, Month: 1, Day: 1}, hotpatch.Date{Year: 2026, Month: 12, Day: 31}, cadence.Options{})
	if err != nil {
		t.Fatal(err)
	}
	bad := cadence.Device{Device: hotpatch.Device{ID: "pc-7"}, Ring: cadence.Ring{Name: "Broken", Deferral: -1}}
	var re *cadence.RingError
	if _, err := s.Timeline(bad); !errors.As(err, &re) || re.Setting != "deferral" || re.Days != -1 {
		t.Errorf("Timeline with deferral -1: error %v, want *RingError", err)
	}
	fleet := func(yield func(cadence.Device) bool) {
		_ = yield(cadence.Device{}) && yield(bad)
	}
	if _, err := s.Fleet(context.Background(), fleet, cadence.FleetOptions{}); !errors.As(err, &re) {
		t.Errorf("Fleet with deferral -1: error %v, want *RingError", err)
	}
	var ae *cadence.AvailabilityError
	if _, err := s.Timeline(cadence.Device{Online: cadence.Availability{WeekOff: 1.5}}); !errors.As(err, &ae) {
		t.Errorf("Timeline with WeekOff 1.5: error %v, want *AvailabilityError", err)
	}
	var rg *cadence.RangeError
	if _, err := cadence.NewSimulation(cal, hotpatch.Date{Year: 2026, Month: 2, Day: 1}, hotpatch.Date{Year: 2026, Month: 1, Day: 1}, cadence.Options{}); !errors.As(err, &rg) {
		t.Errorf("NewSimulation backwards: error %v, want *RangeError", err)
	}
}

func TestFleetCanceled(t *testing.T) {
	cal, _ := cadence.NewCalendar(hotpatch.TrackWindows11, cadence.CalendarOptions{})
	s, _ := cadence.NewSimulation(cal, hotpatch.Date{Year: 2026, Month: 1, Day: 1}, hotpatch.Date{Year: 2026, Month: 12, Day: 31}, cadence.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Fleet(ctx, cadencetest.Fleet(cadencetest.FleetSpec{Devices: 10000}), cadence.FleetOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Fleet with a canceled context: error %v", err)
	}
}

// TimelineInto gives what Timeline gives, whatever the Timeline held.
func TestPropTimelineInto(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := simulation(t, cadence.CalendarOptions{})
		var reused cadence.Timeline
		for range 3 {
			d := cadencetest.Device().Draw(t, "device")
			if err := s.TimelineInto(&reused, d); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(timeline(t, s, d), reused); diff != "" {
				t.Fatalf("TimelineInto differs from Timeline:\n%s", diff)
			}
		}
	})
}

// Restarts agrees with Timeline.
func TestPropRestartsMatchesTimeline(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := simulation(t, cadence.CalendarOptions{})
		d := cadencetest.Device().Draw(t, "device")
		n, err := s.Restarts(d)
		if err != nil {
			t.Fatal(err)
		}
		if tl := timeline(t, s, d); tl.Restarts != n {
			t.Fatalf("Restarts = %d, Timeline.Restarts = %d", n, tl.Restarts)
		}
	})
}

func TestDistribution(t *testing.T) {
	// 100 always-on devices in the Test ring, out-of-band releases left
	// out: 90 eligible restart for the five baselines of 2026 (January,
	// April, July and October as planned, and June, unplanned [S38]), 10
	// not eligible for all twelve releases.
	cal, _ := cadence.NewCalendar(hotpatch.TrackWindows11, cadence.CalendarOptions{NoOutOfBand: true})
	s, err := cadence.NewSimulation(cal, hotpatch.Date{Year: 2026, Month: 1, Day: 1}, hotpatch.Date{Year: 2026, Month: 12, Day: 31}, cadence.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fleet := func(yield func(cadence.Device) bool) {
		for i := range 100 {
			if !yield(cadence.Device{Eligible: i < 90}) {
				return
			}
		}
	}
	rep, err := s.Fleet(context.Background(), fleet, cadence.FleetOptions{Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	years := rep.Years
	const baselines = 5
	want := cadence.Distribution{N: 100, Mean: (90*baselines + 10*12) / 100.0 / years, P50: baselines / years, P90: baselines / years, P99: 12 / years}
	if diff := cmp.Diff(want, rep.On.RestartsPerDeviceYear, cmpopts.EquateApprox(1e-12, 0)); diff != "" {
		t.Errorf("restarts per device-year (-want +got):\n%s", diff)
	}
	wantElig := cadence.Distribution{N: 90, Mean: baselines / years, P50: baselines / years, P90: baselines / years, P99: baselines / years}
	if diff := cmp.Diff(wantElig, rep.EligibleOn.RestartsPerDeviceYear, cmpopts.EquateApprox(1e-12, 0)); diff != "" {
		t.Errorf("eligible devices' restarts per device-year, hotpatch on (-want +got):\n%s", diff)
	}
	if got := rep.EligibleOff.Restarts; got != 90*12 {
		t.Errorf("eligible devices, hotpatch off: %d restarts, want %d", got, 90*12)
	}
	// Test ring, always on: protected on release day, every release.
	if d := rep.On.DaysToProtection; d.N != 1200 || d.Mean != 0 || d.P99 != 0 {
		t.Errorf("days to protection = %+v, want 1200 zeros", d)
	}
}

// Windows Server 2025, January–February 2026: a baseline, two standard
// out-of-band updates (restart) and a hotpatch [S3].
func TestOutOfBandChannels(t *testing.T) {
	cal, err := cadence.NewCalendar(hotpatch.TrackServer2025, cadence.CalendarOptions{})
	if err != nil {
		t.Fatal(err)
	}
	from, to := hotpatch.Date{Year: 2026, Month: 1, Day: 1}, hotpatch.Date{Year: 2026, Month: 2, Day: 28}
	actions := func(opts cadence.Options, d cadence.Device) string {
		s, err := cadence.NewSimulation(cal, from, to, opts)
		if err != nil {
			t.Fatal(err)
		}
		tl, err := s.Timeline(d)
		if err != nil {
			t.Fatal(err)
		}
		var as []string
		for _, o := range tl.Outcomes {
			as = append(as, o.Action.String())
		}
		return fmt.Sprint(as, " restarts=", tl.Restarts)
	}
	test := cadence.Device{Eligible: true} // Test ring, always on
	for _, tc := range []struct {
		opts cadence.Options
		d    cadence.Device
		want string
	}{
		{cadence.Options{}, test, "[baseline skipped skipped hotpatch] restarts=1"},
		{cadence.Options{OutOfBandToHotpatch: true}, test, "[baseline out-of-band out-of-band lcu] restarts=4"},
		{cadence.Options{}, cadence.Device{}, "[baseline out-of-band out-of-band lcu] restarts=4"},
	} {
		if got := actions(tc.opts, tc.d); got != tc.want {
			t.Errorf("options %+v, eligible %v: %s, want %s", tc.opts, tc.d.Eligible, got, tc.want)
		}
	}
}

// Events lists every dated step once, in order of day.
func TestPropEvents(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := simulation(t, cadence.CalendarOptions{})
		tl := timeline(t, s, cadencetest.Device().Draw(t, "device"))
		want := 0
		for _, o := range tl.Outcomes {
			for _, d := range []hotpatch.Date{o.Offered, o.Installed, o.Restarted} {
				if !d.IsZero() {
					want++
				}
			}
		}
		var prev cadence.Event
		n := 0
		for e := range tl.Events() {
			o := tl.Outcomes[e.Release]
			if d := map[cadence.EventKind]hotpatch.Date{cadence.EventOffered: o.Offered, cadence.EventInstalled: o.Installed, cadence.EventRestarted: o.Restarted}[e.Kind]; d != e.Day {
				t.Fatalf("event %+v: outcome says %v", e, d)
			}
			if n > 0 && (e.Day.Before(prev.Day) || e.Day == prev.Day && e.Kind < prev.Kind) {
				t.Fatalf("event %+v after %+v", e, prev)
			}
			prev = e
			n++
		}
		if n != want {
			t.Fatalf("%d events, want %d", n, want)
		}
	})
}
