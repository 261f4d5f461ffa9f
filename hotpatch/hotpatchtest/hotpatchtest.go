// Package hotpatchtest provides rapid generators for the hotpatch
// vocabulary, for patchmodel's property tests and for downstream suites, the
// way net/http/httptest serves net/http.
//
// Generators draw unknown facts as often as known ones where a fact may be
// unknown, because code that handles inventories must be tested on gaps.
package hotpatchtest

import (
	"time"

	"github.com/patchmodel/patchmodel/hotpatch"
	"pgregory.net/rapid"
)

// Build generates builds 10.0.N.R with N among the hotpatch-relevant
// releases and some others, and R any revision.
func Build() *rapid.Generator[hotpatch.Build] {
	return rapid.Custom(func(t *rapid.T) hotpatch.Build {
		n := rapid.SampledFrom([]uint32{19045, 20348, 22631, 26100, 26200, 28000}).Draw(t, "number")
		r := rapid.Uint32Range(0, 40000).Draw(t, "revision")
		return hotpatch.NewBuild(n, r)
	})
}

// AnyBuild generates builds with every part drawn from the full 32-bit range,
// for round-trip properties.
func AnyBuild() *rapid.Generator[hotpatch.Build] {
	return rapid.Custom(func(t *rapid.T) hotpatch.Build {
		return hotpatch.Build{
			Major:    rapid.Uint32().Draw(t, "major"),
			Minor:    rapid.Uint32().Draw(t, "minor"),
			Number:   rapid.Uint32().Draw(t, "number"),
			Revision: rapid.Uint32().Draw(t, "revision"),
		}
	})
}

// CatalogBuild generates builds that the embedded catalog holds.
func CatalogBuild() *rapid.Generator[hotpatch.Build] {
	var builds []hotpatch.Build
	for u := range hotpatch.Embedded().All() {
		builds = append(builds, u.Builds...)
	}
	return rapid.SampledFrom(builds)
}

// Tri generates Unknown, False and True.
func Tri() *rapid.Generator[hotpatch.Tri] {
	return rapid.SampledFrom([]hotpatch.Tri{hotpatch.Unknown, hotpatch.False, hotpatch.True})
}

// enum generates values 0..n-1 of an enumerated type, 0 being unknown.
func enum[E ~uint8](n int) *rapid.Generator[E] {
	return rapid.Custom(func(t *rapid.T) E {
		return E(rapid.IntRange(0, n-1).Draw(t, "value"))
	})
}

// Edition generates editions, EditionUnknown included.
func Edition() *rapid.Generator[hotpatch.Edition] {
	return enum[hotpatch.Edition](int(hotpatch.EditionServerAzureEdition) + 1)
}

// Arch generates architectures, ArchUnknown included.
func Arch() *rapid.Generator[hotpatch.Arch] { return enum[hotpatch.Arch](int(hotpatch.ArchX86) + 1) }

// Firmware generates firmware types, FirmwareUnknown included.
func Firmware() *rapid.Generator[hotpatch.Firmware] {
	return enum[hotpatch.Firmware](int(hotpatch.FirmwareBIOS) + 1)
}

// Management generates management states, ManagementUnknown included.
func Management() *rapid.Generator[hotpatch.Management] {
	return enum[hotpatch.Management](int(hotpatch.ManagementAzure) + 1)
}

// License generates licenses, LicenseUnknown included.
func License() *rapid.Generator[hotpatch.License] {
	return enum[hotpatch.License](int(hotpatch.LicenseOther) + 1)
}

// VBS generates VBS states, VBSUnknown included.
func VBS() *rapid.Generator[hotpatch.VBS] { return enum[hotpatch.VBS](int(hotpatch.VBSRunning) + 1) }

// Device generates devices whose every fact is independently drawn, unknown
// included. The ID is unique within one draw sequence only if the caller
// makes it so.
func Device() *rapid.Generator[hotpatch.Device] {
	return rapid.Custom(func(t *rapid.T) hotpatch.Device {
		d := hotpatch.Device{
			ID:                       rapid.StringMatching(`[A-Z]{2}-[0-9]{4}`).Draw(t, "id"),
			Edition:                  Edition().Draw(t, "edition"),
			Arch:                     Arch().Draw(t, "arch"),
			Firmware:                 Firmware().Draw(t, "firmware"),
			SecureBoot:               Tri().Draw(t, "secureBoot"),
			VBS:                      VBS().Draw(t, "vbs"),
			VirtualizationExtensions: Tri().Draw(t, "virtualizationExtensions"),
			SLAT:                     Tri().Draw(t, "slat"),
			CHPEDisabled:             Tri().Draw(t, "chpeDisabled"),
			Management:               Management().Draw(t, "management"),
			License:                  License().Draw(t, "license"),
			HotpatchPolicy:           Tri().Draw(t, "hotpatchPolicy"),
		}
		if rapid.Bool().Draw(t, "buildKnown") {
			d.Build = rapid.OneOf(Build(), CatalogBuild()).Draw(t, "build")
		}
		if rapid.Bool().Draw(t, "lastBaselineKnown") {
			d.LastBaseline = CatalogBuild().Draw(t, "lastBaseline")
		}
		return d
	})
}

// EligibleDevice generates Windows 11 x64 devices that meet every documented
// client prerequisite, on a build the embedded catalog holds. Tests mutate
// one fact of such a device to probe a single rule.
func EligibleDevice() *rapid.Generator[hotpatch.Device] {
	return rapid.Custom(func(t *rapid.T) hotpatch.Device {
		var builds []hotpatch.Build
		for u := range hotpatch.Embedded().Track(hotpatch.TrackWindows11) {
			if u.Kind == hotpatch.KindBaseline || u.Kind == hotpatch.KindHotpatch {
				builds = append(builds, u.Builds...)
			}
		}
		b := rapid.SampledFrom(builds).Draw(t, "build")
		return hotpatch.Device{
			ID:                       rapid.StringMatching(`PC-[0-9]{5}`).Draw(t, "id"),
			Build:                    b,
			Edition:                  rapid.SampledFrom([]hotpatch.Edition{hotpatch.EditionEnterprise, hotpatch.EditionEducation}).Draw(t, "edition"),
			Arch:                     hotpatch.ArchX64,
			Firmware:                 hotpatch.FirmwareUEFI,
			SecureBoot:               hotpatch.True,
			VBS:                      hotpatch.VBSRunning,
			VirtualizationExtensions: hotpatch.True,
			SLAT:                     hotpatch.True,
			Management:               rapid.SampledFrom([]hotpatch.Management{hotpatch.ManagementIntune, hotpatch.ManagementAutopatch}).Draw(t, "management"),
			License:                  rapid.SampledFrom([]hotpatch.License{hotpatch.LicenseE3, hotpatch.LicenseE5, hotpatch.LicenseA3, hotpatch.LicenseA5, hotpatch.LicenseF3, hotpatch.LicenseWindows365Enterprise}).Draw(t, "license"),
			HotpatchPolicy:           hotpatch.True,
		}
	})
}

// Date generates days from 2020 through 2030.
func Date() *rapid.Generator[hotpatch.Date] {
	return rapid.Custom(func(t *rapid.T) hotpatch.Date {
		start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		return hotpatch.DateOf(start.AddDate(0, 0, rapid.IntRange(0, 11*366).Draw(t, "day")))
	})
}

// Update generates updates of the embedded catalog.
func Update() *rapid.Generator[hotpatch.Update] {
	var all []hotpatch.Update
	for u := range hotpatch.Embedded().All() {
		all = append(all, u)
	}
	return rapid.SampledFrom(all)
}
