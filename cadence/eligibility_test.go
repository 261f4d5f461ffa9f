package cadence_test

import (
	"testing"
	"time"

	"github.com/patchmodel/patchmodel/cadence"
	"github.com/patchmodel/patchmodel/eligibility"
	"github.com/patchmodel/patchmodel/hotpatch"
)

func TestFromVerdict(t *testing.T) {
	asOf := hotpatch.Date{Year: 2026, Month: time.May, Day: 20}
	p, err := eligibility.For(hotpatch.TrackWindows11, asOf)
	if err != nil {
		t.Fatal(err)
	}
	good := hotpatch.Device{
		ID: "pc-1", Build: hotpatch.MustParseBuild("10.0.26100.8390"),
		Edition: hotpatch.EditionEnterprise, Arch: hotpatch.ArchX64, Firmware: hotpatch.FirmwareUEFI,
		SecureBoot: hotpatch.True, VBS: hotpatch.VBSRunning, Management: hotpatch.ManagementIntune,
		License: hotpatch.LicenseE3, HotpatchPolicy: hotpatch.True,
	}
	v := p.Evaluate(good)
	if v.Status != eligibility.Eligible {
		t.Fatalf("test device is %v: %+v", v.Status, v.Results())
	}
	if d := cadence.FromVerdict(&v); !d.Eligible || d.Behind || d.ID != "pc-1" {
		t.Errorf("eligible verdict gave %+v", d)
	}
	behind := good
	behind.Build = hotpatch.MustParseBuild("10.0.26100.7623") // the January 2026 baseline
	v = p.Evaluate(behind)
	if o, _ := v.Outcome(cadence.BaselineRule); o != eligibility.Fail {
		t.Fatalf("device on the January baseline in May: baseline rule %v", o)
	}
	if d := cadence.FromVerdict(&v); !d.Behind || !d.Eligible {
		t.Errorf("device on an old baseline: verdict %v gave %+v", v.Status, d)
	}
	noVBS := good
	noVBS.VBS = hotpatch.VBSOff
	v = p.Evaluate(noVBS)
	if d := cadence.FromVerdict(&v); d.Eligible {
		t.Errorf("device without VBS: verdict %v gave eligible", v.Status)
	}
	// A verdict of no rules decided nothing (cadence's doc: undecided
	// counts as not eligible).
	var none eligibility.Verdict
	if d := cadence.FromVerdict(&none); d.Eligible {
		t.Errorf("empty verdict gave eligible")
	}
}
