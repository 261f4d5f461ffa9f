// Package hotpatch is the vocabulary of Windows hotpatching: builds,
// releases, editions, architectures, devices, updates, and a catalog of the
// real releases of the hotpatch tracks.
//
// # Builds
//
// A Build is 10.0.26100.2894: major, minor, build number and update build
// revision (UBR). ParseBuild accepts the full form and the short 26100.2894
// form that release notes use. Builds order numerically, but numeric order
// is not security order: a hotpatch carries the same security fixes as the
// cumulative update of its month although its revision is lower (August
// 2025: hotpatch 26100.4851, cumulative update 26100.4946). Catalog.Protected
// answers "does this build have that month's fixes?" by release month, where
// revision comparisons report hotpatched devices vulnerable. A month's
// hotpatch does not always carry every fix of that month (November 2022,
// December 2025, May 2026): for "is this device protected against CVE-X?",
// ask the per-CVE index of package hotpatch/msrc, built from Microsoft's
// security update (CVRF) documents.
//
// # Facts and unknowns
//
// A Device holds the facts that hotpatch rules ask about. Real inventories
// have gaps, so every fact has an unknown value, the zero value: Tri's
// Unknown, EditionUnknown, the zero Build. Unknown never reads as false.
// The enumerated types parse the spellings inventories contain ("Windows 11
// Enterprise", "EnterpriseS", "ServerDatacenterACor", "AMD64") and reject
// anything else with a *ParseError that names the text.
//
// # The catalog
//
// Embedded returns the release history recorded from Microsoft's pages:
// the Windows 11 24H2/25H2 client track (from the November 2024 preview),
// Windows Server 2025 (which shared the client's builds until December 2025
// and has its own 26100.32xxx range since January 2026), and Windows Server
// 2022 Datacenter: Azure Edition (from January 2024, including the August
// 2024 unplanned baseline). Every row names its sources (see Sources); rows
// that rest on a single third-party source or an inference say so in
// Update.Unconfirmed. Months after the catalog was written can be loaded with
// Catalog.Merge, in the JSON schema of data/catalog.json.
//
// The principal sources are Microsoft's Windows Server release information
// page, whose hotpatch calendar lists Server 2025 and Server 2022 releases
// (https://learn.microsoft.com/en-us/windows/release-health/windows-server-release-info),
// and the hotpatch release notes for Windows 11 Enterprise.
//
// Its companion package [github.com/patchmodel/patchmodel/hotpatch/hotpatchtest]
// provides rapid generators of builds, devices and updates for property tests.
package hotpatch

//go:generate go run gen_enums.go
