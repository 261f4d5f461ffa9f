package eligibility

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/patchmodel/patchmodel/hotpatch"
	"github.com/patchmodel/patchmodel/hotpatch/hotpatchtest"
	"pgregory.net/rapid"
)

var tracks = []hotpatch.Track{hotpatch.TrackWindows11, hotpatch.TrackServer2025, hotpatch.TrackServer2022}

// policyGen draws a policy of any track on a day from the start of client
// hotpatch to past the end of the catalog, with any stance.
func policyGen() *rapid.Generator[*Policy] {
	return rapid.Custom(func(t *rapid.T) *Policy {
		track := rapid.SampledFrom(tracks).Draw(t, "track")
		day := hotpatchtest.Date().Filter(func(d hotpatch.Date) bool {
			return !d.Before(windows11Start)
		}).Draw(t, "day")
		stance := rapid.SampledFrom([]Stance{AsUnknown, Strict, Lenient}).Draw(t, "stance")
		p, err := NewPolicy(track, day, Options{Disputed: stance})
		if err != nil {
			t.Fatal(err)
		}
		return p
	})
}

// deviceGen draws devices with every fact independent, and devices near
// the good ones of each track with a few facts changed.
func deviceGen() *rapid.Generator[hotpatch.Device] {
	near := rapid.Custom(func(t *rapid.T) hotpatch.Device {
		d := rapid.SampledFrom([]hotpatch.Device{goodClient, goodServer2025, goodServer2022}).Draw(t, "good")
		other := hotpatchtest.Device().Draw(t, "other")
		// Take each fact from the other device with probability 1/4.
		dv, ov := reflect.ValueOf(&d).Elem(), reflect.ValueOf(other)
		for i := range dv.NumField() {
			if rapid.IntRange(0, 3).Draw(t, "take") == 0 {
				dv.Field(i).Set(ov.Field(i))
			}
		}
		return d
	})
	return rapid.OneOf(hotpatchtest.Device(), hotpatchtest.EligibleDevice(), near)
}

// TestFixNeverWorsens: turning one failing fact into its passing value
// (Rule.Fix) never makes the verdict worse.
func TestFixNeverWorsens(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := policyGen().Draw(t, "policy")
		d := deviceGen().Draw(t, "device")
		v := p.Evaluate(d)
		for r, f := range v.Findings() {
			if f.Outcome != Fail || r.Fix == nil {
				continue
			}
			fixed := d
			r.Fix(&fixed)
			w := p.Evaluate(fixed)
			if w.Status.Rank() < v.Status.Rank() {
				t.Fatalf("fixing %s made %v worse: %v → %v", r.ID, d, v, w)
			}
			for rr, f := range w.Findings() {
				// A strict policy fails what is disputed, fixed or not.
				if rr.ID == r.ID && f.Outcome == Fail && !f.Disputed {
					t.Fatalf("Fix of %s does not pass it: %v", r.ID, w)
				}
			}
		}
	})
}

// unknowing sets the facts a rule reads to unknown, for the property that
// an unknown fact never passes. ok is false where the rule does not need
// the fact for this device (Azure Edition needs no Arc management; a known
// non-Arm64 device needs no CHPE fact).
var unknowing = map[string]func(d *hotpatch.Device) (ok bool){
	"os": func(d *hotpatch.Device) bool { d.Build = hotpatch.Build{}; return true },
	"baseline": func(d *hotpatch.Device) bool {
		d.Build, d.LastBaseline = hotpatch.Build{}, hotpatch.Build{}
		return true
	},
	"edition": func(d *hotpatch.Device) bool { d.Edition = hotpatch.EditionUnknown; return true },
	"license": func(d *hotpatch.Device) bool { d.License = hotpatch.LicenseUnknown; return true },
	"vbs":     func(d *hotpatch.Device) bool { d.VBS = hotpatch.VBSUnknown; return true },
	"arch":    func(d *hotpatch.Device) bool { d.Arch = hotpatch.ArchUnknown; return true },
	"chpe": func(d *hotpatch.Device) bool {
		d.CHPEDisabled = hotpatch.Unknown
		return d.Arch == hotpatch.ArchArm64 || d.Arch == hotpatch.ArchUnknown
	},
	"management": func(d *hotpatch.Device) bool {
		d.Management = hotpatch.ManagementUnknown
		return d.Edition != hotpatch.EditionServerAzureEdition
	},
	"policy":      func(d *hotpatch.Device) bool { d.HotpatchPolicy = hotpatch.Unknown; return true },
	"secure-boot": func(d *hotpatch.Device) bool { d.SecureBoot = hotpatch.Unknown; return true },
}

// TestUnknownFactNeverPasses: a device with an unknown fact never passes
// the rule that reads it, and so is never Eligible.
func TestUnknownFactNeverPasses(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := policyGen().Draw(t, "policy")
		d := deviceGen().Draw(t, "device")
		for _, r := range p.Rules() {
			blank, ok := unknowing[r.ID]
			if !ok {
				t.Fatalf("no unknowing mutator for rule %q", r.ID)
			}
			u := d
			if !blank(&u) {
				continue
			}
			v := p.Evaluate(u)
			got, _ := v.Outcome(r.ID)
			if p.Options().Disputed == Lenient {
				// Lenient may pass what is disputed, never what is unknown.
				for rr, f := range v.Findings() {
					if rr.ID == r.ID && f.Outcome == Pass && !f.Disputed {
						t.Fatalf("%s passes with its fact unknown: %v", r.ID, v.Results())
					}
				}
				continue
			}
			if got == Pass || v.Status == Eligible {
				t.Fatalf("%s passes with its fact unknown (%v): %v", r.ID, u, v.Results())
			}
		}
	})
}

// TestStatusFollowsFindings: the status is the three-valued AND of the
// findings.
func TestStatusFollowsFindings(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := policyGen().Draw(t, "policy")
		v := p.Evaluate(deviceGen().Draw(t, "device"))
		want := Eligible
		for _, f := range v.Findings() {
			switch {
			case f.Outcome == Fail:
				want = NotEligible
			case f.Outcome == Unknown && want == Eligible:
				want = Undecided
			}
		}
		if v.Status != want || v.Len() != len(p.Rules()) {
			t.Fatalf("status %v, want %v", v.Status, want)
		}
	})
}

// TestFleetMatchesSequential: a fleet report is the same whatever the
// worker count, batch size and device order, and agrees with evaluating
// the devices one by one.
func TestFleetMatchesSequential(t *testing.T) {
	ps, err := ForAll(may2026, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rapid.Check(t, func(t *rapid.T) {
		devs := rapid.SliceOfN(deviceGen(), 0, 60).Draw(t, "devices")
		seq := func(ds []hotpatch.Device) func(func(hotpatch.Device) bool) {
			return func(yield func(hotpatch.Device) bool) {
				for _, d := range ds {
					if !yield(d) {
						return
					}
				}
			}
		}
		o := FleetOptions{Workers: rapid.IntRange(1, 5).Draw(t, "workers"), BatchSize: rapid.IntRange(1, 9).Draw(t, "batch")}
		r, err := Fleet(context.Background(), ps, seq(devs), o)
		if err != nil {
			t.Fatal(err)
		}
		perm := rapid.Permutation(devs).Draw(t, "order")
		r2, err := Fleet(context.Background(), ps, seq(perm), FleetOptions{Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(r, r2) {
			t.Fatalf("report depends on order or workers:\n%+v\n%+v", r, r2)
		}
		var status [3]int
		for _, d := range devs {
			status[ps.Evaluate(d).Status]++
		}
		if r.Devices != len(devs) || r.Eligible != status[Eligible] || r.NotEligible != status[NotEligible] || r.Undecided != status[Undecided] {
			t.Fatalf("report %+v, sequential %v", r, status)
		}
	})
}

// TestInventoryCountsAddUp: every data row of a CSV inventory is either a
// device or a rejected row, whatever damage the rows carry.
func TestInventoryCountsAddUp(t *testing.T) {
	cells := rapid.SampledFrom([]string{"", "x", "Enterprise", "running", "26100.8246", "10.0.99.1", `"q,uoted"`, `"`, "a,b", "yes", "Ultimate"})
	rapid.Check(t, func(t *rapid.T) {
		var b strings.Builder
		b.WriteString("id,name,build,edition,vbs,hotpatchPolicy\r\n")
		rows := rapid.IntRange(0, 40).Draw(t, "rows")
		for i := range rows {
			n := rapid.IntRange(1, 8).Draw(t, "fields")
			fields := []string{fmt.Sprintf("id%d", rapid.IntRange(0, 30).Draw(t, "id"))}
			for range n - 1 {
				fields = append(fields, cells.Draw(t, "cell"))
			}
			b.WriteString(strings.Join(fields, ","))
			b.WriteString(rapid.SampledFrom([]string{"\n", "\r\n"}).Draw(t, "eol"))
			_ = i
		}
		inv := ReadCSV(strings.NewReader(b.String()))
		devices := 0
		for range inv.Devices() {
			devices++
		}
		// A quote never closed ends the file early; the rows before it count.
		if err := inv.Err(); err != nil && !errors.Is(err, ErrUnclosedQuote) {
			t.Fatal(err)
		}
		if devices+inv.Rejected() != inv.Rows() {
			t.Fatalf("devices %d + rejected %d != rows %d", devices, inv.Rejected(), inv.Rows())
		}
	})
}
