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
	// Windows Server 2022's mainstream support ended on 2026-10-13 [S3];
	// hotpatch for Datacenter: Azure Edition is extended through October
	// 2027 by reports of Microsoft release health (2026-06-29 to 07-01)
	// that disagree on the last day, 10 or 30 October 2027 [S45]. The rule
	// is disputed between the two days, and fails after the later.
	server2022MainstreamEnd = hotpatch.Date{Year: 2026, Month: 10, Day: 14}
	server2022HotpatchEnd   = hotpatch.Date{Year: 2027, Month: 10, Day: 11} // after 10 October 2027
	server2022HotpatchEnd30 = hotpatch.Date{Year: 2027, Month: 10, Day: 31} // after 30 October 2027
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
		server2022OS(hotpatch.Date{}, server2022MainstreamEnd, "Windows Server 2022 (build 20348)", "S5b S3", "", PassBecause("Windows Server 2022")),
		server2022OS(server2022MainstreamEnd, server2022HotpatchEnd,
			"Windows Server 2022 (build 20348): hotpatch extended past mainstream support through October 2027",
			"S5b S3 S45", server2022EndDispute,
			PassBecause("Windows Server 2022, hotpatch supported through October 2027 (third-party reports of Microsoft release health) [S45]")),
		server2022OS(server2022HotpatchEnd, server2022HotpatchEnd30,
			"Windows Server 2022 (build 20348): hotpatch support through 10 or 30 October 2027",
			"S45", server2022EndDispute,
			DisputedBecause("Windows Server 2022: hotpatch support ends on 10 or 30 October 2027, the sources disagree [S45] — UNCONFIRMED")),
		server2022OS(server2022HotpatchEnd30, hotpatch.Date{},
			"Windows Server 2022 (build 20348): hotpatch support ended in October 2027",
			"S45", server2022EndDispute,
			FailBecause("hotpatch support for Windows Server 2022 ended in October 2027 [S45]")),
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

const server2022EndDispute = "the extension through October 2027 rests on reports of Microsoft release health, which give its last day as 10 or 30 October 2027 [S45]"

// server2022OS is a version of the Windows Server 2022 "os" rule: a build
// 20348 device gets onServer2022 (which says whether hotpatch is still
// supported in the version's period).
func server2022OS(from, until hotpatch.Date, title, source, dispute string, onServer2022 Finding) Rule {
	if from.IsZero() {
		from = server2022Start
	}
	remedy := "run Windows Server 2022 Datacenter: Azure Edition from a hotpatch marketplace image"
	if onServer2022.Outcome != Pass {
		remedy = "move to Windows Server 2025 (hotpatch through Azure Arc, or Datacenter: Azure Edition)"
	}
	return Rule{
		ID: "os", Title: title, Source: source, From: from, Until: until, Dispute: dispute, Remedy: remedy,
		Check: func(d hotpatch.Device) Finding {
			switch {
			case d.Build.IsZero():
				return UnknownBecause("the installed build is not known")
			case d.Build.Major == 10 && d.Build.Minor == 0 && d.Build.Number == 20348:
				return onServer2022
			}
			return FailBecause("not Windows Server 2022 (20348)")
		},
		Fact: buildFact,
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
