// Package cadence computes the Windows hotpatch calendar and simulates what
// it means for devices: Patch Tuesdays, which months are baselines (restart)
// or hotpatches (no restart) on each hotpatch track, Windows Autopatch
// deployment rings, and for a device or a fleet the restarts it takes and the
// days it runs unprotected after each release.
//
// Facts come from Microsoft's documentation of hotpatch and of the Windows
// release cycle; tags such as [S17] name their sources, listed with title
// and URL in hotpatch.Sources and the module's SOURCES.md.
//
// # Patch Tuesday
//
// PatchTuesday returns the monthly security ("B") release: the second
// Tuesday of the month, at 10:00 AM Pacific time [S17]. The package carries
// the one zone it needs, America/Los_Angeles (see Pacific), so the offset
// (PST or PDT) is right on machines without zoneinfo, and importing cadence
// does not embed the whole zone database. PatchTuesdays iterates over the
// Patch Tuesdays of a date range.
//
// # Calendar
//
// A Calendar holds one track's releases. The plan is the same for every
// hotpatch OS: a baseline in January, April, July and October, a hotpatch in
// the other eight months [S1c, S2] (PlannedKind). The months the hotpatch
// catalog records follow the catalog, with its exceptions: unplanned
// baselines (Windows Server 2022, August 2024 [S3]) and out-of-band
// releases; June 2026 was an unplanned baseline on Windows 11 and Windows
// Server 2025 [S36, S38]. Months beyond the catalog (Calendar.Through), in
// the past or the future, follow the plan, and their Note says they are
// projected; NextBaseline finds the next baseline from all three. Catalog
// rows marked unconfirmed that would change the calendar — such as a
// third-party report of an out-of-band hotpatch on 2026-07-18 [S23] — are
// left out unless CalendarOptions.ApplyUnconfirmed is set, and are named in
// the month's Note. Users add Overrides; one that
// contradicts itself or an earlier one is an *OverrideError.
//
// # Rings
//
// A Ring holds the quality update deferral, deadline and grace period of a
// Windows Update ring [S18]. AutopatchRings returns the five rings of a
// default Autopatch group (Test, Ring1, Ring2, Ring3, Last) with the
// documented defaults of today (Ring2 deferral 5 days, Last 10 [S44]);
// AutopatchRingsOn gives them as documented on a day (before 2025-03-31:
// Ring2 6, Last 11 [S18]).
//
// # Simulation
//
// A Simulation replays a calendar over a period for a Device: its static
// eligibility (an eligibility verdict, see FromVerdict), whether it starts
// off the current baseline, its ring, and its Availability (always on,
// working days, seeded random days and weeks away). Simulation.Timeline
// gives, for every release, when it was offered, installed and restarted
// for, and the days from release to protection; Simulation.Fleet runs a
// whole fleet with hotpatch as eligibility allows and with hotpatch off,
// and reports restarts per device-year and days to protection (mean, p50,
// p90, p99) side by side, for the whole fleet and for its eligible devices
// alone. Simulation.Timeline documents the rules, which
// follow Microsoft's fallback rules [S1a–S1d, S4b, S7].
//
// Results are exact and deterministic: absences are a pure function of each
// device's seed and the day, and fleet statistics are integer histograms
// merged after the workers finish, so a report is the same for any number
// of workers.
//
// # Limits
//
// The model is the documented policy, not measured device behaviour:
//
//   - What a device off the baseline gets in a hotpatch month is
//     UNCONFIRMED (the LCU [S1a–S1d] or the baseline [S7]); Options.MissedBaseline chooses,
//     defaulting to the 2026 guidance (catch up with the baseline, one
//     restart [S7]).
//   - Restarts happen at the ring's deadline by default (the latest the
//     policy allows); Options.Restart can restart on install instead. Users
//     who restart earlier on their own are not modelled.
//   - Restarts for non-security content (drivers, firmware, .NET, feature
//     updates), which can still come in hotpatch months [S5], are not
//     modelled, nor the health monitor that falls back to the LCU [S1c], nor
//     expedited releases or paused rings [S18].
//   - Whether Microsoft offers standard out-of-band updates (restart) to
//     hotpatch devices is UNCONFIRMED: offering one to them is called a
//     mistake [S34], so by default they go only to devices not on hotpatch;
//     Options.OutOfBandToHotpatch offers them to all, knocking hotpatch
//     devices off until the next baseline [S4b]. CalendarOptions.NoOutOfBand
//     leaves out-of-band releases out altogether.
//   - Eligibility is static over the period: a device does not gain or
//     lose a licence, VBS or its policy while simulated. A verdict that is
//     undecided counts as not eligible.
//   - Months the catalog does not record follow the plan; unplanned
//     baselines cannot be foreseen ("the actual number of unplanned
//     baselines in a year isn't known in advance" [S5a]).
//
// # Performance
//
// A device-year allocates nothing in Simulation.Restarts and
// Simulation.TimelineInto, and once (the outcome slice) in
// Simulation.Timeline, whatever the number of releases.
// The benchmarks (go test -bench . -benchmem ./cadence) measure one
// device-year and a fleet of 100,000 devices over three years, each
// simulated twice (hotpatch on and off); the repository's README.md
// (Performance › cadence) records measured figures and the command that
// produced them.
package cadence
