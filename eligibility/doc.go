// Package eligibility decides which devices receive Windows hotpatches, and
// explains why the others do not.
//
// # Model
//
// Microsoft's conditions for hotpatch are scattered over several pages and
// have changed over time (Arm64 support, Windows 11 25H2, Windows Server 2025
// via Azure Arc, Arc pricing, hotpatch on by default). This package holds
// them as data: each [Rule] has a stable ID ("vbs", "license", "baseline",
// ...), a one-line title, its sources (tags of [hotpatch.Sources], listed
// with title and URL in the module's SOURCES.md, and a URL), the dates between which it is in
// force, a Check over a [hotpatch.Device], and a remedy. No condition lives
// outside the rule tables.
//
// A [Policy] is the rule set of one track ([hotpatch.TrackWindows11],
// [hotpatch.TrackServer2025], [hotpatch.TrackServer2022]) as of one day:
// [For] picks the rule versions in force on that day, plus the baseline rule
// computed from a release catalog ([hotpatch.Embedded] by default).
// [Policy.WithRules] adds or replaces rules by ID, so an organisation can add
// its own conditions without forking. [ForAll] returns the policies of every
// track and evaluates each device under the policy of its track ([TrackOf]).
//
// [Policy.Evaluate] returns a [Verdict]: every rule's [Finding] in rule order
// and a [Status] — Eligible if every rule passed, NotEligible if any failed,
// Undecided (shown as "unknown") if none failed and some could not decide.
// [Verdict.Offer] answers "will this device take this month's update without
// a restart?": the hotpatch if it is eligible in a hotpatch month, otherwise
// the cumulative update or the baseline, with the reason.
//
// # Unknown facts and disputed questions
//
// Every device fact may be unknown, and a rule whose fact is unknown never
// passes: it returns Unknown. Where Microsoft's pages disagree or are silent
// (marked UNCONFIRMED) a rule returns Unknown with
// Finding.Disputed set and cites the conflict:
//
//   - Windows 11 Pro editions under Microsoft 365 Business Premium: Learn
//     said "Windows 11 Enterprise" in April–July 2025 and dropped
//     "Enterprise" in 2026, while Business Premium, an eligible license,
//     licenses Pro [S1c, S1d, S1e, S20];
//   - IoT Enterprise and Enterprise LTSC 2024, named only by third parties [S23];
//   - co-management: Microsoft requires only Intune and a Windows quality
//     update policy; third parties disagree [S1, S23] (hybrid join is
//     disputed too, but hotpatch.Device has no join fact, so no rule reads
//     it);
//   - Windows 11 26H1 (28000) and 26H2 (26300) [S30];
//   - what a device off the baseline receives in a hotpatch month: the LCU
//     [S1a–S1d] or the baseline, then hotpatches [S7] (see [Offer]);
//   - catalog rows marked unconfirmed, such as the July 2026 baselines, which
//     Microsoft's tables list as cumulative updates [S36]: a device on the
//     confirmed June 2026 baseline is then disputed, not failed. A baseline
//     row marked unconfirmed counts
//     as confirmed once a confirmed hotpatch row names it as its baseline
//     (the April 2026 client baseline KB5083769, named by the May 2026
//     hotpatch KB5089466 [S22]).
//
// [Options].Disputed (a [Stance]) turns disputed findings into Fail (Strict)
// or Pass (Lenient); the mark stays in the verdict so reports can say so.
//
// # Rules and sources
//
// Windows 11: build 26100 (24H2), and from
// 2025-10-14 also 26200 (25H2) [S1a, S1e, S21, S22]; Enterprise or Education
// [S1d, S2]; an E3, E5, F3, A3, A5, Business Premium or Windows 365
// Enterprise license [S1d, S1e, S2]; VBS running [S1a, S1d]; x64 or Arm64,
// Arm64 in preview until 2025-07-04 [S1c, S1d, S2]; on Arm64, CHPE disabled
// [S1a, S1d]; managed by Intune [S1c, S1d]; hotpatch turned on by a quality
// update policy, or from 2026-05-12 by the Autopatch default [S7]; on the
// latest baseline [S1a–S1d].
//
// Windows Server 2025: build 26100.1742 or later [S4b];
// Standard, Datacenter or Datacenter: Azure Edition [S4b]; UEFI with Secure
// Boot [S4b]; VBS running [S4b]; Standard and Datacenter connected with Azure
// Arc, Azure Edition needs no Arc [S4b, S5b]; Hotpatch enabled for the
// machine — free preview, then paid from 2025-07-01 (or 2025-07-16; the
// sources disagree [S8]), free again from 2026-05-19 [S9]; on the latest
// baseline [S3, S4b]. Windows Server 2022: Datacenter: Azure Edition, build
// 20348, Hotpatch enabled, on the latest baseline [S3, S5b, S6].
//
// # Limits
//
// The model knows only what a device inventory can say. It does not check
// that a Windows Server 2022 VM was created from one of the hotpatch
// marketplace images [S5b], that a Windows 11 license is actually assigned
// in the tenant (licenses are checked in the cloud [S20]), Insider builds, or
// Azure subscription state, nor the architecture of servers (the sources
// name none for Windows Server). "On the latest baseline" is judged from the
// installed build against the catalog (or, when the build is unknown, from
// the last baseline installed, which can only show a device is behind): a build the catalog does not hold is
// Unknown, never guessed from neighbouring revisions, and a build two
// releases share (Windows Server 2025 26100.6905, from KB5070881 and
// KB5070893 [S4b]) is Unknown. The embedded catalog covers releases through
// September 2026 (Windows Server 2022 through June 2026; see
// hotpatch.Catalog.Through). For a later day a baseline released since may
// be missing, so a build on the catalog's newest baseline, or newer than the
// catalog, is Unknown with that reason, and the offer's update is unknown;
// a build older than a baseline the catalog knows still fails.
//
// # Fleets and inventories
//
// [Fleet] evaluates an iter.Seq of devices concurrently, in batches, with
// bounded memory, into a [Report]: counts, the rules that keep devices out
// ranked by devices affected, and the single remedies that would make the
// most devices eligible, found by evaluating each failing device again with
// the rule's fact fixed ([Rule].Fix). The report does not depend on the
// number of workers. [ReadCSV] and [ReadJSON] read inventories; see
// [Inventory] for the schema and how bad rows are reported.
//
// [CheckUpdate] says whether an update installs as a hotpatch, from the
// catalog, or from an [Assessment] (such as a binary diff) for releases the
// catalog does not know.
package eligibility
