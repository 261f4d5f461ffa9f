package eligibility

import (
	"github.com/patchmodel/patchmodel/hotpatch"
)

// Dates at which the Windows Server rules change, with their sources.
var (
	// Windows Server 2025 GA at 26100.1742 [S3]; Arc-connected hotpatch
	// was in free preview from about September 2024 [S4a, S8].
	server2025Start = hotpatch.Date{Year: 2024, Month: 11, Day: 1}
	// Arc hotpatch becomes GA and paid (USD 1.50 per core per month).
	// Sources disagree between 2025-07-01 and 2025-07-16 [S8]; the rule
	// takes the earlier date and says so.
	arcPaid = hotpatch.Date{Year: 2025, Month: 7, Day: 1}
	// Arc hotpatch for Standard/Datacenter at no additional cost [S9].
	arcFree = hotpatch.Date{Year: 2026, Month: 5, Day: 19}
	// Windows Server 2022 Datacenter: Azure Edition hotpatch GA, 2022-02-16
	// (techcommunity GA post, cited by third parties) [S5a].
	server2022Start = hotpatch.Date{Year: 2022, Month: 2, Day: 16}
)

// server2025Build is the first Windows Server 2025 build hotpatch supports:
// "build 26100.1742 or later" [S4b].
var server2025Build = hotpatch.MustParseConstraint(">= 26100.1742, < 26101")

// server2025Rules is the Windows Server 2025 rule set (Standard and
// Datacenter via Azure Arc; Datacenter: Azure Edition), every version of
// every rule. Basis: [S4a, S4b, S5a, S5b, S6, S8, S9].
func server2025Rules() []Rule {
	return []Rule{
		{
			ID:     "os",
			Title:  "Windows Server 2025, build 26100.1742 or later",
			Source: "S4b S3",
			From:   server2025Start,
			Remedy: "install Windows Server 2025 (26100.1742 or later) and the latest baseline",
			Check:  checkServer2025OS,
			Fact:   buildFact,
		},
		{
			ID:     "edition",
			Title:  "Standard, Datacenter or Datacenter: Azure Edition",
			Source: "S4b",
			From:   server2025Start,
			Remedy: "run Windows Server 2025 Standard, Datacenter or Datacenter: Azure Edition",
			Check:  checkServer2025Edition,
			Fact:   func(d *hotpatch.Device) string { return "edition " + d.Edition.String() },
		},
		{
			ID:     "secure-boot",
			Title:  "UEFI with Secure Boot (on Hyper-V, a Generation 2 VM)",
			Source: "S4b",
			From:   server2025Start,
			Remedy: "boot with UEFI and turn Secure Boot on (on Hyper-V, use a Generation 2 VM)",
			Check:  checkSecureBoot,
			Fact: func(d *hotpatch.Device) string {
				return "firmware " + d.Firmware.String() + ", Secure Boot " + d.SecureBoot.String()
			},
			Fix: func(d *hotpatch.Device) { d.Firmware, d.SecureBoot = hotpatch.FirmwareUEFI, hotpatch.True },
		},
		vbsRule("S4b", server2025Start),
		{
			ID:     "management",
			Title:  "Standard and Datacenter: connected with Azure Arc (Azure Edition needs no Arc)",
			Source: "S4b S5b",
			From:   server2025Start,
			Remedy: "connect the server with Azure Arc (Connected Machine agent)",
			Check:  checkServer2025Management,
			Fact: func(d *hotpatch.Device) string {
				return "edition " + d.Edition.String() + ", management " + d.Management.String()
			},
			Fix: func(d *hotpatch.Device) { d.Management = hotpatch.ManagementAzureArc },
		},
		serverPolicyRule("S4a S4b", server2025Start, arcPaid,
			"Hotpatch enabled for the machine (Arc: in the Azure portal, free preview)", ""),
		serverPolicyRule("S8 S4b", arcPaid, arcFree,
			"Hotpatch enabled for the machine (Arc: a paid subscription, USD 1.50 per core per month)",
			"paid from 2025-07-01 or 2025-07-16: sources disagree [S8]"),
		serverPolicyRule("S9 S4b", arcFree, hotpatch.Date{},
			"Hotpatch enabled for the machine (Arc: no additional cost since 2026-05-19)", ""),
	}
}

// server2022Rules is the Windows Server 2022 rule set: Datacenter: Azure
// Edition on Azure or Azure Local. Basis: [S4b, S5a, S5b, S6].
func server2022Rules() []Rule {
	return []Rule{
		{
			ID:     "os",
			Title:  "Windows Server 2022 (build 20348)",
			Source: "S5b S3",
			From:   server2022Start,
			Remedy: "run Windows Server 2022 Datacenter: Azure Edition from a hotpatch marketplace image",
			Check: func(d hotpatch.Device) Finding {
				switch {
				case d.Build.IsZero():
					return UnknownBecause("the installed build is not known")
				case d.Build.Major == 10 && d.Build.Minor == 0 && d.Build.Number == 20348:
					return PassBecause("Windows Server 2022")
				}
				return FailBecause("not Windows Server 2022 (20348)")
			},
			Fact: buildFact,
		},
		{
			ID:     "edition",
			Title:  "Datacenter: Azure Edition (on Azure or Azure Local, from the hotpatch marketplace images)",
			Source: "S5b S6",
			From:   server2022Start,
			Remedy: "redeploy as Datacenter: Azure Edition from a hotpatch marketplace image",
			Check: func(d hotpatch.Device) Finding {
				switch d.Edition {
				case hotpatch.EditionServerAzureEdition:
					return PassBecause("Datacenter: Azure Edition")
				case hotpatch.EditionUnknown:
					return UnknownBecause("the edition is not known")
				}
				return FailBecause("Windows Server 2022 hotpatch is for Datacenter: Azure Edition only")
			},
			Fact: func(d *hotpatch.Device) string { return "edition " + d.Edition.String() },
		},
		serverPolicyRule("S5b", server2022Start, hotpatch.Date{},
			"Hotpatch enabled for the VM (on by default on Server Core images)", ""),
	}
}

func serverPolicyRule(source string, from, until hotpatch.Date, title, dispute string) Rule {
	return Rule{
		ID:      "policy",
		Title:   title,
		Source:  source,
		From:    from,
		Until:   until,
		Dispute: dispute,
		Remedy:  "enable Hotpatch for the machine (Azure portal → Azure Arc → Machines → Hotpatch; on Azure, the VM's patch settings)",
		Check: func(d hotpatch.Device) Finding {
			return checkTri(d.HotpatchPolicy,
				"Hotpatch is enabled for the machine",
				"Hotpatch is not enabled for the machine",
				"whether Hotpatch is enabled for the machine is not known")
		},
		Fact: policyFact,
		Fix:  func(d *hotpatch.Device) { d.HotpatchPolicy = hotpatch.True },
	}
}

func checkServer2025OS(d hotpatch.Device) Finding {
	b := d.Build
	switch {
	case b.IsZero():
		return UnknownBecause("the installed build is not known")
	case server2025Build.Check(b):
		return PassBecause("Windows Server 2025 at 26100.1742 or later")
	case b.Major == 10 && b.Minor == 0 && b.Number == 26100:
		return FailBecause("older than 26100.1742, the first build hotpatch supports")
	}
	return FailBecause("not Windows Server 2025 (26100)")
}

func checkServer2025Edition(d hotpatch.Device) Finding {
	switch d.Edition {
	case hotpatch.EditionServerStandard, hotpatch.EditionServerDatacenter, hotpatch.EditionServerAzureEdition:
		return PassBecause("a supported edition")
	case hotpatch.EditionUnknown:
		return UnknownBecause("the edition is not known")
	}
	return FailBecause("not a Windows Server edition")
}

func checkSecureBoot(d hotpatch.Device) Finding {
	switch {
	case d.Firmware == hotpatch.FirmwareBIOS:
		return FailBecause("legacy BIOS: VBS needs UEFI with Secure Boot")
	case d.SecureBoot == hotpatch.False:
		return FailBecause("Secure Boot is off")
	case d.Firmware == hotpatch.FirmwareUEFI && d.SecureBoot == hotpatch.True:
		return PassBecause("UEFI with Secure Boot")
	}
	return UnknownBecause("the firmware or Secure Boot state is not known")
}

func checkServer2025Management(d hotpatch.Device) Finding {
	switch {
	case d.Edition == hotpatch.EditionServerAzureEdition:
		return PassBecause("Azure Edition needs no Azure Arc: hotpatch is on by default")
	case d.Management == hotpatch.ManagementAzureArc:
		return PassBecause("connected with Azure Arc")
	case d.Management == hotpatch.ManagementUnknown || d.Edition == hotpatch.EditionUnknown:
		return UnknownBecause("the management or edition is not known")
	}
	return FailBecause("Standard and Datacenter receive hotpatches only through Azure Arc")
}
