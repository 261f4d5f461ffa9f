// Package patchmodel is a Go SDK for modeling software hotpatching, Windows
// first. It answers three questions a fleet manager, a compliance report or
// a patch-diffing tool asks: which machines can take a patch without a
// reboot, when will each of them reboot, and what exactly did a patch change,
// function by function.
//
// Windows 11 Enterprise 24H2 and later, Windows Server 2025 and Windows
// Server 2022 Datacenter: Azure Edition can apply some monthly security
// updates in memory ("hotpatch"), with no restart, on a quarterly rhythm: a
// restart-requiring baseline in January, April, July and October and
// hotpatches in the months between, for devices that meet strict rules.
//
// The SDK is four packages, each owning one idea:
//
//   - [github.com/patchmodel/patchmodel/hotpatch]: the vocabulary — builds
//     (10.0.26100.2894), releases, editions, devices with tri-state facts,
//     updates, and an embedded catalog of real hotpatch releases with a
//     hotpatch-aware "is this build protected?" check.
//   - [github.com/patchmodel/patchmodel/eligibility]: the documented rules as
//     data; explains every pass, fail and unknown, for one device or a fleet.
//   - [github.com/patchmodel/patchmodel/cadence]: Patch Tuesdays, baseline and
//     hotpatch months, deployment rings, and simulated restarts and exposure.
//   - [github.com/patchmodel/patchmodel/binarydiff]: a fast function-level diff
//     of two binaries (PE/COFF x64 first) that says what changed.
//
// A tour:
//
//	b, _ := hotpatch.ParseBuild("26100.4851")
//	rel, _ := b.Release(hotpatch.EditionEnterprise)      // Windows 11 24H2
//	u, _ := hotpatch.Embedded().ByBuild(b)               // KB5064010, a hotpatch: no restart
//	ok, _ := hotpatch.Embedded().Protected(b,
//		hotpatch.MustParseBuild("26100.4946"))            // True: the month's LCU fixes, lower revision
//
//	policy, _ := eligibility.For(hotpatch.TrackWindows11, today)
//	v := policy.Evaluate(device)                          // Eligible, NotEligible or Undecided, rule by rule
//	offer := v.Offer()                                    // this month's update, and whether it restarts
//
//	pt, _ := cadence.PatchTuesday(2026, time.May)         // 2026-05-12 10:00 PDT
//	cal, _ := cadence.NewCalendar(hotpatch.TrackWindows11, cadence.CalendarOptions{})
//
//	old, _ := binarydiff.Open(ctx, "old.dll")
//	new, _ := binarydiff.Open(ctx, "new.dll")
//	res, _ := binarydiff.Diff(ctx, old, new, binarydiff.Options{})
//	fmt.Println(res.Summary)                              // identical, moved, changed, added, removed
//	fmt.Println(res.Hotpatchability(old, new).Patchable()) // can it be applied in memory?
//
// Run the quickstart with go run ./examples/quickstart.
package patchmodel

//go:generate go test -run TestSourcesFile -update .
