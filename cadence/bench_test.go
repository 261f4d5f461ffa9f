package cadence_test

import (
	"context"
	"testing"
	"time"

	"github.com/patchmodel/patchmodel/cadence"
	"github.com/patchmodel/patchmodel/cadence/cadencetest"
	"github.com/patchmodel/patchmodel/hotpatch"
)

// reportCPU runs the benchmark loop f and reports, besides wall time, the
// process CPU time per operation (cpu-ns/op): on a machine shared with other
// work, wall time also counts waiting for a CPU, and CPU time does not.
func reportCPU(b *testing.B, f func()) {
	b.Helper()
	b.ReportAllocs()
	start := cpuTime()
	n := 0
	for b.Loop() {
		f()
		n++
	}
	if used := cpuTime() - start; used > 0 && n > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/float64(n), "cpu-ns/op")
	}
}

func benchSimulation(b *testing.B, years int) *cadence.Simulation {
	b.Helper()
	cal, err := cadence.NewCalendar(hotpatch.TrackWindows11, cadence.CalendarOptions{})
	if err != nil {
		b.Fatal(err)
	}
	from := hotpatch.Date{Year: 2026, Month: time.January, Day: 1}
	to := hotpatch.Date{Year: 2026 + years - 1, Month: time.December, Day: 31}
	s, err := cadence.NewSimulation(cal, from, to, cadence.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// benchDevice is a device with every feature of the loop switched on:
// working days, random days and weeks off.
var benchDevice = cadence.Device{
	Eligible: true,
	Ring:     cadence.AutopatchRings()[3],
	Online:   cadence.Availability{WorkingDays: true, DayOff: 0.05, WeekOff: 0.04, Seed: 42},
}

// BenchmarkTimelineDeviceYear simulates one device for one year and returns
// its full timeline: one allocation (the outcome slice) per device, none
// per release.
func BenchmarkTimelineDeviceYear(b *testing.B) {
	s := benchSimulation(b, 1)
	reportCPU(b, func() {
		if _, err := s.Timeline(benchDevice); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkTimelineIntoDeviceYear is BenchmarkTimelineDeviceYear reusing
// one Timeline: no allocation at all.
func BenchmarkTimelineIntoDeviceYear(b *testing.B) {
	s := benchSimulation(b, 1)
	var tl cadence.Timeline
	reportCPU(b, func() {
		if err := s.TimelineInto(&tl, benchDevice); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkTimelineDevice3Years is BenchmarkTimelineDeviceYear over three
// years: the allocation count stays at one.
func BenchmarkTimelineDevice3Years(b *testing.B) {
	s := benchSimulation(b, 3)
	reportCPU(b, func() {
		if _, err := s.Timeline(benchDevice); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkRestartsDeviceYear simulates one device for one year without
// building a timeline: no allocation at all.
func BenchmarkRestartsDeviceYear(b *testing.B) {
	s := benchSimulation(b, 1)
	reportCPU(b, func() {
		if _, err := s.Restarts(benchDevice); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkFleet100kDevices3Years simulates 100,000 devices for three years,
// each twice (hotpatch on and off), with GOMAXPROCS workers. The synthetic
// fleet is generated inside the timed loop.
func BenchmarkFleet100kDevices3Years(b *testing.B) {
	s := benchSimulation(b, 3)
	spec := cadencetest.FleetSpec{Devices: 100_000, Seed: 1, Eligible: 0.7, Behind: 0.05, WorkingDays: 0.8, DayOff: 0.05, WeekOff: 0.04}
	reportCPU(b, func() {
		if _, err := s.Fleet(context.Background(), cadencetest.Fleet(spec), cadence.FleetOptions{}); err != nil {
			b.Fatal(err)
		}
	})
}
