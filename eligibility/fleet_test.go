package eligibility

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"testing"

	"github.com/patchmodel/patchmodel/hotpatch"
)

var update = flag.Bool("update", false, "rewrite golden files")

func fleetFromFile(t *testing.T, path string, o FleetOptions) (*Report, *Inventory) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ps, err := ForAll(may2026, Options{})
	if err != nil {
		t.Fatal(err)
	}
	inv := ReadCSV(f)
	r, err := Fleet(context.Background(), ps, inv.Devices(), o)
	if err != nil {
		t.Fatal(err)
	}
	r.Input = inv.Summary()
	return r, inv
}

// TestFleetGolden compares the text report of a sample inventory with
// testdata/fleet.golden; go test -update rewrites it.
func TestFleetGolden(t *testing.T) {
	r, _ := fleetFromFile(t, "testdata/fleet.csv", FleetOptions{})
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	const golden = "testdata/fleet.golden"
	if *update {
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("report differs from %s (go test -update to accept):\n%s", golden, b.String())
	}
}

func TestFleetCounts(t *testing.T) {
	var verdicts []string
	r, inv := fleetFromFile(t, "testdata/fleet.csv", FleetOptions{Verdict: func(v *Verdict) {
		verdicts = append(verdicts, v.Device.ID)
	}})
	if r.Devices+inv.Rejected() != inv.Rows() || r.Devices != len(verdicts) {
		t.Errorf("devices %d + rejected %d != rows %d; verdicts %d", r.Devices, inv.Rejected(), inv.Rows(), len(verdicts))
	}
	if r.Eligible+r.NotEligible+r.Undecided != r.Devices || r.NoRestart+r.Restart+r.RestartUnknown != r.Devices {
		t.Errorf("counts do not add up: %+v", r)
	}
	n := 0
	for _, tc := range r.Tracks {
		n += tc.Devices
	}
	if n != r.Devices {
		t.Errorf("tracks count %d devices of %d", n, r.Devices)
	}
	// Verdicts come in file order.
	if verdicts[0] != "a1f0c2d4-0001" || verdicts[len(verdicts)-1] != "a1f0c2d4-0028" {
		t.Errorf("verdict order: %v", verdicts)
	}
	for _, rm := range r.Remedies {
		if rm.Unlocks > rm.Devices {
			t.Errorf("remedy %s unlocks more devices than fail it: %+v", rm.Rule, rm)
		}
	}
}

// TestFleetDeterministic checks that the report does not depend on the
// number of workers or the batch size.
func TestFleetDeterministic(t *testing.T) {
	ps, err := ForAll(may2026, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var want *Report
	var wantIDs []string
	for _, o := range []FleetOptions{{Workers: 1, BatchSize: 1000}, {Workers: 4, BatchSize: 7}, {Workers: 3, BatchSize: 1}, {}} {
		var ids []string
		o.Verdict = func(v *Verdict) { ids = append(ids, v.Device.ID+v.Status.String()) }
		r, err := Fleet(context.Background(), ps, generate(5000, 42), o)
		if err != nil {
			t.Fatal(err)
		}
		if want == nil {
			want, wantIDs = r, ids
			continue
		}
		if !reflect.DeepEqual(r, want) {
			t.Errorf("workers %d batch %d: report differs", o.Workers, o.BatchSize)
		}
		if !reflect.DeepEqual(ids, wantIDs) {
			t.Errorf("workers %d batch %d: verdict order differs", o.Workers, o.BatchSize)
		}
	}
}

func TestFleetRemedyUnlocks(t *testing.T) {
	p := mustFor(t, hotpatch.TrackWindows11, may2026)
	vbsOff, both := goodClient, goodClient
	vbsOff.VBS = hotpatch.VBSOff
	both.VBS, both.License = hotpatch.VBSOff, hotpatch.LicenseNone
	devs := []hotpatch.Device{goodClient, vbsOff, vbsOff, both}
	r, err := Fleet(context.Background(), p, func(yield func(hotpatch.Device) bool) {
		for i, d := range devs {
			d.ID = string(rune('a' + i))
			if !yield(d) {
				return
			}
		}
	}, FleetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Remedies) == 0 || r.Remedies[0] != (Remedy{Rule: "vbs", Remedy: "enable VBS and restart", Devices: 3, Unlocks: 2}) {
		t.Errorf("remedies %+v", r.Remedies)
	}
	if r.Rules[0].Rule != "vbs" || r.Rules[0].Failed != 3 {
		t.Errorf("rules %+v", r.Rules)
	}
}

func TestFleetCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ps, _ := ForAll(may2026, Options{})
	r, err := Fleet(ctx, ps, generate(1_000_000, 1), FleetOptions{BatchSize: 100, Progress: func(n int) {
		if n >= 1000 {
			cancel()
		}
	}})
	if err == nil || r.Devices >= 1_000_000 {
		t.Errorf("cancelled fleet: err %v, devices %d", err, r.Devices)
	}
}

func TestReportJSONRoundTrip(t *testing.T) {
	r, _ := fleetFromFile(t, "testdata/fleet.csv", FleetOptions{})
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(&back)
	if !bytes.Equal(data, again) {
		t.Errorf("round trip differs:\n%s\n%s", data, again)
	}
}
