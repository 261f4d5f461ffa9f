package msrc

import (
	"fmt"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// A Reason says why an Answer is what it is.
type Reason uint8

const (
	ReasonBadCVE            Reason = iota + 1 // Unknown: the CVE ID is malformed
	ReasonCVENotIndexed                       // Unknown: no indexed document lists the CVE
	ReasonNoFixForLine                        // Unknown: the CVE lists no fix for the device's product line
	ReasonKBInstalled                         // True: a KB that CVRF lists as the fix is installed
	ReasonHotpatchListed                      // True: the device runs a hotpatch that CVRF lists as the fix, or a later one
	ReasonBaselineHasFix                      // True: the device's baseline (or a baseline it is past) carries a fix
	ReasonBuildHasFix                         // True: a restart-track build at or past a listed fixed build
	ReasonHotpatchLacksFix                    // False: the device's hotpatch line does not carry the fix
	ReasonBuildBelowFix                       // False: the device's build is below every listed fix
	ReasonBaselineUnknown                     // Unknown: the device's baseline is not known (no document or catalog row for it, or derived outside a quarterly month)
	ReasonBuildNotIndexed                     // Unknown: the build is in no indexed document, so hotpatch or not cannot be told
	ReasonOnlyHotpatchFixes                   // Unknown: a restart-track build past fixes that only hotpatch devices take
	ReasonHotpatchUnlisted                    // Unknown: the fix's month had a hotpatch that its document does not list
)

var reasonText = [...]string{
	"",
	"malformed CVE ID",
	"CVE not in the indexed documents",
	"no fix listed for this product line",
	"the fix is installed",
	"the device's hotpatch carries the fix",
	"the device's baseline carries the fix",
	"the build carries the fix",
	"the device's hotpatch does not carry the fix",
	"the build is older than every fix",
	"the device's baseline is not known",
	"the build is in no indexed document",
	"only hotpatch-line fixes are listed, and the build is not on the hotpatch line",
	"the fix's month had a hotpatch that its CVRF document does not list",
}

// String returns a short explanation.
func (r Reason) String() string {
	if int(r) < len(reasonText) {
		return reasonText[r]
	}
	return fmt.Sprintf("Reason(%d)", r)
}

// MarshalText returns String.
func (r Reason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// An Answer says whether a device is protected against a CVE, and why.
type Answer struct {
	Protected hotpatch.Tri `json:"protected"`
	Reason    Reason       `json:"reason"`
	// Fix is the fix that proves the answer (True), or the one the device
	// lacks (False); zero when none applies.
	Fix Fix `json:"fix"`
	// Baseline is the device's baseline when a hotpatched device's answer
	// rests on it.
	Baseline hotpatch.KB    `json:"baseline,omitempty"`
	CVE      string         `json:"cve"`
	Line     Line           `json:"line"`
	Build    hotpatch.Build `json:"build"`
}

// String explains the answer in one line.
func (a Answer) String() string {
	s := fmt.Sprintf("%s on %v %s: %v: %v", a.CVE, a.Line.Track, a.Build.Short(), a.Verdict(), a.Reason)
	if a.Fix.KB != 0 {
		role := "fixed by"
		if a.Protected == hotpatch.False {
			role = "needs"
		}
		kind := "update"
		if a.Fix.Hotpatch {
			kind = "hotpatch"
		}
		s += fmt.Sprintf(" (%s %s %v at %s, CVRF %s", role, kind, a.Fix.KB, a.Fix.FixedBuild.Short(), a.Fix.Document)
		if a.Baseline != 0 {
			s += fmt.Sprintf("; baseline %v", a.Baseline)
		}
		s += ")"
	}
	return s
}

// Verdict is the answer in words: "protected", "NOT protected" or
// "unknown".
func (a Answer) Verdict() string {
	switch a.Protected {
	case hotpatch.True:
		return "protected"
	case hotpatch.False:
		return "NOT protected"
	}
	return "unknown"
}

// Protected answers whether a device on track t at build b, with the KBs
// installed, is protected against cve, from the indexed CVRF fixes for the
// device's line (track and build number):
//
//   - an installed KB that CVRF lists for the CVE proves it. This is the only
//     proof for a fix whose build equals a hotpatch build (December 2025:
//     KB5074204 fixes CVE-2025-54100 at 26100.7392, the build of hotpatch
//     KB5072014, which does not);
//   - a device at a hotpatch build (one that a hotpatch remediation names)
//     is protected when CVRF lists a hotpatch for the CVE at or below its
//     revision, or when its baseline, the latest derived baseline before
//     its hotpatch's month, is at or past a listed cumulative update. A
//     cumulative update of the hotpatch's own month or later never counts:
//     the hotpatch line gets it only at the next baseline (November 2022:
//     CVE-2022-37966 on hotpatch KB5019080 is not protected). Without the
//     documents of every month back to the baseline the answer is Unknown;
//   - a device at another known build is protected when its revision is at
//     or past a listed cumulative update that is not at a hotpatch build;
//   - a build no indexed document names is Unknown unless it is below every
//     fix (then False) or past a baseline that carries a fix.
//
// Protected does not allocate.
func (x *Index) Protected(t hotpatch.Track, b hotpatch.Build, installed []hotpatch.KB, cve string) Answer {
	l := Line{t, b.Number}
	a := Answer{CVE: cve, Line: l, Build: b}
	id, ok := parseCVE(cve)
	if !ok {
		return a.unknown(ReasonBadCVE, Fix{})
	}
	fixes := x.fixes[cveKey{id, l}]
	switch {
	case len(fixes) > 0:
	case !x.known[id]:
		return a.unknown(ReasonCVENotIndexed, Fix{})
	default:
		return a.unknown(ReasonNoFixForLine, Fix{})
	}
	for _, f := range fixes {
		for _, kb := range installed {
			if kb == f.KB {
				return a.yes(ReasonKBInstalled, f)
			}
		}
	}
	info, known := x.builds[lineRev{l, b.Revision}]
	if known && info.hotpatch {
		return x.hotpatched(a, fixes, info)
	}
	return x.restartTrack(a, fixes, known)
}

func (a Answer) yes(r Reason, f Fix) Answer {
	a.Protected, a.Reason, a.Fix = hotpatch.True, r, f
	return a
}

func (a Answer) no(r Reason, f Fix) Answer {
	a.Protected, a.Reason, a.Fix = hotpatch.False, r, f
	return a
}

func (a Answer) unknown(r Reason, f Fix) Answer {
	a.Protected, a.Reason, a.Fix = hotpatch.Unknown, r, f
	return a
}

func (x *Index) hotpatched(a Answer, fixes []Fix, info buildInfo) Answer {
	b := a.Build
	for _, f := range fixes {
		if f.Hotpatch && f.FixedBuild.Number == b.Number && f.FixedBuild.Revision <= b.Revision {
			return a.yes(ReasonHotpatchListed, f)
		}
	}
	base, baseKnown := info.base, info.baseKnown
	if baseKnown {
		a.Baseline = base.kb
	}
	var missing Fix // what to install: the next listed hotpatch, else the lowest update
	var undecided, unlisted Fix
	for _, f := range fixes {
		if f.FixedBuild.Number != b.Number {
			continue
		}
		if f.Hotpatch {
			if !missing.Hotpatch && f.FixedBuild.Revision > b.Revision {
				missing = f
			}
			continue
		}
		if missing.KB == 0 {
			missing = f
		}
		switch {
		case f.atHotpatch:
			// A package at a hotpatch build (KB5074204) proves
			// nothing by build; only installing it does.
		case f.month < info.month && baseKnown && base.trusted() && base.build.Revision >= f.FixedBuild.Revision:
			return a.yes(ReasonBaselineHasFix, f)
		case f.unlisted && f.month <= info.month:
			if unlisted.KB == 0 {
				unlisted = f
			}
		case f.month >= info.month:
			// The hotpatch line gets it at the next baseline.
		case !baseKnown || !base.trusted():
			if undecided.KB == 0 {
				undecided = f
			}
		}
	}
	switch {
	case unlisted.KB != 0:
		return a.unknown(ReasonHotpatchUnlisted, unlisted)
	case undecided.KB != 0:
		return a.unknown(ReasonBaselineUnknown, undecided)
	}
	return a.no(ReasonHotpatchLacksFix, missing)
}

// baselineOf returns the latest derived baseline of line l before month m,
// if the index holds a document for every month from it to m.
func (x *Index) baselineOf(l Line, m int) (baseline, bool) {
	bs := x.baselines[l]
	for i := len(bs) - 1; i >= 0; i-- {
		if bs[i].month >= m {
			continue
		}
		for k := bs[i].month + 1; k < m; k++ {
			if !x.months[l][k] {
				return baseline{}, false
			}
		}
		return bs[i], true
	}
	return baseline{}, false
}

func (x *Index) restartTrack(a Answer, fixes []Fix, known bool) Answer {
	b := a.Build
	var lowest Fix
	for _, f := range fixes {
		if f.FixedBuild.Number != b.Number {
			continue
		}
		if f.FixedBuild.Revision > b.Revision {
			if lowest.KB == 0 {
				lowest = f
			}
			continue
		}
		if !known {
			continue
		}
		if f.Hotpatch || f.atHotpatch {
			continue // a restart build past a hotpatch build proves nothing by itself
		}
		return a.yes(ReasonBuildHasFix, f)
	}
	if !known {
		for _, f := range fixes {
			if f.Hotpatch || f.FixedBuild.Number != b.Number || f.FixedBuild.Revision > b.Revision || f.atHotpatch {
				continue
			}
			for _, bl := range x.baselines[a.Line] {
				if bl.build.Revision >= f.FixedBuild.Revision && bl.build.Revision <= b.Revision {
					a.Baseline = bl.kb
					return a.yes(ReasonBaselineHasFix, f)
				}
			}
		}
		for _, f := range fixes {
			if f.FixedBuild.Number == b.Number && f.FixedBuild.Revision <= b.Revision {
				return a.unknown(ReasonBuildNotIndexed, f)
			}
		}
	}
	if lowest.KB == 0 {
		return a.unknown(ReasonOnlyHotpatchFixes, fixes[0])
	}
	return a.no(ReasonBuildBelowFix, lowest)
}
