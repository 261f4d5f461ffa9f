package eligibility

import (
	"bytes"
	"context"
	"fmt"
	"iter"
	"math/rand/v2"
	"testing"

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
func generate(n int, seed uint64) iter.Seq[hotpatch.Device] {
	return func(yield func(hotpatch.Device) bool) {
		r := rand.New(rand.NewPCG(seed, seed))
		for i := range n {
			if !yield(synthetic(r, i)) {
				return
			}
		}
	}
}

func syntheticDevices(n int, seed uint64) []hotpatch.Device {
	var ds []hotpatch.Device
	for d := range generate(n, seed) {
		ds = append(ds, d)
	}
	return ds
}

var (
	synthClientBuilds = []hotpatch.Build{
		hotpatch.MustParseBuild("26100.8246"), hotpatch.MustParseBuild("26100.8390"), hotpatch.MustParseBuild("26200.8390"),
		hotpatch.MustParseBuild("26100.8457"), hotpatch.MustParseBuild("26100.7623"), hotpatch.MustParseBuild("22631.4317"),
	}
	synthServerBuilds = []hotpatch.Build{
		hotpatch.MustParseBuild("26100.32690"), hotpatch.MustParseBuild("26100.32772"), hotpatch.MustParseBuild("20348.5074"),
	}
	synthIDs = func() []string {
		ids := make([]string, 1<<16)
		for i := range ids {
			ids[i] = fmt.Sprintf("DEV-%05d", i)
		}
		return ids
	}()
)

// synthetic returns a plausible device: mostly eligible Windows 11
// clients, with the usual gaps and failures, and some servers.
func synthetic(r *rand.Rand, i int) hotpatch.Device {
	pick := func(pct int) bool { return r.IntN(100) < pct }
	d := hotpatch.Device{
		ID:             synthIDs[i&(1<<16-1)],
		Build:          synthClientBuilds[r.IntN(len(synthClientBuilds))],
		Edition:        hotpatch.EditionEnterprise,
		Arch:           hotpatch.ArchX64,
		Firmware:       hotpatch.FirmwareUEFI,
		SecureBoot:     hotpatch.True,
		VBS:            hotpatch.VBSRunning,
		Management:     hotpatch.ManagementIntune,
		License:        hotpatch.LicenseE3,
		HotpatchPolicy: hotpatch.True,
	}
	switch {
	case pick(10):
		d.Build = synthServerBuilds[r.IntN(len(synthServerBuilds))]
		d.Edition = []hotpatch.Edition{hotpatch.EditionServerStandard, hotpatch.EditionServerDatacenter, hotpatch.EditionServerAzureEdition}[r.IntN(3)]
		d.Management = hotpatch.ManagementAzureArc
		d.License = hotpatch.LicenseUnknown
	case pick(10):
		d.Edition = hotpatch.EditionPro
	}
	if pick(15) {
		d.VBS = hotpatch.VBS(r.IntN(3))
	}
	if pick(5) {
		d.Arch, d.CHPEDisabled = hotpatch.ArchArm64, hotpatch.Tri(r.IntN(3))
	}
	if pick(5) {
		d.License = hotpatch.License(r.IntN(10))
	}
	if pick(5) {
		d.HotpatchPolicy = hotpatch.Tri(r.IntN(3))
	}
	if pick(3) {
		d.Management = hotpatch.Management(r.IntN(8))
	}
	return d
}

// syntheticCSV renders n synthetic devices as a CSV inventory with
// Intune-style headers.
func syntheticCSV(n int, seed uint64) []byte {
	var b bytes.Buffer
	b.WriteString("Device ID,Device name,OS version,SkuFamily,Processor architecture,VBS state,Firmware type,Secure Boot,Managed by,License,hotpatchEnabled,HotPatchRestrictions\r\n")
	i := 0
	for d := range generate(n, seed) {
		fmt.Fprintf(&b, "%s-%d,\"%s, host\",%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\r\n",
			d.ID, i, d.ID, d.Build, d.Edition, d.Arch, d.VBS, d.Firmware, d.SecureBoot, d.Management, d.License, d.HotpatchPolicy, d.CHPEDisabled)
		i++
	}
	return b.Bytes()
}
