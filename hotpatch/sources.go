package hotpatch

// A Source is a document that a catalog row, a release or a rule rests on.
type Source struct {
	Tag   string // short tag used in rows: "S3"
	Title string
	URL   string
	// FirstParty reports whether Microsoft wrote it. Third-party sources are
	// weaker; facts that rest on them alone are marked unconfirmed.
	FirstParty bool
}

// Sources lists the documents this package's data cites, by tag; the
// module's SOURCES.md renders it. S35 and later were added with the releases
// of June to September 2026. A support.microsoft.com address of
// the form /help/NNNNNNN is the KB article's own redirect, as Microsoft's
// release information tables link it.
var Sources = map[string]Source{
	"S1":   {"S1", "Hotpatch updates (Windows Autopatch), all versions of the page", "https://learn.microsoft.com/windows/deployment/windows-autopatch/manage/windows-autopatch-hotpatch-updates", true},
	"S1a":  {"S1a", "Hotpatch updates (public preview), ms.date 11/19/2024", "https://learn.microsoft.com/windows/deployment/windows-autopatch/manage/windows-autopatch-hotpatch-updates", true},
	"S1b":  {"S1b", "Hotpatch updates, ms.date 12/17/2024 (device OS prerequisites added)", "https://learn.microsoft.com/windows/deployment/windows-autopatch/manage/windows-autopatch-hotpatch-updates", true},
	"S1c":  {"S1c", "Hotpatch updates, ms.date 04/11/2025", "https://learn.microsoft.com/windows/deployment/windows-autopatch/manage/windows-autopatch-hotpatch-updates", true},
	"S1e":  {"S1e", "Hotpatch updates, 2026 rendering", "https://learn.microsoft.com/windows/deployment/windows-autopatch/manage/windows-autopatch-hotpatch-updates", true},
	"S4a":  {"S4a", "Enable Hotpatch for Azure Arc-enabled servers (preview), ms.date 02/26/2025", "https://learn.microsoft.com/windows-server/get-started/enable-hotpatch-azure-arc-enabled-servers", true},
	"S5a":  {"S5a", "Hotpatch for virtual machines, ms.date 07/27/2023", "https://learn.microsoft.com/windows-server/get-started/hotpatch", true},
	"S6":   {"S6", "What is Azure Edition for Windows Server?", "https://learn.microsoft.com/windows-server/get-started/azure-edition", true},
	"S7":   {"S7", "MC1247859: Windows Autopatch is enabling hotpatch updates by default (and press reports)", "https://www.helpnetsecurity.com/?p=361036", true},
	"S8":   {"S8", "Windows Server blog 2025-04-24: Tired of all the restarts? Get hotpatching for Windows Server (via press reports)", "", false},
	"S9":   {"S9", "Azure Arc hotpatch for Windows Server 2025 is now free (third-party report)", "https://cloudservus.com/blog/azure-arc-hotpatch-for-windows-server-2025-is-now-free", false},
	"S20":  {"S20", "Mondoo mql provider: hotpatch detection and eligibility code", "", false},
	"S1d":  {"S1d", "Hotpatch updates (Windows Autopatch), ms.date 07/04/2025", "https://learn.microsoft.com/windows/deployment/windows-autopatch/manage/windows-autopatch-hotpatch-updates", true},
	"S2":   {"S2", "Hotpatch updates – Update schedules (Microsoft Learn training)", "https://learn.microsoft.com/en-us/training/modules/hotpatch-updates/3-update-schedules", true},
	"S3":   {"S3", "Windows Server release information (hotpatch calendar), page dated 2026-05-12", "https://learn.microsoft.com/en-us/windows/release-health/windows-server-release-info", true},
	"S4b":  {"S4b", "Enable Hotpatch for Azure Arc-enabled servers, ms.date 10/30/2025", "https://learn.microsoft.com/windows-server/get-started/enable-hotpatch-azure-arc-enabled-servers", true},
	"S5b":  {"S5b", "Hotpatch for virtual machines, ms.date 10/14/2024", "https://learn.microsoft.com/windows-server/get-started/hotpatch", true},
	"S17":  {"S17", "Update release cycle for Windows clients", "https://learn.microsoft.com/windows/deployment/update/release-cycle", true},
	"S18":  {"S18", "Windows Autopatch groups and quality update documentation", "https://learn.microsoft.com/windows/deployment/windows-autopatch/", true},
	"S21":  {"S21", "WindowsBuildTracker build database (refreshed from Windows release health)", "https://github.com/bm2025bm/WindowsBuildTracker", false},
	"S22":  {"S22", "Release notes for Hotpatch on Windows 11 Enterprise, version 24H2 and 25H2 (titles quoted by a scraper)", "https://support.microsoft.com/en-us/topic/release-notes-for-hotpatch-on-windows-11-enterprise-version-24h2-c0906ee6-5e62-498f-bd5a-8f4966349f3c", false},
	"S23":  {"S23", "Windows news and forum articles quoting KB titles (low confidence)", "", false},
	"S24":  {"S24", "endpointweekly: Hotpatch Windows 11 2026 schedule (26 June 2026)", "https://endpointweekly.com/blog/hotpatch-windows-11-2026-schedule-june-july-baseline.html", false},
	"S30":  {"S30", "CVE records (CVEProject/cvelistV5)", "https://github.com/CVEProject/cvelistV5", false},
	"S31":  {"S31", "WindowsOSBuild PowerShell module", "https://github.com/AshleyHow/WindowsOSBuild", false},
	"S33":  {"S33", "M365 message center: Hotpatch eligibility and prerequisites", "", true},
	"S34":  {"S34", "Forum reports on KB5070881 removing Server 2025 from hotpatch", "", false},
	"S35":  {"S35", "March 13, 2026—Hotpatch KB5084597 (OS Builds 26200.7982 and 26100.7982) Out-of-band (address as quoted by third parties)", "https://support.microsoft.com/topic/march-13-2026-hotpatch-kb5084597-os-builds-26200-7982-and-26100-7982-out-of-band", true},
	"S36":  {"S36", "Windows 11 and Windows Server release information, rows of June to August 2026 (Microsoft's tables as mirrored in the test fixtures of github.com/MaineK00n/vuls-data-update, pkg/extract/microsoft/releaseinfo)", "https://learn.microsoft.com/en-us/windows/release-health/windows11-release-information", true},
	"S37":  {"S37", "MSRC CVRF document 2026-Mar (Security Update Guide API v3.0; mirror github.com/p0w3rsh3ll/MSRC-data)", "https://api.msrc.microsoft.com/cvrf/v3.0/cvrf/2026-Mar", true},
	"S38":  {"S38", "June 9, 2026—KB5094126 (OS Builds 26200.8655 and 26100.8655) (address as quoted by third parties)", "https://support.microsoft.com/topic/june-9-2026-kb5094126-os-builds-26200-8655-and-26100-8655", true},
	"S39":  {"S39", "September 8, 2026—KB5124008 (OS Builds 26200.9445 and 26100.9445)", "https://support.microsoft.com/help/5124008", true},
	"S40":  {"S40", "September 14, 2026—KB5129195 (OS Builds 26200.9457 and 26100.9457) Out-of-band", "https://support.microsoft.com/help/5129195", true},
	"S41":  {"S41", "September 8, 2026—KB5122871 (OS Build 26100.33438), Windows Server 2025", "https://support.microsoft.com/help/5122871", true},
	"S42":  {"S42", "January 24, 2026—Hotpatch KB5078238 (OS Build 20348.4655) Out-of-band, beside the out-of-band update KB5078136 (20348.4651) (address as quoted by third parties)", "https://support.microsoft.com/topic/january-24-2026-hotpatch-kb5078238-os-build-20348-4655-out-of-band", true},
	"S43":  {"S43", "September 14, 2026—KB5129237 (OS Build 20348.5631) Out-of-band, Windows Server 2022", "https://support.microsoft.com/help/5129237", true},
	"S44":  {"S44", "Windows Autopatch groups policies: preset default policy values, ms.date 2025-03-31 (MicrosoftDocs/windows-itpro-docs windows-autopatch-groups-policies.md)", "https://learn.microsoft.com/windows/deployment/windows-autopatch/manage/windows-autopatch-groups-policies", true},
	"S10":  {"S10", "Hotpatching on Windows, Windows OS Platform Blog, November 2021", "https://techcommunity.microsoft.com/blog/windowsosplatform/hotpatching-on-windows/2959541", true},
	"S11":  {"S11", "Patch or attack? Inside the Windows Secure Hotpatch Report (a Windows engineer's blog, 2026; sample repository)", "https://github.com/CodeMaxx/windows-runtime-attestation-report", false},
	"S12":  {"S12", "LLVM WindowsSecureHotPatching.cpp: support for Windows hotpatching (Microsoft-contributed)", "https://github.com/llvm/llvm-project/blob/main/llvm/lib/CodeGen/WindowsSecureHotPatching.cpp", false},
	"S13":  {"S13", "MSVC /FUNCTIONPADMIN (Create hotpatchable image)", "https://learn.microsoft.com/cpp/build/reference/functionpadmin-create-hotpatchable-image", true},
	"S14":  {"S14", "winnt.h, Windows SDK 10.0.26100.0 (as recompiled by microsoft/win32metadata)", "https://github.com/microsoft/win32metadata", true},
	"S15":  {"S15", "Signal-Labs Hotpatching_PoC (reverse-engineered NtManageHotPatch)", "https://github.com/Signal-Labs/Hotpatching_PoC", false},
	"S16":  {"S16", "Windows Internals, 5th and 6th editions, \"Hotpatch Support\" (book)", "", false},
	"S25":  {"S25", "kpatch: patch author guide and create-diff-object (kpatch_verify_patchability)", "https://github.com/dynup/kpatch/blob/master/doc/patch-author-guide.md", false},
	"S19":  {"S19", "Microsoft Graph: Deploy a hotpatch quality update using Windows Autopatch, and the qualityUpdateRing and windowsQualityUpdatePolicy resources", "https://learn.microsoft.com/graph/windowsupdates-hotpatch-update", true},
	"CVRF": {"CVRF", "MSRC Security Update Guide CVRF v3.0 documents, one per month (rows read by hotpatch/msrc; each row's Provenance names the document and its revision)", "https://api.msrc.microsoft.com/cvrf/v3.0/updates", true},
	"S45":  {"S45", "Reports of June–July 2026 quoting Microsoft release health: hotpatch for Windows Server 2022 Datacenter: Azure Edition extended through October 2027 (the day given as 10 or 30 October)", "", false},
}
