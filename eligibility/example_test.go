package eligibility_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/patchmodel/patchmodel/eligibility"
	"github.com/patchmodel/patchmodel/hotpatch"
)

// Evaluate one Windows 11 device under the rules in force on 20 May 2026,
// and ask whether it takes May's update without a restart.
func ExamplePolicy_Evaluate() {
	p, err := eligibility.For(hotpatch.TrackWindows11, hotpatch.Date{Year: 2026, Month: 5, Day: 20})
	if err != nil {
		panic(err)
	}
	d := hotpatch.Device{
		ID:             "FIN-LT-042",
		Build:          hotpatch.MustParseBuild("10.0.26100.8246"), // the April 2026 baseline
		Edition:        hotpatch.EditionEnterprise,
		Arch:           hotpatch.ArchX64,
		VBS:            hotpatch.VBSConfigured, // enabled, not yet running
		Management:     hotpatch.ManagementIntune,
		License:        hotpatch.LicenseE3,
		HotpatchPolicy: hotpatch.True,
	}
	v := p.Evaluate(d)
	fmt.Println(v)
	for _, r := range v.Results() {
		if r.Outcome != eligibility.Pass {
			fmt.Printf("%s: %s\n  remedy: %s\n  source: %s\n", r.Rule, r.Reason, r.Remedy, r.URL)
		}
	}
	fmt.Println("this month:", v.Offer().Why)

	d.VBS = hotpatch.VBSRunning
	v = p.Evaluate(d)
	fmt.Println(v)
	fmt.Println("this month:", v.Offer().Why)
	// Output:
	// FIN-LT-042: not-eligible (vbs fail)
	// vbs: VBS Enabled but not running: VBS is enabled but not running (a restart starts it)
	//   remedy: enable VBS and restart
	//   source: https://learn.microsoft.com/windows/deployment/windows-autopatch/manage/windows-autopatch-hotpatch-updates
	// this month: not eligible (vbs): cumulative update KB5089549, with a restart
	// FIN-LT-042: eligible
	// this month: eligible and on the baseline: hotpatch KB5089466 installs without a restart
}

// Read a small inventory and summarize the fleet.
func ExampleFleet() {
	inventory := `Device ID,OS version,SkuFamily,Processor architecture,VBS state,Managed by,License,hotpatchEnabled
pc-1,10.0.26100.8246,Enterprise,x64,Running,Intune,E3,true
pc-2,10.0.26100.8246,Enterprise,x64,Not enabled,Intune,E3,true
pc-3,10.0.26100.8246,Enterprise,x64,Not enabled,Intune,E5,true
pc-4,10.0.26100.8246,Pro,x64,Running,Intune,Business Premium,true
pc-5,10.0.22631.4317,Enterprise,x64,Running,Intune,E3,true
pc-6,10.0.26100.8246,Windows 11 Ultimate,x64,Running,Intune,E3,true
`
	policies, err := eligibility.ForAll(hotpatch.Date{Year: 2026, Month: 5, Day: 20}, eligibility.Options{})
	if err != nil {
		panic(err)
	}
	inv := eligibility.ReadCSV(strings.NewReader(inventory))
	report, err := eligibility.Fleet(context.Background(), policies, inv.Devices(), eligibility.FleetOptions{})
	if err != nil {
		panic(err)
	}
	report.Input = inv.Summary()
	fmt.Printf("%d eligible, %d not eligible, %d unknown; %d rejected\n",
		report.Eligible, report.NotEligible, report.Undecided, inv.Rejected())
	for _, r := range report.Remedies {
		fmt.Printf("%s on %d devices makes %d eligible\n", r.Remedy, r.Devices, r.Unlocks)
	}
	report.WriteText(os.Stdout)
	// Output:
	// 1 eligible, 3 not eligible, 1 unknown; 1 rejected
	// enable VBS and restart on 2 devices makes 2 eligible
	// Hotpatch eligibility as of 2026-05-20 (disputed questions: reported as unknown)
	//
	// Inventory: 6 rows read: 5 devices, 1 rejected
	//   line 7: column SkuFamily: hotpatch: parsing edition "Windows 11 Ultimate": unknown value
	//
	// Devices: 5
	//   eligible            1   20.0%
	//   not eligible        3   60.0%
	//   unknown             1   20.0%
	//
	// This month's update (2026-05): 1 without a restart (or already installed), 3 with a restart, 1 unknown
	//
	// By track:            devices  eligible  not eligible  unknown
	//   Windows 11                5         1             3        1
	//
	// Rules that keep devices out, by devices failing:
	//   track        rule          failed  unknown  disputed  requirement [sources]
	//   Windows 11   vbs                2        0         0  virtualization-based security (VBS) running [S1a S1d]
	//   Windows 11   os                 1        0         0  Windows 11 version 24H2 or later (build 26100 or 26200) [S1e S21 S22]
	//   Windows 11   baseline           0        1         0  on the latest baseline release (or a hotpatch built on it) [S1a S1d S3 S4b]
	//   Windows 11   edition            0        1         1  Windows 11 Enterprise or Education (including Enterprise multi-session) [S1d S1e S2]
	//
	// Best single remedies:
	//   vbs: enable VBS and restart — on 2 devices, makes 2 eligible
}

// Read devices from a JSON inventory (an array of objects, or an Intune
// export's {"value": [...]}): bad rows are rejected with their line, the
// others are read.
func ExampleReadJSON() {
	const inventory = `[
  {"id": "pc-1", "build": "10.0.26100.8246", "edition": "Enterprise", "arch": "x64",
   "vbs": "running", "management": "intune", "license": "e3", "hotpatchPolicy": true},
  {"id": "pc-2", "build": "10.0.26100.8246", "edition": "Windows 11 Ultimate"},
  {"id": "pc-3", "build": "10.0.26200.8246", "edition": "Education", "vbs": 2}
]`
	inv := eligibility.ReadJSON(strings.NewReader(inventory))
	for d := range inv.Devices() {
		fmt.Println(d.ID, d.Build, d.Edition, d.VBS)
	}
	if err := inv.Err(); err != nil {
		fmt.Println("error:", err)
	}
	fmt.Printf("%d rows, %d rejected\n", inv.Rows(), inv.Rejected())
	for _, p := range inv.Problems() {
		fmt.Println(p)
	}
	// Output:
	// pc-1 10.0.26100.8246 Enterprise Running
	// pc-3 10.0.26200.8246 Education Running
	// 3 rows, 1 rejected
	// line 4: column edition: hotpatch: parsing edition "Windows 11 Ultimate": unknown value
}

// Add a rule of your own, here that a device has a name, to Microsoft's
// rules for Windows 11. A rule with the ID of an existing rule replaces it.
func ExamplePolicy_WithRules() {
	p, err := eligibility.For(hotpatch.TrackWindows11, hotpatch.Date{Year: 2026, Month: 5, Day: 20})
	if err != nil {
		panic(err)
	}
	named := eligibility.Rule{
		ID:     "named",
		Title:  "the device has a name in the inventory",
		Remedy: "name the device",
		Check: func(d hotpatch.Device) eligibility.Finding {
			if d.Name == "" {
				return eligibility.FailBecause("no device name")
			}
			return eligibility.PassBecause("named")
		},
	}
	p, err = p.WithRules(named)
	if err != nil {
		panic(err)
	}
	v := p.Evaluate(hotpatch.Device{
		ID:             "FIN-LT-042",
		Build:          hotpatch.MustParseBuild("10.0.26100.8246"),
		Edition:        hotpatch.EditionEnterprise,
		Arch:           hotpatch.ArchX64,
		VBS:            hotpatch.VBSRunning,
		Management:     hotpatch.ManagementIntune,
		License:        hotpatch.LicenseE3,
		HotpatchPolicy: hotpatch.True,
	})
	fmt.Println(v)
	fmt.Println(v.Blocking())
	// Output:
	// FIN-LT-042: not-eligible (named fail)
	// [named]
}

// patchable is an Assessment, as binarydiff.Result.Hotpatchability returns
// one, that found changes which cannot be applied in memory.
type patchable []string

func (p patchable) Patchable() bool    { return len(p) == 0 }
func (p patchable) Blockers() []string { return p }

// Ask whether an update installs without a restart: the catalog's word
// first; for a release the catalog does not know, a binary assessment is
// an inference, so the finding stays Unknown and Disputed, with the
// assessment's answer in its reason (a policy's Stance resolves it).
func ExampleCheckUpdate() {
	kb, err := hotpatch.ParseKB("KB5089466") // May 2026's Windows 11 hotpatch
	if err != nil {
		panic(err)
	}
	may, err := hotpatch.Embedded().ByKB(kb)
	if err != nil {
		panic(err)
	}
	show := func(f eligibility.Finding) {
		fmt.Printf("%v (disputed %v): %s\n", f.Outcome, f.Disputed, f.Why)
	}
	fmt.Println(may.KB, may.Kind)
	show(eligibility.CheckUpdate(may, nil))

	unknown := may
	unknown.Kind = hotpatch.KindUnknown // a release not yet in the catalog
	show(eligibility.CheckUpdate(unknown, patchable(nil)))
	show(eligibility.CheckUpdate(unknown, patchable{"changed data layout in .data"}))
	// Output:
	// KB5089466 Hotpatch
	// pass (disputed false): a hotpatch release: installs without a restart
	// unknown (disputed true): not in the catalog as a hotpatch; the binary assessment finds every change hotpatchable
	// unknown (disputed true): not in the catalog as a hotpatch; the binary assessment finds changes that cannot be hotpatched
}

// The README's eligibility snippet: judge one device under the rules in
// force on a day, and say what it receives this month.
func Example() {
	policy, err := eligibility.For(hotpatch.TrackWindows11, hotpatch.Date{Year: 2026, Month: 5, Day: 20})
	if err != nil {
		panic(err)
	}
	device := hotpatch.Device{
		ID:      "FIN-LT-042",
		Build:   hotpatch.MustParseBuild("10.0.26100.8246"), // the April 2026 baseline
		Edition: hotpatch.EditionEnterprise, Arch: hotpatch.ArchX64,
		VBS: hotpatch.VBSRunning, Management: hotpatch.ManagementIntune,
		License: hotpatch.LicenseE3, HotpatchPolicy: hotpatch.Unknown, // not in the export
	}
	v := policy.Evaluate(device)
	fmt.Println(v)             // status, and the rules that did not pass
	fmt.Println(v.Offer().Why) // this month's update, and whether it restarts
	// Output:
	// FIN-LT-042: unknown (policy unknown)
	// eligibility unknown (policy): hotpatch KB5089466 if eligible, else cumulative update KB5089549 with a restart
}
