package cadence_test

import (
	"context"
	"fmt"
	"time"

	"github.com/patchmodel/patchmodel/cadence"
	"github.com/patchmodel/patchmodel/cadence/cadencetest"
	"github.com/patchmodel/patchmodel/eligibility"
	"github.com/patchmodel/patchmodel/hotpatch"
)

func ExamplePatchTuesday() {
	t, err := cadence.PatchTuesday(2026, time.June)
	if err != nil {
		panic(err)
	}
	fmt.Println(t)
	fmt.Println(t.UTC())
	// Output:
	// 2026-06-09 10:00:00 -0700 PDT
	// 2026-06-09 17:00:00 +0000 UTC
}

func ExamplePatchTuesdays() {
	days, err := cadence.PatchTuesdays(hotpatch.Date{Year: 2027, Month: time.January, Day: 1}, hotpatch.Date{Year: 2027, Month: time.April, Day: 30})
	if err != nil {
		panic(err)
	}
	for t := range days {
		fmt.Println(t.Format("Mon 2006-01-02 15:04 MST"))
	}
	// Output:
	// Tue 2027-01-12 10:00 PST
	// Tue 2027-02-09 10:00 PST
	// Tue 2027-03-09 10:00 PST
	// Tue 2027-04-13 10:00 PDT
}

func ExampleCalendar_Releases() {
	cal, err := cadence.NewCalendar(hotpatch.TrackServer2022, cadence.CalendarOptions{})
	if err != nil {
		panic(err)
	}
	rs, err := cal.Releases(hotpatch.Date{Year: 2024, Month: time.July, Day: 1}, hotpatch.Date{Year: 2024, Month: time.October, Day: 31})
	if err != nil {
		panic(err)
	}
	for r := range rs {
		fmt.Println(r, "unplanned:", r.Unplanned())
	}
	// Output:
	// 2024-07-09 Baseline KB5040437 (catalog) unplanned: false
	// 2024-08-13 Baseline KB5041160 (catalog) unplanned: true
	// 2024-09-10 Hotpatch KB5042880 (catalog) unplanned: false
	// 2024-10-08 Baseline KB5044281 (catalog) unplanned: false
}

func ExampleCalendar_Month() {
	// June 2026 was planned as a hotpatch month; Windows 11 and Windows
	// Server 2025 received an unplanned baseline instead [S36, S38].
	for _, t := range []hotpatch.Track{hotpatch.TrackWindows11, hotpatch.TrackServer2025} {
		cal, err := cadence.NewCalendar(t, cadence.CalendarOptions{})
		if err != nil {
			panic(err)
		}
		r, _ := cal.Month(2026, time.June)
		fmt.Println(r, "unplanned:", r.Unplanned())
	}
	// Output:
	// 2026-06-09 Baseline KB5094126 (catalog) unplanned: true
	// 2026-06-09 Baseline KB5094125 (catalog) unplanned: true
}

func ExampleNewCalendar_override() {
	_, err := cadence.NewCalendar(hotpatch.TrackWindows11, cadence.CalendarOptions{Overrides: []cadence.Override{
		{Year: 2027, Month: time.May, Kind: hotpatch.KindHotpatch, Restart: hotpatch.True},
	}})
	fmt.Println(err)
	// Output:
	// cadence: override 0 (2027-05 Hotpatch): a hotpatch never restarts
}

func ExampleAutopatchRings() {
	for _, r := range cadence.AutopatchRings() {
		fmt.Printf("%-5s deferral %2d  deadline %d  grace %d\n", r.Name, r.Deferral, r.Deadline, r.Grace)
	}
	// Output:
	// Test  deferral  0  deadline 0  grace 0
	// Ring1 deferral  1  deadline 2  grace 2
	// Ring2 deferral  5  deadline 2  grace 2
	// Ring3 deferral  9  deadline 5  grace 2
	// Last  deferral 10  deadline 3  grace 2
}

func ExampleSimulation_Timeline() {
	cal, err := cadence.NewCalendar(hotpatch.TrackWindows11, cadence.CalendarOptions{})
	if err != nil {
		panic(err)
	}
	sim, err := cadence.NewSimulation(cal, hotpatch.Date{Year: 2025, Month: time.January, Day: 1}, hotpatch.Date{Year: 2025, Month: time.June, Day: 30}, cadence.Options{})
	if err != nil {
		panic(err)
	}
	ring3 := cadence.AutopatchRings()[3]
	for _, eligible := range []bool{true, false} {
		tl, err := sim.Timeline(cadence.Device{Eligible: eligible, Ring: ring3})
		if err != nil {
			panic(err)
		}
		fmt.Printf("eligible=%v: %d restarts\n", eligible, tl.Restarts)
		for r, o := range tl.All() {
			fmt.Printf("  %v %-8v installed %v  protected after %2d days\n", r.Day, o.Action, o.Installed, o.DaysToProtection)
		}
	}
	// Output:
	// eligible=true: 2 restarts
	//   2025-01-14 baseline installed 2025-01-23  protected after 14 days
	//   2025-02-11 hotpatch installed 2025-02-20  protected after  9 days
	//   2025-03-11 hotpatch installed 2025-03-20  protected after  9 days
	//   2025-04-08 baseline installed 2025-04-17  protected after 14 days
	//   2025-05-13 hotpatch installed 2025-05-22  protected after  9 days
	//   2025-06-10 hotpatch installed 2025-06-19  protected after  9 days
	// eligible=false: 6 restarts
	//   2025-01-14 baseline installed 2025-01-23  protected after 14 days
	//   2025-02-11 lcu      installed 2025-02-20  protected after 14 days
	//   2025-03-11 lcu      installed 2025-03-20  protected after 14 days
	//   2025-04-08 baseline installed 2025-04-17  protected after 14 days
	//   2025-05-13 lcu      installed 2025-05-22  protected after 14 days
	//   2025-06-10 lcu      installed 2025-06-19  protected after 14 days
}

func ExampleSimulation_Fleet() {
	cal, err := cadence.NewCalendar(hotpatch.TrackWindows11, cadence.CalendarOptions{})
	if err != nil {
		panic(err)
	}
	sim, err := cadence.NewSimulation(cal, hotpatch.Date{Year: 2026, Month: time.January, Day: 1}, hotpatch.Date{Year: 2026, Month: time.December, Day: 31}, cadence.Options{})
	if err != nil {
		panic(err)
	}
	fleet := cadencetest.Fleet(cadencetest.FleetSpec{Devices: 10000, Seed: 1, Eligible: 0.7, WorkingDays: 0.8, DayOff: 0.05, WeekOff: 0.04})
	rep, err := sim.Fleet(context.Background(), fleet, cadence.FleetOptions{})
	if err != nil {
		panic(err)
	}
	for _, side := range []struct {
		name string
		s    cadence.Summary
	}{{"hotpatch on ", rep.On}, {"hotpatch off", rep.Off}} {
		r, d := side.s.RestartsPerDeviceYear, side.s.DaysToProtection
		fmt.Printf("%s: restarts/device-year mean %.1f p90 %.0f; days to protection mean %.1f p50 %.0f p90 %.0f p99 %.0f\n",
			side.name, r.Mean, r.P90, d.Mean, d.P50, d.P90, d.P99)
	}
	// Output:
	// hotpatch on : restarts/device-year mean 7.1 p90 12; days to protection mean 14.4 p50 14 p90 33 p99 46
	// hotpatch off: restarts/device-year mean 12.0 p90 12; days to protection mean 15.2 p50 14 p90 16 p99 46
}

func ExampleFromVerdict() {
	asOf := hotpatch.Date{Year: 2026, Month: time.May, Day: 20}
	policy, err := eligibility.For(hotpatch.TrackWindows11, asOf)
	if err != nil {
		panic(err)
	}
	laptop := hotpatch.Device{
		ID: "FIN-LT-002", Build: hotpatch.MustParseBuild("10.0.26100.8246"), // the April 2026 baseline
		Edition: hotpatch.EditionEnterprise, Arch: hotpatch.ArchX64, Firmware: hotpatch.FirmwareUEFI,
		SecureBoot: hotpatch.True, VBS: hotpatch.VBSRunning, Management: hotpatch.ManagementIntune,
		License: hotpatch.LicenseE3, HotpatchPolicy: hotpatch.True,
	}
	v := policy.Evaluate(laptop)
	d := cadence.FromVerdict(&v)
	d.Ring = cadence.AutopatchRings()[2] // Ring2

	cal, err := cadence.NewCalendar(hotpatch.TrackWindows11, cadence.CalendarOptions{})
	if err != nil {
		panic(err)
	}
	sim, err := cadence.NewSimulation(cal, hotpatch.Date{Year: 2026, Month: time.June, Day: 1}, hotpatch.Date{Year: 2027, Month: time.May, Day: 31}, cadence.Options{})
	if err != nil {
		panic(err)
	}
	tl, err := sim.Timeline(d)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s: %v, eligible %v, behind %v: %d restarts in a year\n", d.ID, v.Status, d.Eligible, d.Behind, tl.Restarts)
	// Output:
	// FIN-LT-002: eligible, eligible true, behind false: 5 restarts in a year
}

func ExampleTimeline_Events() {
	cal, err := cadence.NewCalendar(hotpatch.TrackWindows11, cadence.CalendarOptions{})
	if err != nil {
		panic(err)
	}
	sim, err := cadence.NewSimulation(cal, hotpatch.Date{Year: 2025, Month: time.January, Day: 1}, hotpatch.Date{Year: 2025, Month: time.February, Day: 28}, cadence.Options{})
	if err != nil {
		panic(err)
	}
	tl, err := sim.Timeline(cadence.Device{Eligible: true, Ring: cadence.AutopatchRings()[1]}) // Ring1
	if err != nil {
		panic(err)
	}
	for e := range tl.Events() {
		r := tl.Releases[e.Release]
		fmt.Println(e.Day, e.Kind, r.Kind, r.KB)
	}
	// Output:
	// 2025-01-15 offered Baseline KB5050009
	// 2025-01-15 installed Baseline KB5050009
	// 2025-01-17 restarted Baseline KB5050009
	// 2025-02-12 offered Hotpatch KB5052105
	// 2025-02-12 installed Hotpatch KB5052105
}
