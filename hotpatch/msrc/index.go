package msrc

import (
	"bytes"
	"cmp"
	"encoding/json"
	"slices"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// An Index answers, per CVE, whether a device is protected, from the
// vendor fixes of one or more CVRF documents. It is immutable and safe for
// concurrent use.
type Index struct {
	known     map[cveID]bool
	docHP     map[lineRev]bool // (line, month) with a hotpatch in its document
	unlisted  map[lineRev]bool // (line, month): a catalog hotpatch the document does not list
	fixes     map[cveKey][]Fix // per CVE and line, in Fix order
	builds    map[lineRev]buildInfo
	baselines map[Line][]baseline // by month
	months    map[Line]map[int]bool
	docs      []string
}

// A Fix is one KB that CVRF lists as fixing a CVE on a line.
type Fix struct {
	KB         hotpatch.KB    `json:"kb"`
	FixedBuild hotpatch.Build `json:"fixedBuild"`
	Hotpatch   bool           `json:"hotpatch"` // the remediation's SubType names a hotpatch
	Document   string         `json:"document"` // the CVRF document that lists it, "2025-Dec"
	month      int
	atHotpatch bool // FixedBuild is a hotpatch build of the line
	// unlisted: the catalog has a hotpatch on the line in the fix's month
	// that the month's document does not list, so whether it carried
	// the fix is unknown.
	unlisted bool
}

type cveID uint64

type cveKey struct {
	cve  cveID
	line Line
}

type lineRev struct {
	line Line
	rev  uint32
}

type buildInfo struct {
	kb        hotpatch.KB
	hotpatch  bool
	month     int
	base      baseline // a hotpatch build's baseline, when baseKnown
	baseKnown bool
}

type baseline struct {
	kb    hotpatch.KB
	build hotpatch.Build
	month int
	// derived: read from a document only (a month listing no hotpatch),
	// not confirmed by the catalog.
	derived bool
}

// trusted reports whether a baseline may prove a fix: a catalog baseline,
// or one derived in a quarterly baseline month (January, April, July,
// October). A derived one elsewhere may be a month whose document simply
// left its hotpatch out (CVRF 2024-Feb for Server 2022).
func (b baseline) trusted() bool {
	return !b.derived || (b.month%12)%3 == 0
}

func monthOf(d hotpatch.Date) int { return d.Year*12 + int(d.Month) - 1 }

// NewIndex indexes docs. When two documents have the same ID (two
// revisions of one month), the later revision is used. The result does not
// depend on the order of docs or of their vulnerabilities.
//
// The catalog c, which may be nil, adds what documents do not say: which
// builds are hotpatches and which releases are baselines, for months
// without documents too. Its confirmed rows also overrule a baseline
// derived from a document: CVRF lists no hotpatch for Server 2022 in
// February 2024, yet the catalog has hotpatch KB5034860 that month, so that
// month's update is not a baseline. Rows marked unconfirmed are not used.
func NewIndex(docs []*Document, c *hotpatch.Catalog) *Index {
	x := &Index{
		known:     map[cveID]bool{},
		docHP:     map[lineRev]bool{},
		unlisted:  map[lineRev]bool{},
		fixes:     map[cveKey][]Fix{},
		builds:    map[lineRev]buildInfo{},
		baselines: map[Line][]baseline{},
		months:    map[Line]map[int]bool{},
	}
	for _, d := range newestRevisions(docs) {
		x.add(d)
	}
	if c != nil {
		x.addCatalog(c)
	}
	for k, fs := range x.fixes {
		slices.SortFunc(fs, compareFix)
		x.fixes[k] = slices.CompactFunc(fs, func(a, b Fix) bool { return compareFix(a, b) == 0 })
	}
	for l, bs := range x.baselines {
		slices.SortFunc(bs, func(a, b baseline) int {
			return cmp.Or(cmp.Compare(a.month, b.month), cmp.Compare(a.kb, b.kb), boolCmp(a.derived, b.derived))
		})
		x.baselines[l] = slices.CompactFunc(bs, func(a, b baseline) bool { return a.kb == b.kb && a.month == b.month })
	}
	// Precompute what queries need, so that Protected looks up only the
	// CVE's fixes and the device's build.
	for k, fs := range x.fixes {
		for i := range fs {
			if fs[i].FixedBuild.Number == k.line.Number {
				fs[i].atHotpatch = x.builds[lineRev{k.line, fs[i].FixedBuild.Revision}].hotpatch
			}
			fs[i].unlisted = x.unlisted[lineRev{k.line, uint32(fs[i].month)}]
		}
	}
	for k, info := range x.builds {
		if info.hotpatch {
			info.base, info.baseKnown = x.baselineOf(k.line, info.month)
			x.builds[k] = info
		}
	}
	slices.Sort(x.docs)
	return x
}

// compareFix orders fixes by build, then KB, then the earliest document.
func compareFix(a, b Fix) int {
	return cmp.Or(a.FixedBuild.Compare(b.FixedBuild), cmp.Compare(a.KB, b.KB),
		cmp.Compare(a.month, b.month), cmp.Compare(a.Document, b.Document), boolCmp(a.Hotpatch, b.Hotpatch))
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// newestRevisions keeps, per document ID, the revision with the latest
// CurrentRelease; equal dates are ordered by content, so that the choice
// does not depend on the order of docs.
func newestRevisions(docs []*Document) []*Document {
	byID := map[string]*Document{}
	for _, d := range docs {
		old, ok := byID[d.ID]
		if !ok || d.CurrentRelease.After(old.CurrentRelease) ||
			d.CurrentRelease.Equal(old.CurrentRelease) && canonicalLess(d, old) {
			byID[d.ID] = d
		}
	}
	out := make([]*Document, 0, len(byID))
	for _, d := range byID {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b *Document) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

func canonicalLess(a, b *Document) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Compare(ja, jb) < 0
}

func (x *Index) add(d *Document) {
	x.docs = append(x.docs, d.ID)
	month := monthOf(hotpatch.DateOf(d.InitialRelease))
	lines := map[string]Line{}
	for _, p := range d.Products {
		lines[p.ID] = p.Line
		if x.months[p.Line] == nil {
			x.months[p.Line] = map[int]bool{}
		}
		x.months[p.Line][month] = true
	}
	for _, v := range d.Vulnerabilities {
		id, ok := parseCVE(v.CVE)
		if !ok {
			continue // the reader accepts only valid IDs; ADV advisories have no CVE number
		}
		x.known[id] = true
		for _, r := range v.Remediations {
			for _, pid := range r.Products {
				k := cveKey{id, lines[pid]}
				x.fixes[k] = append(x.fixes[k], Fix{KB: r.KB, FixedBuild: r.FixedBuild,
					Hotpatch: r.SubType == SubTypeHotpatch, Document: d.ID, month: month})
			}
		}
	}
	for _, r := range d.Releases() {
		m := monthOf(r.Released)
		for _, b := range r.Builds {
			x.addBuild(lineRev{r.Line, b.Revision}, buildInfo{kb: r.KB, hotpatch: r.Hotpatch, month: m})
		}
		if r.Hotpatch {
			x.docHP[lineRev{r.Line, uint32(month)}] = true
		}
		if r.Baseline && len(r.Builds) > 0 {
			x.baselines[r.Line] = append(x.baselines[r.Line], baseline{r.KB, r.Builds[0], m, true})
		}
	}
}

// addBuild records a release's build. A build two releases bring (a
// hotpatch and a package at its build) is a hotpatch build; the earliest
// month and lowest KB name it.
func (x *Index) addBuild(k lineRev, info buildInfo) {
	if old, ok := x.builds[k]; ok {
		info.hotpatch = info.hotpatch || old.hotpatch
		if old.month < info.month || old.month == info.month && old.kb < info.kb {
			info.kb, info.month = old.kb, old.month
		}
	}
	x.builds[k] = info
}

// addCatalog adds the confirmed rows of c: their builds, their baselines,
// the months they cover; and drops derived baselines of months in which c
// has a hotpatch on the line.
func (x *Index) addCatalog(c *hotpatch.Catalog) {
	hotpatchMonths := map[lineRev]bool{} // rev holds the month here
	catalogBase := map[hotpatch.KB]bool{}
	docMonths := map[lineRev]bool{}
	for l, ms := range x.months {
		for m := range ms {
			docMonths[lineRev{l, uint32(m)}] = true
		}
	}
	for u := range c.All() {
		if u.Unconfirmed != "" {
			continue
		}
		m := monthOf(u.Released)
		hp := u.Kind == hotpatch.KindHotpatch || u.Kind == hotpatch.KindOutOfBand && !u.Restart
		for _, t := range u.Tracks {
			for _, b := range u.Builds {
				l := Line{t, b.Number}
				if x.months[l] == nil {
					x.months[l] = map[int]bool{}
				}
				x.months[l][m] = true
				x.addBuild(lineRev{l, b.Revision}, buildInfo{kb: u.KB, hotpatch: hp, month: m})
				switch u.Kind {
				case hotpatch.KindHotpatch:
					lm := lineRev{l, uint32(m)}
					hotpatchMonths[lm] = true
					if docMonths[lm] && !x.docHP[lm] {
						x.unlisted[lm] = true
					}
				case hotpatch.KindBaseline:
					catalogBase[u.KB] = true
					x.baselines[l] = append(x.baselines[l], baseline{u.KB, b, m, false})
				}
			}
		}
	}
	for l, bs := range x.baselines {
		bs = slices.DeleteFunc(bs, func(b baseline) bool {
			return !catalogBase[b.kb] && hotpatchMonths[lineRev{l, uint32(b.month)}]
		})
		for i := range bs {
			if catalogBase[bs[i].kb] {
				bs[i].derived = false
			}
		}
		x.baselines[l] = bs
	}
}

// Documents returns the IDs of the indexed documents, sorted.
func (x *Index) Documents() []string { return slices.Clone(x.docs) }

// parseCVE reads "CVE-2025-54100" without allocating.
func parseCVE(s string) (cveID, bool) {
	if len(s) < 13 || s[:4] != "CVE-" || s[8] != '-' || len(s) > 4+4+1+10 {
		return 0, false
	}
	var year, num uint64
	for i := 4; i < 8; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		year = year*10 + uint64(c-'0')
	}
	for i := 9; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		num = num*10 + uint64(c-'0')
	}
	return cveID(year<<40 | num), true
}

// Fixes returns the fixes that the indexed documents list for cve on line
// l, ordered by fixed build, then KB.
func (x *Index) Fixes(cve string, l Line) []Fix {
	id, ok := parseCVE(cve)
	if !ok {
		return nil
	}
	return slices.Clone(x.fixes[cveKey{id, l}])
}
