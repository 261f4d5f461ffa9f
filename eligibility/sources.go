package eligibility

import "strings"

// sourceURL maps the source tags of the domain notes (shared/domain/hotpatch.md
// §0) that the rules cite to the page a reader can check. Where a source is a
// Microsoft Learn page known from forks and mirrors, the URL is the Learn page.
//
// This table belongs in package hotpatch; it lives here until hotpatch
// exports one.
var sourceURL = map[string]string{
	"S1":  "https://learn.microsoft.com/windows/deployment/windows-autopatch/manage/windows-autopatch-hotpatch-updates",
	"S1a": "https://learn.microsoft.com/windows/deployment/windows-autopatch/manage/windows-autopatch-hotpatch-updates",
	"S1c": "https://learn.microsoft.com/windows/deployment/windows-autopatch/manage/windows-autopatch-hotpatch-updates",
	"S1d": "https://learn.microsoft.com/windows/deployment/windows-autopatch/manage/windows-autopatch-hotpatch-updates",
	"S1e": "https://learn.microsoft.com/windows/deployment/windows-autopatch/manage/windows-autopatch-hotpatch-updates",
	"S2":  "https://learn.microsoft.com/en-us/training/modules/hotpatch-updates/3-update-schedules",
	"S3":  "https://learn.microsoft.com/en-us/windows/release-health/windows-server-release-info",
	"S4b": "https://learn.microsoft.com/windows-server/get-started/enable-hotpatch-azure-arc-enabled-servers",
	"S5b": "https://learn.microsoft.com/windows-server/get-started/hotpatch",
	"S6":  "https://learn.microsoft.com/windows-server/get-started/azure-edition",
	"S7":  "https://www.helpnetsecurity.com/?p=361036",
	"S9":  "https://cloudservus.com/blog/azure-arc-hotpatch-for-windows-server-2025-is-now-free",
	"S21": "https://github.com/bm2025bm/WindowsBuildTracker",
	"S22": "https://support.microsoft.com/en-us/topic/release-notes-for-hotpatch-on-windows-11-enterprise-version-25h2-0bbaa1c7-5070-41ca-a7c9-4ead79602dbf",
	"S23": "https://windowsforum.com/",
	"S24": "https://endpointweekly.com/blog/hotpatch-windows-11-2026-schedule-june-july-baseline.html",
	"S30": "https://github.com/CVEProject/cvelistV5",
}

// firstURL returns the URL of the first tag in tags (space separated) that
// has one.
func firstURL(tags string) string {
	for _, t := range strings.Fields(tags) {
		if u, ok := sourceURL[t]; ok {
			return u
		}
	}
	return ""
}
