package eligibility

import (
	"github.com/patchmodel/patchmodel/hotpatch"
)

// Dates at which the Windows 11 rules change, with their sources.
var (
	// Public preview of client hotpatch for Windows 11 Enterprise 24H2 and
	// Windows 365 (Ignite, 2024-11-19/20) [S23, S3].
	windows11Start = hotpatch.Date{Year: 2024, Month: 11, Day: 19}
	// Learn of 07/04/2025: "Hotpatch updates on Arm 64 devices follow the
	// same release cycle"; of 04/11/2025 it still said public preview
	// [S1c, S1d]. The exact GA day is UNCONFIRMED.
	arm64GA = hotpatch.Date{Year: 2025, Month: 7, Day: 4}
	// 25H2 (26200) on the hotpatch track from the October 2025 baseline
	// KB5066835, whose KBs list 26200 and 26100 [S21, S22].
	windows11v25H2 = hotpatch.Date{Year: 2025, Month: 10, Day: 14}
	// Autopatch turns hotpatch on by default for eligible devices with no
	// quality update policy from the May 2026 Patch Tuesday [S7].
	hotpatchDefaultOn = hotpatch.Date{Year: 2026, Month: 5, Day: 12}
)

// windows11Rules is the Windows 11 client rule set, every version of every
// rule; For picks the versions in force on its date. Basis: [S1, S1a–S1e,
// S2, S7].
func windows11Rules() []Rule {
	return []Rule{
		{
			ID:     "os",
			Title:  "Windows 11 version 24H2 (build 26100)",
			Source: "S1a S1d",
			From:   windows11Start, Until: windows11v25H2,
			Remedy: "upgrade to Windows 11 24H2 and install the latest baseline",
			Check:  func(d hotpatch.Device) Finding { return checkClientOS(d, false) },
			Fact:   buildFact,
		},
		{
			ID:      "os",
			Title:   "Windows 11 version 24H2 or later (build 26100 or 26200)",
			Source:  "S1e S21 S22",
			From:    windows11v25H2,
			Dispute: "whether 26H1 (28000) and 26H2 (26300) receive hotpatches is not documented [S30]",
			Remedy:  "upgrade to Windows 11 24H2 or 25H2 and install the latest baseline",
			Check:   func(d hotpatch.Device) Finding { return checkClientOS(d, true) },
			Fact:    buildFact,
		},
		{
			ID:      "edition",
			Title:   "Windows 11 Enterprise or Education (including Enterprise multi-session)",
			Source:  "S1d S1e S2",
			From:    windows11Start,
			Dispute: "Pro under Business Premium: Learn (04–07/2025) says Enterprise, the 2026 text drops it [S1c S1d S1e]; IoT Enterprise and Enterprise LTSC 2024 only per third parties [S23]",
			Remedy:  "move the device to Windows 11 Enterprise or Education (a subscription step-up with an E3/E5/A3/A5 license)",
			Check:   checkClientEdition,
			Fact:    func(d *hotpatch.Device) string { return "edition " + d.Edition.String() },
			Fix:     func(d *hotpatch.Device) { d.Edition = hotpatch.EditionEnterprise },
		},
		{
			ID:     "license",
			Title:  "an entitling license: Windows 11 Enterprise E3/E5, Microsoft 365 F3, Education A3/A5, Microsoft 365 Business Premium or Windows 365 Enterprise",
			Source: "S1d S1e S2",
			From:   windows11Start,
			Remedy: "assign an E3, E5, F3, A3, A5, Business Premium or Windows 365 Enterprise license",
			Check:  checkClientLicense,
			Fact:   func(d *hotpatch.Device) string { return "license " + d.License.String() },
			Fix:    func(d *hotpatch.Device) { d.License = hotpatch.LicenseE3 },
		},
		vbsRule("S1a S1d", windows11Start),
		{
			ID:     "arch",
			Title:  "x64, or Arm64 (public preview)",
			Source: "S2 S1c",
			From:   windows11Start, Until: arm64GA,
			Remedy: "hotpatch needs an x64 or Arm64 device",
			Check: func(d hotpatch.Device) Finding {
				return checkClientArch(d, "Arm64 is supported in public preview")
			},
			Fact: archFact,
		},
		{
			ID:     "arch",
			Title:  "x64 or Arm64",
			Source: "S2 S1d",
			From:   arm64GA,
			Remedy: "hotpatch needs an x64 or Arm64 device",
			Check: func(d hotpatch.Device) Finding {
				return checkClientArch(d, "Arm64 follows the same release cycle")
			},
			Fact: archFact,
		},
		{
			ID:     "chpe",
			Title:  "on Arm64, Compiled Hybrid PE (CHPE) disabled",
			Source: "S1a S1c S1d",
			From:   windows11Start,
			Remedy: `set HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Memory Management\HotPatchRestrictions=1 (or Policy CSP DisableCHPE) and restart once`,
			Check:  checkCHPE,
			Fact: func(d *hotpatch.Device) string {
				return "arch " + d.Arch.String() + ", CHPE disabled " + d.CHPEDisabled.String()
			},
			Fix: func(d *hotpatch.Device) { d.CHPEDisabled = hotpatch.True },
		},
		{
			ID:      "management",
			Title:   "managed by Microsoft Intune (or Windows Autopatch)",
			Source:  "S1c S1d",
			From:    windows11Start,
			Dispute: "co-management and hybrid join: Microsoft only requires Intune and a Windows quality update policy [S1]; third parties disagree [S23]",
			Remedy:  "enroll the device in Intune",
			Check:   checkClientManagement,
			Fact:    func(d *hotpatch.Device) string { return "management " + d.Management.String() },
			Fix:     func(d *hotpatch.Device) { d.Management = hotpatch.ManagementIntune },
		},
		{
			ID:     "policy",
			Title:  "assigned a Windows quality update policy with hotpatch on",
			Source: "S1a S1d",
			From:   windows11Start, Until: hotpatchDefaultOn,
			Remedy: `assign a Windows quality update policy with "When available, apply without restarting the device (Hotpatch)" = Allow`,
			Check: func(d hotpatch.Device) Finding {
				return checkTri(d.HotpatchPolicy,
					"a quality update policy with hotpatch on is assigned",
					"no quality update policy with hotpatch on is assigned",
					"whether a quality update policy with hotpatch on is assigned is not known")
			},
			Fact: policyFact,
			Fix:  func(d *hotpatch.Device) { d.HotpatchPolicy = hotpatch.True },
		},
		{
			ID:     "policy",
			Title:  "hotpatch on: by a Windows quality update policy, or by the Autopatch default for devices without one",
			Source: "S7 S1d",
			From:   hotpatchDefaultOn,
			Remedy: `assign a Windows quality update policy with hotpatch allowed, or remove the policy or tenant setting that blocks it`,
			Check: func(d hotpatch.Device) Finding {
				return checkTri(d.HotpatchPolicy,
					"hotpatch is on for the device",
					"hotpatch is off for the device (a quality update policy or the tenant setting blocks it)",
					"whether hotpatch is on is not known (on by default since May 2026 unless a policy or the tenant opts out)")
			},
			Fact: policyFact,
			Fix:  func(d *hotpatch.Device) { d.HotpatchPolicy = hotpatch.True },
		},
	}
}

func buildFact(d *hotpatch.Device) string {
	if d.Build.IsZero() {
		return "build unknown"
	}
	return "build " + d.Build.Short()
}

func archFact(d *hotpatch.Device) string { return "arch " + d.Arch.String() }

func policyFact(d *hotpatch.Device) string { return "hotpatch policy " + d.HotpatchPolicy.String() }

func checkClientOS(d hotpatch.Device, allow25H2 bool) Finding {
	b := d.Build
	switch {
	case b.IsZero():
		return UnknownBecause("the installed build is not known")
	case b.Major != 10 || b.Minor != 0:
		return FailBecause("not a Windows 10.0 build")
	case b.Number == 26100:
		return PassBecause("Windows 11 24H2")
	case b.Number == 26200 && allow25H2:
		return PassBecause("Windows 11 25H2")
	case b.Number == 26200:
		return FailBecause("25H2 joined the hotpatch track only in October 2025")
	case b.Number == 28000:
		return DisputedBecause("Windows 11 26H1: hotpatch components ship [S30], but whether 26H1 receives hotpatches is UNCONFIRMED")
	case b.Number == 26300:
		return DisputedBecause("Windows 11 26H2 (GA 2026-09-29 per third parties [S23]): no source says whether it receives hotpatches — UNCONFIRMED")
	case b.Number < 26100:
		return FailBecause("older than Windows 11 24H2")
	}
	return UnknownBecause("not a release build the hotpatch documentation names (Insider?)")
}

func checkClientEdition(d hotpatch.Device) Finding {
	switch d.Edition {
	case hotpatch.EditionEnterprise, hotpatch.EditionEducation, hotpatch.EditionEnterpriseMultiSession:
		return PassBecause("an eligible edition")
	case hotpatch.EditionPro, hotpatch.EditionProEducation, hotpatch.EditionProWorkstations:
		return DisputedBecause("Pro editions under Business Premium: Microsoft's pages disagree (Enterprise only in 04–07/2025, not in 2026) — UNCONFIRMED")
	case hotpatch.EditionEnterpriseLTSC, hotpatch.EditionIoTEnterprise, hotpatch.EditionIoTEnterpriseLTSC:
		return DisputedBecause("IoT Enterprise and Enterprise LTSC 2024 are named only by third parties — UNCONFIRMED")
	case hotpatch.EditionHome, hotpatch.EditionSE:
		return FailBecause("no eligible license covers this edition")
	case hotpatch.EditionServerStandard, hotpatch.EditionServerDatacenter, hotpatch.EditionServerAzureEdition:
		return FailBecause("a Windows Server edition, not Windows 11")
	}
	return UnknownBecause("the edition is not known")
}

func checkClientLicense(d hotpatch.Device) Finding {
	switch d.License {
	case hotpatch.LicenseE3, hotpatch.LicenseE5, hotpatch.LicenseF3, hotpatch.LicenseA3,
		hotpatch.LicenseA5, hotpatch.LicenseBusinessPremium, hotpatch.LicenseWindows365Enterprise:
		return PassBecause("an entitling license")
	case hotpatch.LicenseNone, hotpatch.LicenseOther:
		return FailBecause("no entitling license (the license is checked in the cloud, not on the device)")
	}
	return UnknownBecause("the license is not known")
}

func checkClientArch(d hotpatch.Device, arm64 string) Finding {
	switch d.Arch {
	case hotpatch.ArchX64:
		return PassBecause("x64 is supported")
	case hotpatch.ArchArm64:
		return PassBecause(arm64)
	case hotpatch.ArchX86:
		return FailBecause("32-bit x86 is not supported")
	}
	return UnknownBecause("the architecture is not known")
}

func checkCHPE(d hotpatch.Device) Finding {
	switch {
	case d.Arch == hotpatch.ArchArm64 || d.Arch == hotpatch.ArchUnknown:
		switch d.CHPEDisabled {
		case hotpatch.True:
			return PassBecause("CHPE is disabled")
		case hotpatch.False:
			if d.Arch == hotpatch.ArchUnknown {
				return UnknownBecause("CHPE is enabled, which matters only on Arm64, and the architecture is not known")
			}
			return FailBecause("CHPE is enabled: hotpatch cannot service CHPE binaries in SyChpe32")
		}
		return UnknownBecause("whether CHPE is disabled is not known")
	}
	return PassBecause("not Arm64: CHPE does not apply")
}

func checkClientManagement(d hotpatch.Device) Finding {
	switch d.Management {
	case hotpatch.ManagementIntune, hotpatch.ManagementAutopatch:
		return PassBecause("managed by Intune")
	case hotpatch.ManagementCoManaged:
		return DisputedBecause("co-managed: Microsoft requires Intune with a quality update policy; whether co-management qualifies is UNCONFIRMED")
	case hotpatch.ManagementConfigMgr:
		return FailBecause("Configuration Manager alone: hotpatch is deployed by an Intune Windows quality update policy")
	case hotpatch.ManagementNone, hotpatch.ManagementAzureArc, hotpatch.ManagementAzure:
		return FailBecause("not managed by Intune")
	}
	return UnknownBecause("the management is not known")
}

// vbsRule is the VBS rule, the same on Windows 11 and Windows Server 2025.
func vbsRule(source string, from hotpatch.Date) Rule {
	return Rule{
		ID:     "vbs",
		Title:  "virtualization-based security (VBS) running",
		Source: source,
		From:   from,
		Remedy: "enable VBS and restart",
		Check:  checkVBS,
		Fact:   func(d *hotpatch.Device) string { return "VBS " + d.VBS.String() },
		Fix:    func(d *hotpatch.Device) { d.VBS = hotpatch.VBSRunning },
	}
}

func checkVBS(d hotpatch.Device) Finding {
	switch d.VBS {
	case hotpatch.VBSRunning:
		return PassBecause("VBS is running")
	case hotpatch.VBSConfigured:
		return FailBecause("VBS is enabled but not running (a restart starts it)")
	case hotpatch.VBSOff:
		return FailBecause("VBS is not enabled")
	}
	return UnknownBecause("the VBS state is not known")
}

// checkTri checks a yes/no fact.
func checkTri(t hotpatch.Tri, yes, no, unknown string) Finding {
	switch t {
	case hotpatch.True:
		return PassBecause(yes)
	case hotpatch.False:
		return FailBecause(no)
	}
	return UnknownBecause(unknown)
}
