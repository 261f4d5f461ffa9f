// Package msrc reads Microsoft's monthly security update documents (MSRC
// CVRF v3.0) and answers, per CVE, whether a hotpatched Windows device is
// protected.
//
// # Documents
//
// Microsoft publishes each month's security updates as a CVRF document,
// anonymously, as XML or JSON: GET
// https://api.msrc.microsoft.com/cvrf/v3.0/cvrf/2025-Nov (the list of
// documents is at https://api.msrc.microsoft.com/cvrf/v3.0/updates). A
// public mirror of the XML documents since 2016 is
// https://github.com/p0w3rsh3ll/MSRC-data. Parse reads either form into a
// Document: the products of the hotpatch tracks and, per CVE, the "Vendor
// Fix" remediations for them (KB, fixed build, SubType, supersedence, URL,
// RestartRequired) with the CVE's revision history. A hotpatch is an
// ordinary remediation whose SubType names a hotpatch.
//
// Real documents are dirty, and Parse takes them as they are: the hotpatch
// SubType spelled four ways ("Azure Hotpatch", "AzureHotpatch",
// "SecurityHotpatchUpdate", "Security Hotpatch Update"); RestartRequired
// "Yes" on hotpatches; empty URLs; in 2022 the hotpatches on a product of
// their own, ProductID 0, whose name changed from month to month; Windows 11
// and Windows Server 2025 on one build number (26100) with revisions that
// diverged in 2026; out-of-band hotpatches added to a month by later
// per-CVE revisions. What it cannot take (a remediation for a hotpatch
// product with a malformed KB or build, malformed XML) is a *ParseError
// naming the vulnerability and the field.
//
// # Releases and the catalog
//
// Document.Releases derives the month's releases per line: its hotpatch,
// its cumulative update, out-of-band KBs, and derived baselines (no field
// says "baseline": a baseline month is a month whose document lists no
// hotpatch for a hotpatch-capable line). CatalogRows turns them into
// hotpatch.Update rows with provenance, for hotpatch.Catalog.Merge; the
// command examples/catalog writes them to a file.
//
// # Protection per CVE
//
// A hotpatch usually carries its month's security fixes, but not always:
// the November 2022 hotpatch KB5019080 left out CVE-2022-37966 ("not
// hotpatchable"), and in December 2025 CVE-2025-54100 was fixed on
// hotpatched devices by a separate KB5074204 whose fixed build equals the
// hotpatch's build. Scanners that compare revisions get hotpatched devices
// wrong both ways: Microsoft's CVE records give the cumulative update's
// build (hotpatched devices read as vulnerable), NVD the hotpatch's build
// (devices whose hotpatch lacks the fix read as patched). Index.Protected
// answers from the KBs CVRF lists for the CVE and product: yes, no, or
// unknown, with the fix that proves it or the one that is missing. Give
// NewIndex the release catalog (hotpatch.Embedded, merged with newer rows)
// to tell hotpatch builds and baselines of months without documents.
package msrc
