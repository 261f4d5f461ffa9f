package msrc

import (
	"cmp"
	"slices"
	"time"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// A Kind is what a release derived from CVRF is.
type Kind uint8

const (
	KindSecurityUpdate Kind = iota + 1 // a restart-required update listed on Patch Tuesday (the month's LCU, or another)
	KindHotpatch                       // the month's hotpatch
	KindOutOfBand                      // a KB added by a later per-CVE revision: an out-of-band release or re-release
)

// String returns "securityUpdate", "hotpatch" or "outOfBand".
func (k Kind) String() string {
	switch k {
	case KindSecurityUpdate:
		return "securityUpdate"
	case KindHotpatch:
		return "hotpatch"
	case KindOutOfBand:
		return "outOfBand"
	}
	return "unknown"
}

// MarshalText returns String.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// A Release is one KB of one document, on one line, as the document's
// remediations describe it.
type Release struct {
	KB       hotpatch.KB      `json:"kb"`
	Line     Line             `json:"line"`
	Builds   []hotpatch.Build `json:"builds"` // the fixed builds it brings on this line
	Released hotpatch.Date    `json:"released"`
	Kind     Kind             `json:"kind"`
	Hotpatch bool             `json:"hotpatch"` // SubType names a hotpatch (an out-of-band release may be one)

	// LCU reports the month's cumulative update for the line: the
	// security update that fixes the most CVEs.
	LCU bool `json:"lcu"`
	// Baseline reports a derived baseline: the line's LCU in a month whose
	// document lists no hotpatch for the line although the line was
	// hotpatch-capable. No CVRF field says "baseline"; it is an inference.
	Baseline bool `json:"baseline"`

	Supersedes hotpatch.KB `json:"supersedes,omitempty"`
	CVEs       int         `json:"cves"` // how many CVEs list it for this line

	Document string    `json:"document"` // "2025-Nov"
	Revision time.Time `json:"revision"` // the document's CurrentReleaseDate
}

// hotpatchSince gives the first month each line was offered hotpatches:
// Server 2022 Azure Edition hotpatches appear in CVRF from the 2022-Feb
// document ("Azure Hotpatch" KB5010456); Windows 11 24H2 and Server 2025
// from the November 2024 preview (KB5046696); Windows 11 25H2 from its
// first hotpatch, KB5068966 of November 2025. A month before these with no
// hotpatch is not a baseline.
var hotpatchSince = map[Line]hotpatch.Date{
	{hotpatch.TrackServer2022, 20348}: {Year: 2022, Month: 2, Day: 1},
	{hotpatch.TrackWindows11, 26100}:  {Year: 2024, Month: 11, Day: 1},
	{hotpatch.TrackServer2025, 26100}: {Year: 2024, Month: 11, Day: 1},
	{hotpatch.TrackWindows11, 26200}:  {Year: 2025, Month: 11, Day: 1},
}

// Releases derives the document's releases for each hotpatch line, in a
// fixed order (line, then kind, then KB):
//
//   - each KB that a Vendor Fix lists for a line's products is a release on
//     that line, hotpatch when its SubType says so, unless another KB of
//     the document supersedes it (directly or through a chain): such a KB
//     is an earlier month's, listed again for a re-published CVE; so is a
//     KB that only CVEs first published in an earlier month list, and a KB
//     whose fixed build is below the month's cumulative update, except the
//     month's hotpatches and packages at a hotpatch's build;
//   - the KB that fixes the most CVEs of each kind is the month's hotpatch or
//     LCU; a further KB all of whose CVEs were revised after the document's
//     first release is out-of-band, dated by the earliest such revision
//     (March 2026: KB5084597, re-released 2026-03-13); other further KBs
//     keep their kind;
//   - a line that was hotpatch-capable and has an LCU but no hotpatch this
//     month marks that LCU as a derived baseline.
//
// Dates are the document's initial release day; fixed builds of another
// build number than the line's (25H2 rows citing 26100.x) are left out of
// Builds.
func (d *Document) Releases() []Release {
	type key struct {
		line Line
		kb   hotpatch.KB
	}
	type acc struct {
		r        Release
		cves     map[string]bool
		laterAll bool      // every CVE listing it was revised after release
		firstRev time.Time // earliest post-release revision over those CVEs
		oldAll   bool      // every CVE listing it was first published in an earlier month
	}
	lines := map[string]Line{}
	for _, p := range d.Products {
		lines[p.ID] = p.Line
	}
	day := hotpatch.DateOf(d.InitialRelease)
	accs := map[key]*acc{}
	for _, v := range d.Vulnerabilities {
		later := laterRevision(v, d.InitialRelease)
		old := publishedBefore(v, d.InitialRelease)
		for _, rem := range v.Remediations {
			for _, id := range rem.Products {
				l := lines[id]
				k := key{l, rem.KB}
				a := accs[k]
				if a == nil {
					a = &acc{r: Release{KB: rem.KB, Line: l, Released: day, Document: d.ID, Revision: d.CurrentRelease}, cves: map[string]bool{}, laterAll: true, oldAll: true}
					accs[k] = a
				}
				a.r.Hotpatch = a.r.Hotpatch || rem.SubType == SubTypeHotpatch
				if rem.Supersedes != 0 && (a.r.Supersedes == 0 || rem.Supersedes < a.r.Supersedes) {
					a.r.Supersedes = rem.Supersedes
				}
				if rem.FixedBuild.Number == l.Number && !slices.Contains(a.r.Builds, rem.FixedBuild) {
					a.r.Builds = append(a.r.Builds, rem.FixedBuild)
				}
				if !a.cves[v.CVE] {
					a.cves[v.CVE] = true
					a.oldAll = a.oldAll && old
					if later.IsZero() {
						a.laterAll = false
					} else if a.firstRev.IsZero() || later.Before(a.firstRev) {
						a.firstRev = later
					}
				}
			}
		}
	}
	// A KB that another KB of the document supersedes on the same line is
	// an earlier month's release, listed again for a re-published CVE.
	superseded := map[key]bool{}
	for k, a := range accs {
		for s := a.r.Supersedes; s != 0; {
			sk := key{k.line, s}
			if superseded[sk] {
				break
			}
			superseded[sk] = true
			next, ok := accs[sk]
			if !ok {
				break
			}
			s = next.r.Supersedes
		}
	}
	for k := range superseded {
		delete(accs, k)
	}
	// A KB listed only by CVEs first published in an earlier month is
	// that month's release, listed again (2023-Jan lists November 2022's
	// KB5019080 and KB5019081 for the re-published CVE-2022-37966).
	for k, a := range accs {
		if a.oldAll {
			delete(accs, k)
		}
	}
	for _, a := range accs {
		a.r.CVEs = len(a.cves)
		slices.SortFunc(a.r.Builds, hotpatch.Build.Compare)
	}
	// The month's main hotpatch and LCU per line: most CVEs, then lowest KB.
	type best struct{ hp, lcu *acc }
	pick := func() map[Line]*best {
		main := map[Line]*best{}
		for _, a := range accs {
			b := main[a.r.Line]
			if b == nil {
				b = &best{}
				main[a.r.Line] = b
			}
			slot := &b.lcu
			if a.r.Hotpatch {
				slot = &b.hp
			}
			if *slot == nil || a.r.CVEs > (*slot).r.CVEs || a.r.CVEs == (*slot).r.CVEs && a.r.KB < (*slot).r.KB {
				*slot = a
			}
		}
		return main
	}
	main := pick()
	// A KB below the month's cumulative update is an earlier release that
	// a late-disclosed CVE lists as its fix (2023-Jan: CVE-2023-21712 lists
	// November 2022's KB5019080 and KB5019081), unless it is the month's
	// hotpatch (which fixes most of the month's CVEs), a later hotpatch of
	// the month, or a package at the month's hotpatch build (2025-Dec:
	// KB5074204).
	dropped := false
	for k, a := range accs {
		b := main[a.r.Line]
		if b.lcu == nil || a == b.lcu || len(a.r.Builds) == 0 || len(b.lcu.r.Builds) == 0 ||
			a.r.Builds[0].Revision >= b.lcu.r.Builds[0].Revision {
			continue
		}
		if a.r.Hotpatch && a == b.hp && !a.laterAll && a.r.CVEs*4 >= b.lcu.r.CVEs {
			continue // the month's hotpatch: listed on release day, for most CVEs
		}
		if a.r.Hotpatch && a != b.hp && len(b.hp.r.Builds) > 0 && a.r.Builds[0].Revision >= b.hp.r.Builds[0].Revision {
			continue // a later hotpatch of the month: a re-release (2026-Mar: KB5084597)
		}
		if !a.r.Hotpatch && b.hp != nil && slices.Contains(b.hp.r.Builds, a.r.Builds[0]) {
			continue
		}
		delete(accs, k)
		dropped = true
	}
	if dropped {
		main = pick()
	}
	out := make([]Release, 0, len(accs))
	for _, a := range accs {
		b := main[a.r.Line]
		switch {
		case a == b.hp:
			a.r.Kind = KindHotpatch
		case a == b.lcu:
			a.r.Kind, a.r.LCU = KindSecurityUpdate, true
			since, capable := hotpatchSince[a.r.Line]
			a.r.Baseline = b.hp == nil && capable && !day.Before(since)
		case a.laterAll:
			a.r.Kind, a.r.Released = KindOutOfBand, hotpatch.DateOf(a.firstRev)
		case a.r.Hotpatch:
			a.r.Kind = KindHotpatch
		default:
			a.r.Kind = KindSecurityUpdate
		}
		out = append(out, a.r)
	}
	slices.SortFunc(out, func(a, b Release) int {
		return cmp.Or(cmp.Compare(a.Line.Track, b.Line.Track), cmp.Compare(a.Line.Number, b.Line.Number),
			cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.KB, b.KB))
	})
	return out
}

// publishedBefore reports whether v's first revision is more than a week
// before the document's release: a CVE of an earlier month, re-published.
func publishedBefore(v Vulnerability, release time.Time) bool {
	if len(v.Revisions) == 0 {
		return false
	}
	first := v.Revisions[0].Date
	for _, r := range v.Revisions {
		if r.Date.Before(first) {
			first = r.Date
		}
	}
	return first.Before(release.Add(-7 * 24 * time.Hour))
}

// laterRevision returns the earliest revision date of v after the
// document's release day, or the zero time when v has none.
func laterRevision(v Vulnerability, release time.Time) time.Time {
	var first time.Time
	cut := release.Add(24 * time.Hour)
	for _, r := range v.Revisions {
		if !r.Date.Before(cut) && (first.IsZero() || r.Date.Before(first)) {
			first = r.Date
		}
	}
	return first
}
