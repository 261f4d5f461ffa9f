package eligibility

import (
	"bytes"
	"context"
	"encoding/json"
	"iter"
	"slices"
	"testing"

	"github.com/patchmodel/patchmodel/eligibility/eligibilitytest"
	"github.com/patchmodel/patchmodel/hotpatch"
)

var benchDay = hotpatch.Date{Year: 2026, Month: 5, Day: 20}

// BenchmarkEvaluate measures the common path: a Windows 11 device with
// every fact known, evaluated under the Windows 11 policy.
func BenchmarkEvaluate(b *testing.B) {
	p, err := For(hotpatch.TrackWindows11, benchDay)
	if err != nil {
		b.Fatal(err)
	}
	devs := syntheticDevices(1024, 1)
	b.ReportAllocs()
	b.ResetTimer()
	var n int
	for i := 0; b.Loop(); i++ {
		v := p.Evaluate(devs[i&1023])
		n += int(v.Status)
	}
	_ = n
}

// BenchmarkEvaluateAll measures ForAll, which picks each device's track.
func BenchmarkEvaluateAll(b *testing.B) {
	ps, err := ForAll(benchDay, Options{})
	if err != nil {
		b.Fatal(err)
	}
	devs := syntheticDevices(1024, 1)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		v := ps.Evaluate(devs[i&1023])
		_ = v.Status
	}
}

// BenchmarkFleet1M evaluates and summarizes a fleet of a million devices
// from an in-memory generator; one op is the whole fleet.
func BenchmarkFleet1M(b *testing.B) {
	ps, err := ForAll(benchDay, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r, err := Fleet(context.Background(), ps, generate(1_000_000, 7), FleetOptions{})
		if err != nil || r.Devices != 1_000_000 {
			b.Fatal(err, r.Devices)
		}
	}
}

// BenchmarkReadCSV1M reads a million-row CSV inventory held in memory; one
// op is the whole file.
func BenchmarkReadCSV1M(b *testing.B) {
	data := syntheticCSV(1_000_000, 3)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		inv := ReadCSV(bytes.NewReader(data))
		n := 0
		for range inv.Devices() {
			n++
		}
		if inv.Err() != nil || n+inv.Rejected() != 1_000_000 {
			b.Fatal(inv.Err(), n, inv.Rejected())
		}
	}
}

// generate yields n synthetic devices, the same for the same seed.
func generate(n int, seed uint64) iter.Seq[hotpatch.Device] { return eligibilitytest.Fleet(n, seed) }

func syntheticDevices(n int, seed uint64) []hotpatch.Device {
	return slices.Collect(generate(n, seed))
}

// syntheticCSV renders n synthetic devices as a CSV inventory.
func syntheticCSV(n int, seed uint64) []byte {
	var b bytes.Buffer
	if err := eligibilitytest.WriteCSV(&b, generate(n, seed)); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// BenchmarkReadJSON100k reads a JSON array of 100,000 devices held in
// memory; one op is the whole file.
func BenchmarkReadJSON100k(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("[\n")
	i := 0
	for d := range generate(100_000, 5) {
		if i > 0 {
			buf.WriteString(",\n")
		}
		data, err := json.Marshal(d)
		if err != nil {
			b.Fatal(err)
		}
		buf.Write(data)
		i++
	}
	buf.WriteString("\n]\n")
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		inv := ReadJSON(bytes.NewReader(data))
		n := 0
		for range inv.Devices() {
			n++
		}
		if inv.Err() != nil || n+inv.Rejected() != 100_000 {
			b.Fatal(inv.Err(), n, inv.Rejected(), inv.Problems()[:1])
		}
	}
}
