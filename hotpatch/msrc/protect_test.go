package msrc_test

import (
	"testing"

	"github.com/patchmodel/patchmodel/hotpatch"
	"github.com/patchmodel/patchmodel/hotpatch/msrc"
)

// The cases of the real documents: a hotpatch is protected against a CVE
// when CVRF lists that hotpatch, a later one, or a baseline it runs on; not
// because of its month.
func TestProtected(t *testing.T) {
	x := msrc.NewIndex(fixtureDocs(t), nil)
	w11, s25, s22 := hotpatch.TrackWindows11, hotpatch.TrackServer2025, hotpatch.TrackServer2022
	b := hotpatch.MustParseBuild
	kbs := func(k ...hotpatch.KB) []hotpatch.KB { return k }
	cases := []struct {
		name      string
		track     hotpatch.Track
		build     string
		installed []hotpatch.KB
		cve       string
		want      hotpatch.Tri
		reason    msrc.Reason
		fix       hotpatch.KB
	}{
		// November 2022: "not hotpatchable and is therefore not included in the November Hotpatch KB (5019080)".
		{"2022-Nov hotpatch lacks CVE-2022-37966", s22, "20348.1251", kbs(5019080), "CVE-2022-37966", hotpatch.False, msrc.ReasonHotpatchLacksFix, 5019081},
		{"2022-Nov LCU installed", s22, "20348.1249", kbs(5019081), "CVE-2022-37966", hotpatch.True, msrc.ReasonKBInstalled, 5019081},
		{"2022-Nov LCU build", s22, "20348.1249", nil, "CVE-2022-37966", hotpatch.True, msrc.ReasonBuildHasFix, 5019081},
		{"2022-Nov hotpatch lacks CVE-2022-41128", s22, "20348.1251", kbs(5019080), "CVE-2022-41128", hotpatch.False, msrc.ReasonHotpatchLacksFix, 5019081},
		{"2022-Nov hotpatch carries CVE-2022-38015", s22, "20348.1251", kbs(5019080), "CVE-2022-38015", hotpatch.True, msrc.ReasonKBInstalled, 5019080},
		{"2022-Nov hotpatch build alone", s22, "20348.1251", nil, "CVE-2022-38015", hotpatch.True, msrc.ReasonHotpatchListed, 5019080},
		{"2022-Feb Azure Hotpatch spelling", s22, "20348.525", nil, "CVE-2022-22712", hotpatch.True, msrc.ReasonHotpatchListed, 5010456},
		// December 2025: CVE-2025-54100 is fixed on hotpatched devices by KB5074204 at the hotpatch's own build.
		{"2025-Dec hotpatch without KB5074204", w11, "26100.7392", kbs(5072014), "CVE-2025-54100", hotpatch.False, msrc.ReasonHotpatchLacksFix, 5074204},
		{"2025-Dec hotpatch with KB5074204", w11, "26100.7392", kbs(5072014, 5074204), "CVE-2025-54100", hotpatch.True, msrc.ReasonKBInstalled, 5074204},
		{"2025-Dec Server 2025 with KB5074204", s25, "26100.7392", kbs(5074204), "CVE-2025-54100", hotpatch.True, msrc.ReasonKBInstalled, 5074204},
		{"2025-Dec Server 2025 build alone", s25, "26100.7392", nil, "CVE-2025-54100", hotpatch.False, msrc.ReasonHotpatchLacksFix, 5074204},
		{"2025-Dec LCU", w11, "26100.7462", nil, "CVE-2025-54100", hotpatch.True, msrc.ReasonBuildHasFix, 5072033},
		{"2025-Dec 25H2 LCU", w11, "26200.7462", nil, "CVE-2025-54100", hotpatch.True, msrc.ReasonBuildHasFix, 5072033},
		{"2025-Dec hotpatch carries CVE-2025-62465", w11, "26100.7392", nil, "CVE-2025-62465", hotpatch.True, msrc.ReasonHotpatchListed, 5072014},
		// November 2025, the CNA/NVD example: hotpatch 26100.7092, LCU 26100.7171.
		{"2025-Nov hotpatch", w11, "26100.7092", nil, "CVE-2025-59505", hotpatch.True, msrc.ReasonHotpatchListed, 5068966},
		{"2025-Nov later hotpatch", w11, "26100.7392", nil, "CVE-2025-59505", hotpatch.True, msrc.ReasonHotpatchListed, 5068966},
		{"2025-Nov LCU", s25, "26100.7171", nil, "CVE-2025-59505", hotpatch.True, msrc.ReasonBuildHasFix, 5068861},
		{"2025-Nov build between, in no document", w11, "26100.7100", nil, "CVE-2025-59505", hotpatch.Unknown, msrc.ReasonBuildNotIndexed, 5068966},
		{"2025-Nov older build", w11, "26100.6899", nil, "CVE-2025-59505", hotpatch.False, msrc.ReasonBuildBelowFix, 5068966},
		// January 2026 baseline, February 2026 hotpatches on it.
		{"2026-Feb hotpatch on the Jan baseline", w11, "26100.7781", nil, "CVE-2026-20811", hotpatch.True, msrc.ReasonBaselineHasFix, 5074109},
		{"2026-Feb Server 2025 hotpatch on its baseline", s25, "26100.32313", nil, "CVE-2026-20811", hotpatch.True, msrc.ReasonBaselineHasFix, 5073379},
		{"2026-Feb Server 2022 hotpatch on its baseline", s22, "20348.4711", nil, "CVE-2026-20811", hotpatch.True, msrc.ReasonBaselineHasFix, 5073457},
		// February 2026: Windows 11 and Server 2025 share build 26100 on diverged revisions.
		{"2026-Feb Windows 11 hotpatch", w11, "26100.7781", nil, "CVE-2026-21241", hotpatch.True, msrc.ReasonHotpatchListed, 5077212},
		{"2026-Feb Server 2025 hotpatch", s25, "26100.32313", nil, "CVE-2026-21241", hotpatch.True, msrc.ReasonHotpatchListed, 5075942},
		{"Windows 11's revision on Server 2025", s25, "26100.7781", nil, "CVE-2026-21241", hotpatch.False, msrc.ReasonBuildBelowFix, 5075942},
		{"Server 2025's revision on Windows 11", w11, "26100.32313", nil, "CVE-2026-21241", hotpatch.Unknown, msrc.ReasonBuildNotIndexed, 5077212},
		// March 2026: the re-released hotpatch KB5084597 replaces KB5079420 for CVE-2026-25172.
		{"2026-Mar hotpatch before the re-release", w11, "26100.7979", kbs(5079420), "CVE-2026-25172", hotpatch.False, msrc.ReasonHotpatchLacksFix, 5084597},
		{"2026-Mar re-released hotpatch", w11, "26100.7982", nil, "CVE-2026-25172", hotpatch.True, msrc.ReasonHotpatchListed, 5084597},
		{"2026-Mar Server 2025", s25, "26100.32463", nil, "CVE-2026-25172", hotpatch.True, msrc.ReasonHotpatchListed, 5078736},
		// What the index cannot answer.
		{"unknown CVE", w11, "26100.7392", nil, "CVE-2020-0001", hotpatch.Unknown, msrc.ReasonCVENotIndexed, 0},
		{"malformed CVE", w11, "26100.7392", nil, "CVE2025-54100", hotpatch.Unknown, msrc.ReasonBadCVE, 0},
		{"no fix for the line", w11, "26100.7392", nil, "CVE-2022-37966", hotpatch.Unknown, msrc.ReasonNoFixForLine, 0},
	}
	for _, tc := range cases {
		a := x.Protected(tc.track, b(tc.build), tc.installed, tc.cve)
		if a.Protected != tc.want || a.Reason != tc.reason || a.Fix.KB != tc.fix {
			t.Errorf("%s: %v\n\twant %v, %v, fix KB%d", tc.name, a, tc.want, tc.reason, tc.fix)
		}
	}
}

// A February 2026 hotpatch has a December 2025 fix only through the January
// baseline: with the January document the index proves it; without it,
// the answer is Unknown, never a guess.
func TestProtectedNeedsTheBaselineMonth(t *testing.T) {
	all := fixtureDocs(t)
	var noJan []*msrc.Document
	for _, d := range all {
		if d.ID != "2026-Jan" {
			noJan = append(noJan, d)
		}
	}
	feb := hotpatch.MustParseBuild("26100.7781")
	a := msrc.NewIndex(all, nil).Protected(hotpatch.TrackWindows11, feb, nil, "CVE-2025-54100")
	if a.Protected != hotpatch.True || a.Reason != msrc.ReasonBaselineHasFix || a.Baseline != 5074109 || a.Fix.KB != 5072033 {
		t.Errorf("with 2026-Jan: %v", a)
	}
	a = msrc.NewIndex(noJan, nil).Protected(hotpatch.TrackWindows11, feb, nil, "CVE-2025-54100")
	if a.Protected != hotpatch.Unknown || a.Reason != msrc.ReasonBaselineUnknown {
		t.Errorf("without 2026-Jan: %v", a)
	}
}

// The 2022-12-22 revision of the November 2022 document lists KB5019080 for
// CVE-2022-37966 (see testdata/README.md); the index reads the newest
// revision it is given, whatever the order.
func TestNewestRevisionWins(t *testing.T) {
	old := parseFile(t, "2022-Nov.xml")
	newer := *old
	newer.CurrentRelease = old.CurrentRelease.AddDate(0, 0, 24)
	newer.Vulnerabilities = nil // stands for a revision that dropped every CVE
	for _, docs := range [][]*msrc.Document{{old, &newer}, {&newer, old}} {
		a := msrc.NewIndex(docs, nil).Protected(hotpatch.TrackServer2022, hotpatch.MustParseBuild("20348.1251"), nil, "CVE-2022-37966")
		if a.Reason != msrc.ReasonCVENotIndexed {
			t.Errorf("%v", a)
		}
	}
}

// The catalog overrules a baseline derived from a document that lists no
// hotpatch: with it, the March 2024 Server 2022 hotpatch runs on the
// January baseline, not on February's update, and a February fix is
// missing from it. It also supplies the baseline of months without
// documents.
func TestProtectedWithCatalog(t *testing.T) {
	docs := fixtureDocs(t)
	mar24 := hotpatch.MustParseBuild("20348.2333")
	// From the documents alone February's update looks like a baseline,
	// but February is no quarterly baseline month: not proof.
	a := msrc.NewIndex(docs, nil).Protected(hotpatch.TrackServer2022, mar24, nil, "CVE-2024-20684")
	if a.Protected != hotpatch.Unknown || a.Reason != msrc.ReasonBaselineUnknown {
		t.Errorf("documents only: %v", a)
	}
	// The catalog says February had hotpatch KB5034860, which CVRF does
	// not list: whether it carried the fix is unknown.
	a = msrc.NewIndex(docs, hotpatch.Embedded()).Protected(hotpatch.TrackServer2022, mar24, nil, "CVE-2024-20684")
	if a.Protected != hotpatch.Unknown || a.Reason != msrc.ReasonHotpatchUnlisted || a.Baseline != 5034129 {
		t.Errorf("with the catalog: %v", a)
	}
	var noJan []*msrc.Document
	for _, d := range docs {
		if d.ID != "2026-Jan" {
			noJan = append(noJan, d)
		}
	}
	a = msrc.NewIndex(noJan, hotpatch.Embedded()).Protected(hotpatch.TrackWindows11, hotpatch.MustParseBuild("26100.7781"), nil, "CVE-2025-54100")
	if a.Protected != hotpatch.True || a.Baseline != 5074109 {
		t.Errorf("2026-Jan baseline from the catalog: %v", a)
	}
}
