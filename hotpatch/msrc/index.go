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
}

func monthOf(d hotpatch.Date) int { return d.Year*12 + int(d.Month) - 1 }

// NewIndex indexes docs. When two documents have the same ID (two
// revisions of one month), the later revision is used. The result does not
// depend on the order of docs or of their vulnerabilities.
func NewIndex(docs []*Document) *Index {
	x := &Index{
		known:     map[cveID]bool{},
		fixes:     map[cveKey][]Fix{},
		builds:    map[lineRev]buildInfo{},
		baselines: map[Line][]baseline{},
		months:    map[Line]map[int]bool{},
	}
	for _, d := range newestRevisions(docs) {
		x.add(d)
	}
	for k, fs := range x.fixes {
		slices.SortFunc(fs, compareFix)
		x.fixes[k] = slices.CompactFunc(fs, func(a, b Fix) bool { return compareFix(a, b) == 0 })
	}
	for l, bs := range x.baselines {
		slices.SortFunc(bs, func(a, b baseline) int { return cmp.Or(cmp.Compare(a.month, b.month), cmp.Compare(a.kb, b.kb)) })
		x.baselines[l] = slices.CompactFunc(bs, func(a, b baseline) bool { return a == b })
	}
	// Precompute what queries need, so that Protected looks up only the
	// CVE's fixes and the device's build.
	for k, fs := range x.fixes {
		for i := range fs {
			if fs[i].FixedBuild.Number == k.line.Number {
				fs[i].atHotpatch = x.builds[lineRev{k.line, fs[i].FixedBuild.Revision}].hotpatch
			}
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
			k := lineRev{r.Line, b.Revision}
			old, ok := x.builds[k]
			info := buildInfo{kb: r.KB, hotpatch: r.Hotpatch, month: m}
			if ok {
				// A build two releases bring (a hotpatch and a package
				// at its build) is a hotpatch build; the earliest month
				// and lowest KB name it.
				info.hotpatch = info.hotpatch || old.hotpatch
				if old.month < m || old.month == m && old.kb < info.kb {
					info.kb, info.month = old.kb, old.month
				}
			}
			x.builds[k] = info
		}
		if r.Baseline && len(r.Builds) > 0 {
			x.baselines[r.Line] = append(x.baselines[r.Line], baseline{r.KB, r.Builds[0], m})
		}
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
