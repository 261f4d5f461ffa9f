// Package cadence computes the Windows hotpatch calendar and simulates what
// it means for devices: Patch Tuesdays, which months are baselines (restart)
// or hotpatches (no restart) on each hotpatch track, Windows Autopatch
// deployment rings, and for a device or a fleet the restarts it takes and the
// days it runs unprotected after each release.
//
// Facts come from shared/domain/hotpatch.md; source tags such as [S17] name
// its sources.
//
// # Patch Tuesday
//
// PatchTuesday returns the monthly security ("B") release: the second
// Tuesday of the month, at 10:00 AM Pacific time [S17]. The zone database is
// embedded, so the result is right on machines without zoneinfo.
//
// # Calendar
//
// A Calendar holds one track's releases. The plan is the same for every
// hotpatch OS: a baseline in January, April, July and October, a hotpatch in
// the other eight months [S1c, S2]. The months the hotpatch catalog records
// follow the catalog, including its exceptions: unplanned baselines (Windows
// Server 2022, August 2024 [S3]) and out-of-band releases. Months beyond the
// catalog are projected from the plan. Catalog rows marked unconfirmed that
// would change the calendar — notably the single third-party report that
// June 2026 became a client baseline [S24] — are left out unless
// CalendarOptions.ApplyUnconfirmed is set. Users add their own Overrides.
package cadence
