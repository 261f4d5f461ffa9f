package cadence_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/patchmodel/patchmodel/cadence"
	"github.com/patchmodel/patchmodel/cadence/cadencetest"
	"github.com/patchmodel/patchmodel/hotpatch"
)

// roundTrip checks that v survives encoding/json unchanged.
func roundTrip[T any](t *testing.T, v T) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var back T
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if diff := cmp.Diff(v, back); diff != "" {
		t.Errorf("JSON round trip changed %T:\n%s", v, diff)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	cal, err := cadence.NewCalendar(hotpatch.TrackServer2025, cadence.CalendarOptions{ApplyUnconfirmed: true})
	if err != nil {
		t.Fatal(err)
	}
	from, to := hotpatch.Date{Year: 2025, Month: time.September, Day: 1}, hotpatch.Date{Year: 2026, Month: time.August, Day: 31}
	sim, err := cadence.NewSimulation(cal, from, to, cadence.Options{MissedBaseline: cadence.LCUUntilBaseline, Restart: cadence.RestartOnInstall})
	if err != nil {
		t.Fatal(err)
	}
	tl, err := sim.Timeline(cadence.Device{Eligible: true, Behind: true, Ring: cadence.AutopatchRings()[2], Online: cadence.Availability{WorkingDays: true, DayOff: 0.1, Seed: 3}})
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, tl)
	rep, err := sim.Fleet(context.Background(), cadencetest.Fleet(cadencetest.FleetSpec{Devices: 500, Seed: 9, Eligible: 0.5, DayOff: 0.1}), cadence.FleetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, rep)
	roundTrip(t, cadence.Options{MissedBaseline: cadence.LCUUntilBaseline, Restart: cadence.RestartOnInstall})
	roundTrip(t, cadence.Override{Year: 2027, Month: time.May, Kind: hotpatch.KindOutOfBand, Day: hotpatch.Date{Year: 2027, Month: time.May, Day: 20}, Restart: hotpatch.False})
}
