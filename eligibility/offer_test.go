package eligibility

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// TestOffer checks "will this device take this month's update without a
// restart?" in the May 2026 hotpatch month (KB5089466 hotpatch, KB5089549
// LCU, on baseline KB5083769) [S1a–S1d, S7, S22].
func TestOffer(t *testing.T) {
	tests := []struct {
		name     string
		stance   Stance
		change   func(d *hotpatch.Device)
		kb       hotpatch.KB
		or       hotpatch.KB
		restart  hotpatch.Tri
		disputed bool
	}{
		{"eligible on baseline: hotpatch", AsUnknown, none, 5089466, 0, hotpatch.False, false},
		{"already hotpatched", AsUnknown, build("26100.8390"), 5089466, 0, hotpatch.False, false},
		{"VBS off: LCU", AsUnknown, vbs(hotpatch.VBSOff), 5089549, 0, hotpatch.True, false},
		{"license unknown: hotpatch or LCU", AsUnknown, license(hotpatch.LicenseUnknown), 5089466, 5089549, hotpatch.Unknown, false},
		{"off baseline: disputed", AsUnknown, build("26100.7623"), 5089549, 5083769, hotpatch.True, true},
		{"off baseline, strict: LCU", Strict, build("26100.7623"), 5089549, 0, hotpatch.True, false},
		{"off baseline, lenient: baseline", Lenient, build("26100.7623"), 5083769, 0, hotpatch.True, false},
		{"off baseline and VBS off: LCU", AsUnknown, func(d *hotpatch.Device) {
			d.Build = hotpatch.MustParseBuild("26100.7623")
			d.VBS = hotpatch.VBSOff
		}, 5089549, 0, hotpatch.True, false},
	}
	for _, tt := range tests {
		p, err := NewPolicy(hotpatch.TrackWindows11, may2026, Options{Disputed: tt.stance})
		if err != nil {
			t.Fatal(err)
		}
		d := goodClient
		tt.change(&d)
		v := p.Evaluate(d)
		o := v.Offer()
		if o.Update.KB != tt.kb || o.Or.KB != tt.or || o.Restart != tt.restart || o.Disputed != tt.disputed || o.Month != "2026-05" {
			t.Errorf("%s: got %v or %v, restart %v, disputed %v, month %s (%s)", tt.name, o.Update.KB, o.Or.KB, o.Restart, o.Disputed, o.Month, o.Why)
		}
		if o.Why == "" {
			t.Errorf("%s: no reason", tt.name)
		}
		if got := v.offerCase().restart(); got != o.Restart {
			t.Errorf("%s: offerCase says restart %v, Offer %v", tt.name, got, o.Restart)
		}
	}
}

func TestOfferBaselineMonth(t *testing.T) {
	apr := hotpatch.Date{Year: 2026, Month: 4, Day: 20}
	p := mustFor(t, hotpatch.TrackWindows11, apr)
	d := goodClient
	d.Build = hotpatch.MustParseBuild("26100.7979") // March hotpatch
	v := p.Evaluate(d)
	o := v.Offer()
	if o.Update.KB != 5083769 || o.Restart != hotpatch.True {
		t.Errorf("April 2026 baseline month: %+v", o)
	}
	// The unplanned June 2026 client baseline [S38].
	v = mustFor(t, hotpatch.TrackWindows11, june2026).Evaluate(goodClient)
	o = v.Offer()
	if o.Update.KB != 5094126 || o.Restart != hotpatch.True || o.Disputed {
		t.Errorf("June 2026: %+v", o)
	}
	// The unconfirmed July 2026 client baseline: Microsoft's table lists
	// KB5101650 as the month's cumulative update [S36]; that July is a
	// baseline rests on the plan. July is a planned baseline month, so
	// the offer is not disputed.
	v = mustFor(t, hotpatch.TrackWindows11, hotpatch.Date{Year: 2026, Month: 7, Day: 20}).Evaluate(goodClient)
	if o := v.Offer(); o.Update.KB != 5101650 || o.Restart != hotpatch.True {
		t.Errorf("July 2026: %+v", o)
	}
	// A day past the catalog (it covers Server 2025 through 2026-09): the
	// month's releases are not known, and the offer says why. A device
	// that is not eligible restarts whatever the month brings.
	late := hotpatch.Date{Year: 2026, Month: 11, Day: 27}
	v = mustFor(t, hotpatch.TrackServer2025, late).Evaluate(goodServer2025)
	if o := v.Offer(); o.Month != "2026-11" || o.Update.KB != 0 || o.Restart != hotpatch.Unknown || !strings.Contains(o.Why, "through 2026-09") {
		t.Errorf("stale catalog: %+v", o)
	}
	off := goodServer2025
	off.VBS = hotpatch.VBSOff
	v = mustFor(t, hotpatch.TrackServer2025, late).Evaluate(off)
	if o := v.Offer(); o.Restart != hotpatch.True || o.Update.KB != 0 || !strings.Contains(o.Why, "not eligible (vbs") {
		t.Errorf("stale catalog, not eligible: %+v", o)
	}
}

func TestExplanationRoundTrip(t *testing.T) {
	v := mustFor(t, hotpatch.TrackWindows11, may2026).Evaluate(goodClient)
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var e Explanation
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(e)
	if string(again) != string(data) {
		t.Errorf("round trip:\n%s\n%s", data, again)
	}
	if e.Status != Eligible || len(e.Results) != v.Len() || e.ThisMonth == nil || e.ThisMonth.Update.KB != 5089466 {
		t.Errorf("explanation: %+v", e)
	}
}

type assessment struct {
	ok       bool
	blockers []string
}

func (a assessment) Patchable() bool    { return a.ok }
func (a assessment) Blockers() []string { return a.blockers }

func TestCheckUpdate(t *testing.T) {
	c := hotpatch.Embedded()
	hp, _ := c.ByKB(5089466)
	lcu, _ := c.ByKB(5089549)
	bl, _ := c.ByKB(5083769)
	oob, _ := c.ByKB(5061258)
	tests := []struct {
		name     string
		u        hotpatch.Update
		a        Assessment
		want     Outcome
		disputed bool
	}{
		{"hotpatch", hp, nil, Pass, false},
		{"LCU", lcu, nil, Fail, false},
		{"baseline", bl, nil, Fail, false},
		{"out-of-band hotpatch", oob, nil, Pass, false},
		{"hotpatch, assessment disagrees", hp, assessment{false, []string{"data layout change"}}, Unknown, true},
		{"LCU, assessment patchable", lcu, assessment{true, nil}, Fail, false},
		{"unknown kind, no assessment", hotpatch.Update{}, nil, Unknown, false},
		{"unknown kind, patchable", hotpatch.Update{}, assessment{true, nil}, Unknown, true},
	}
	for _, tt := range tests {
		f := CheckUpdate(tt.u, tt.a)
		if f.Outcome != tt.want || f.Disputed != tt.disputed {
			t.Errorf("%s: %+v", tt.name, f)
		}
	}
}
