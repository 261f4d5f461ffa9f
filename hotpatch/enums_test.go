package hotpatch_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/patchmodel/patchmodel/hotpatch"
)

func TestParseEditionInventorySpellings(t *testing.T) {
	tests := map[string]hotpatch.Edition{
		"Windows 11 Enterprise":                         hotpatch.EditionEnterprise,
		"Enterprise":                                    hotpatch.EditionEnterprise,
		"enterprise":                                    hotpatch.EditionEnterprise,
		"EnterpriseS":                                   hotpatch.EditionEnterpriseLTSC,
		"Windows 11 Enterprise LTSC 2024":               hotpatch.EditionEnterpriseLTSC,
		"ServerDatacenterACor":                          hotpatch.EditionServerDatacenter,
		"Windows Server 2025 Datacenter":                hotpatch.EditionServerDatacenter,
		"Windows Server 2022 Datacenter: Azure Edition": hotpatch.EditionServerAzureEdition,
		"ServerTurbineCor":                              hotpatch.EditionServerAzureEdition,
		"Professional":                                  hotpatch.EditionPro,
		"Windows 11 Pro":                                hotpatch.EditionPro,
		"Core":                                          hotpatch.EditionHome,
		"ServerRdsh":                                    hotpatch.EditionEnterpriseMultiSession,
		"":                                              hotpatch.EditionUnknown,
		"unknown":                                       hotpatch.EditionUnknown,
	}
	for in, want := range tests {
		got, err := hotpatch.ParseEdition(in)
		if err != nil || got != want {
			t.Errorf("ParseEdition(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	_, err := hotpatch.ParseEdition("Windows 11 Ultimate")
	var pe *hotpatch.ParseError
	if !errors.Is(err, hotpatch.ErrUnknown) || !errors.As(err, &pe) || pe.Value != "Windows 11 Ultimate" {
		t.Errorf("ParseEdition(unknown) error = %v", err)
	}
}

func TestParseOtherEnums(t *testing.T) {
	check := func(name string, got, want any, err error) {
		t.Helper()
		if err != nil || got != want {
			t.Errorf("%s = %v, %v; want %v", name, got, err, want)
		}
	}
	a, err := hotpatch.ParseArch("AMD64")
	check("ParseArch(AMD64)", a, hotpatch.ArchX64, err)
	a, err = hotpatch.ParseArch("aarch64")
	check("ParseArch(aarch64)", a, hotpatch.ArchArm64, err)
	m, err := hotpatch.ParseManagement("Co-managed")
	check("ParseManagement(Co-managed)", m, hotpatch.ManagementCoManaged, err)
	m, err = hotpatch.ParseManagement("SCCM")
	check("ParseManagement(SCCM)", m, hotpatch.ManagementConfigMgr, err)
	l, err := hotpatch.ParseLicense("Microsoft 365 E5")
	check("ParseLicense(Microsoft 365 E5)", l, hotpatch.LicenseE5, err)
	l, err = hotpatch.ParseLicense("Microsoft 365 Business Premium")
	check("ParseLicense(BP)", l, hotpatch.LicenseBusinessPremium, err)
	v, err := hotpatch.ParseVBS("2")
	check("ParseVBS(2)", v, hotpatch.VBSRunning, err)
	v, err = hotpatch.ParseVBS("Enabled but not running")
	check("ParseVBS(1)", v, hotpatch.VBSConfigured, err)
	f, err := hotpatch.ParseFirmware("Legacy BIOS")
	check("ParseFirmware", f, hotpatch.FirmwareBIOS, err)
	for _, bad := range []string{"PowerPC", "sparc"} {
		if _, err := hotpatch.ParseArch(bad); !errors.Is(err, hotpatch.ErrUnknown) {
			t.Errorf("ParseArch(%q) error = %v", bad, err)
		}
	}
}

func TestEnumTextRoundTrip(t *testing.T) {
	for e := hotpatch.EditionUnknown; e <= hotpatch.EditionServerAzureEdition; e++ {
		text, err := e.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back hotpatch.Edition
		if err := back.UnmarshalText(text); err != nil || back != e {
			t.Errorf("Edition %v via %q = %v, %v", e, text, back, err)
		}
		if back, err := hotpatch.ParseEdition(e.String()); err != nil || back != e {
			t.Errorf("ParseEdition(%q) = %v, %v", e.String(), back, err)
		}
	}
	if _, err := hotpatch.Edition(200).MarshalText(); err == nil {
		t.Error("MarshalText of an invalid Edition succeeded")
	}
}

func TestTri(t *testing.T) {
	var d hotpatch.Device
	if d.SecureBoot != hotpatch.Unknown {
		t.Fatal("zero Tri is not Unknown")
	}
	for in, want := range map[string]hotpatch.Tri{`true`: hotpatch.True, `false`: hotpatch.False, `null`: hotpatch.Unknown, `"yes"`: hotpatch.True, `"0"`: hotpatch.False, `""`: hotpatch.Unknown} {
		var got hotpatch.Tri
		if err := json.Unmarshal([]byte(in), &got); err != nil || got != want {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v", in, got, err, want)
		}
		data, _ := json.Marshal(want)
		var back hotpatch.Tri
		if err := json.Unmarshal(data, &back); err != nil || back != want {
			t.Errorf("round trip of %v = %v, %v", want, back, err)
		}
	}
	var bad hotpatch.Tri
	if err := json.Unmarshal([]byte(`"maybe"`), &bad); !errors.Is(err, hotpatch.ErrUnknown) {
		t.Errorf("Unmarshal(maybe) error = %v", err)
	}
}

func TestDeviceJSONRoundTrip(t *testing.T) {
	d := hotpatch.Device{
		ID: "PC-1", Build: hotpatch.MustParseBuild("26100.4851"), Edition: hotpatch.EditionEnterprise,
		Arch: hotpatch.ArchArm64, VBS: hotpatch.VBSRunning, CHPEDisabled: hotpatch.False,
		License: hotpatch.LicenseE3, HotpatchPolicy: hotpatch.True,
	}
	data, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var back hotpatch.Device
	if err := json.Unmarshal(data, &back); err != nil || back != d {
		t.Fatalf("round trip via %s = %+v, %v", data, back, err)
	}
}
