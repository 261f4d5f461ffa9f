package hotpatch

// A Source is a document that a catalog row, a release or a rule rests on.
type Source struct {
	Tag   string // short tag used in rows and rules: "S3"
	Title string
	URL   string
	// FirstParty reports whether Microsoft wrote it. Third-party sources are
	// weaker; facts that rest on them alone are marked unconfirmed.
	FirstParty bool
}

// Sources lists the documents this package's data cites, by tag; the
// module's SOURCES.md renders it.
var Sources = map[string]Source{
	"S1":  {"S1", "Hotpatch updates (Windows Autopatch), all versions of the page", "https://learn.microsoft.com/windows/deployment/windows-autopatch/manage/windows-autopatch-hotpatch-updates", true},
	"S1a": {"S1a", "Hotpatch updates (public preview), ms.date 11/19/2024", "https://learn.microsoft.com/windows/deployment/windows-autopatch/manage/windows-autopatch-hotpatch-updates", true},
	"S1b": {"S1b", "Hotpatch updates, ms.date 12/17/2024 (device OS prerequisites added)", "https://learn.microsoft.com/windows/deployment/windows-autopatch/manage/windows-autopatch-hotpatch-updates", true},
	"S1c": {"S1c", "Hotpatch updates, ms.date 04/11/2025", "https://learn.microsoft.com/windows/deployment/windows-autopatch/manage/windows-autopatch-hotpatch-updates", true},
	"S1e": {"S1e", "Hotpatch updates, 2026 rendering", "https://learn.microsoft.com/windows/deployment/windows-autopatch/manage/windows-autopatch-hotpatch-updates", true},
	"S4a": {"S4a", "Enable Hotpatch for Azure Arc-enabled servers (preview), ms.date 02/26/2025", "https://learn.microsoft.com/windows-server/get-started/enable-hotpatch-azure-arc-enabled-servers", true},
	"S5a": {"S5a", "Hotpatch for virtual machines, ms.date 07/27/2023", "https://learn.microsoft.com/windows-server/get-started/hotpatch", true},
	"S6":  {"S6", "What is Azure Edition for Windows Server?", "https://learn.microsoft.com/windows-server/get-started/azure-edition", true},
	"S7":  {"S7", "MC1247859: Windows Autopatch is enabling hotpatch updates by default (and press reports)", "https://www.helpnetsecurity.com/?p=361036", true},
	"S8":  {"S8", "Windows Server blog 2025-04-24: Tired of all the restarts? Get hotpatching for Windows Server (via press reports)", "", false},
	"S9":  {"S9", "Azure Arc hotpatch for Windows Server 2025 is now free (third-party report)", "https://cloudservus.com/blog/azure-arc-hotpatch-for-windows-server-2025-is-now-free", false},
	"S10": {"S10", "Hotpatching on Windows, Windows OS Platform Blog, November 2021", "https://techcommunity.microsoft.com/blog/windowsosplatform/hotpatching-on-windows/2959541", true},
	"S11": {"S11", "Patch or attack? Inside the Windows Secure Hotpatch Report (a Windows engineer's blog, 2026; sample repository)", "https://github.com/CodeMaxx/windows-runtime-attestation-report", false},
	"S12": {"S12", "LLVM WindowsSecureHotPatching.cpp: support for Windows hotpatching (Microsoft-contributed)", "https://github.com/llvm/llvm-project/blob/main/llvm/lib/CodeGen/WindowsSecureHotPatching.cpp", false},
	"S13": {"S13", "MSVC /FUNCTIONPADMIN (Create hotpatchable image)", "https://learn.microsoft.com/cpp/build/reference/functionpadmin-create-hotpatchable-image", true},
	"S14": {"S14", "winnt.h, Windows SDK 10.0.26100.0 (as recompiled by microsoft/win32metadata)", "https://github.com/microsoft/win32metadata", true},
	"S15": {"S15", "Signal-Labs Hotpatching_PoC (reverse-engineered NtManageHotPatch)", "https://github.com/Signal-Labs/Hotpatching_PoC", false},
	"S16": {"S16", "Windows Internals, 5th and 6th editions, \"Hotpatch Support\" (book)", "", false},
	"S25": {"S25", "kpatch: patch author guide and create-diff-object (kpatch_verify_patchability)", "https://github.com/dynup/kpatch/blob/master/doc/patch-author-guide.md", false},
	"S19": {"S19", "Microsoft Graph: Deploy a hotpatch quality update using Windows Autopatch, and the qualityUpdateRing and windowsQualityUpdatePolicy resources", "https://learn.microsoft.com/graph/windowsupdates-hotpatch-update", true},
	"S20": {"S20", "Mondoo mql provider: hotpatch detection and eligibility code", "", false},
	"S1d": {"S1d", "Hotpatch updates (Windows Autopatch), ms.date 07/04/2025", "https://learn.microsoft.com/windows/deployment/windows-autopatch/manage/windows-autopatch-hotpatch-updates", true},
	"S2":  {"S2", "Hotpatch updates – Update schedules (Microsoft Learn training)", "https://learn.microsoft.com/en-us/training/modules/hotpatch-updates/3-update-schedules", true},
	"S3":  {"S3", "Windows Server release information (hotpatch calendar), page dated 2026-05-12", "https://learn.microsoft.com/en-us/windows/release-health/windows-server-release-info", true},
	"S4b": {"S4b", "Enable Hotpatch for Azure Arc-enabled servers, ms.date 10/30/2025", "https://learn.microsoft.com/windows-server/get-started/enable-hotpatch-azure-arc-enabled-servers", true},
	"S5b": {"S5b", "Hotpatch for virtual machines, ms.date 10/14/2024", "https://learn.microsoft.com/windows-server/get-started/hotpatch", true},
	"S17": {"S17", "Update release cycle for Windows clients", "https://learn.microsoft.com/windows/deployment/update/release-cycle", true},
	"S18": {"S18", "Windows Autopatch groups and quality update documentation", "https://learn.microsoft.com/windows/deployment/windows-autopatch/", true},
	"S21": {"S21", "WindowsBuildTracker build database (refreshed from Windows release health)", "https://github.com/bm2025bm/WindowsBuildTracker", false},
	"S22": {"S22", "Release notes for Hotpatch on Windows 11 Enterprise, version 24H2 and 25H2 (titles quoted by a scraper)", "https://support.microsoft.com/en-us/topic/release-notes-for-hotpatch-on-windows-11-enterprise-version-24h2-c0906ee6-5e62-498f-bd5a-8f4966349f3c", false},
	"S23": {"S23", "Windows news and forum articles quoting KB titles (low confidence)", "", false},
	"S24": {"S24", "endpointweekly: Hotpatch Windows 11 2026 schedule (26 June 2026)", "https://endpointweekly.com/blog/hotpatch-windows-11-2026-schedule-june-july-baseline.html", false},
	"S30": {"S30", "CVE records (CVEProject/cvelistV5)", "https://github.com/CVEProject/cvelistV5", false},
	"S31": {"S31", "WindowsOSBuild PowerShell module", "https://github.com/AshleyHow/WindowsOSBuild", false},
	"S33": {"S33", "M365 message center: Hotpatch eligibility and prerequisites", "", true},
	"S34": {"S34", "Forum reports on KB5070881 removing Server 2025 from hotpatch", "", false},
}
