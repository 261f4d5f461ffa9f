// Package eligibilitytest builds synthetic device fleets and inventory files
// for tests and benchmarks of package eligibility and its users, the way
// net/http/httptest serves net/http. For property tests over arbitrary
// devices, use the rapid generators of hotpatch/hotpatchtest.
package eligibilitytest

import (
	"bufio"
	"fmt"
	"io"
	"iter"
	"math/rand/v2"
	"strconv"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// Fleet returns n plausible devices, the same for the same seed: about 80%
// Windows 11 Enterprise clients on builds around May 2026 (the April 2026
// baseline, the May hotpatch and LCU, older and newer releases), 10% Pro
// clients and 10% Windows Server 2025 and 2022 machines, with the usual
// gaps and failures mixed in: VBS off or unknown, Arm64 with CHPE enabled,
// missing licenses, hotpatch policy off, other management.
//
// Device IDs are "DEV-" and the device's index, so they are unique. Fleet
// allocates only the IDs, so it can feed benchmarks of a million devices.
func Fleet(n int, seed uint64) iter.Seq[hotpatch.Device] {
	return func(yield func(hotpatch.Device) bool) {
		r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		for i := range n {
			if !yield(device(r, i)) {
				return
			}
		}
	}
}

var (
	clientBuilds = []hotpatch.Build{
		hotpatch.MustParseBuild("26100.8246"), hotpatch.MustParseBuild("26100.8390"), hotpatch.MustParseBuild("26200.8390"),
		hotpatch.MustParseBuild("26100.8457"), hotpatch.MustParseBuild("26100.7623"), hotpatch.MustParseBuild("22631.4317"),
	}
	serverBuilds = []hotpatch.Build{
		hotpatch.MustParseBuild("26100.32690"), hotpatch.MustParseBuild("26100.32772"), hotpatch.MustParseBuild("20348.5074"),
	}
	serverEditions = []hotpatch.Edition{
		hotpatch.EditionServerStandard, hotpatch.EditionServerDatacenter, hotpatch.EditionServerAzureEdition,
	}
)

// id returns "DEV-0000042" for 42, with one allocation.
func id(i int) string {
	var digits [20]byte
	d := strconv.AppendInt(digits[:0], int64(i), 10)
	var buf [32]byte
	b := append(buf[:0], "DEV-"...)
	for range 7 - len(d) {
		b = append(b, '0')
	}
	return string(append(b, d...))
}

func device(r *rand.Rand, i int) hotpatch.Device {
	pick := func(pct int) bool { return r.IntN(100) < pct }
	d := hotpatch.Device{
		ID:             id(i),
		Build:          clientBuilds[r.IntN(len(clientBuilds))],
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
		d.Build = serverBuilds[r.IntN(len(serverBuilds))]
		d.Edition = serverEditions[r.IntN(len(serverEditions))]
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
		d.License = hotpatch.License(r.IntN(int(hotpatch.LicenseOther) + 1))
	}
	if pick(5) {
		d.HotpatchPolicy = hotpatch.Tri(r.IntN(3))
	}
	if pick(3) {
		d.Management = hotpatch.Management(r.IntN(int(hotpatch.ManagementAzure) + 1))
	}
	return d
}

// CSVHeader is the header WriteCSV writes: Intune-style column names that
// eligibility.ReadCSV accepts.
const CSVHeader = "Device ID,Device name,OS version,SkuFamily,Processor architecture,VBS state,Firmware type,Secure Boot,Managed by,License,hotpatchEnabled,HotPatchRestrictions"

// WriteCSV writes devices as a CSV inventory with CSVHeader and CRLF line
// ends, each device name quoted with a comma in it, so that readers meet
// the quoting real exports have. Unknown facts are written as empty cells.
func WriteCSV(w io.Writer, devices iter.Seq[hotpatch.Device]) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(CSVHeader + "\r\n")
	for d := range devices {
		fmt.Fprintf(bw, "%s,\"%s, host\",%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\r\n",
			d.ID, d.ID, d.Build, cell(d.Edition), cell(d.Arch), cell(d.VBS), cell(d.Firmware),
			cell(d.SecureBoot), cell(d.Management), cell(d.License), cell(d.HotpatchPolicy), cell(d.CHPEDisabled))
	}
	return bw.Flush()
}

// cell writes a fact's text token, or nothing for an unknown fact.
func cell[T interface {
	~uint8
	MarshalText() ([]byte, error)
}](v T) string {
	if v == 0 {
		return ""
	}
	b, err := v.MarshalText()
	if err != nil {
		return ""
	}
	return string(b)
}
