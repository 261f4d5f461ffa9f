package msrc_test

import (
	"context"
	"fmt"
	"html"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/patchmodel/patchmodel/hotpatch"
	"github.com/patchmodel/patchmodel/hotpatch/msrc"
	"pgregory.net/rapid"
)

// genProduct is a product of a generated document.
type genProduct struct {
	id, name string
	track    hotpatch.Track
	number   uint32
}

var genProducts = []genProduct{
	{"12390", "Windows 11 Version 24H2 for x64-based Systems", hotpatch.TrackWindows11, 26100},
	{"20438", "Windows 11 Version 25H2 for x64-based Systems", hotpatch.TrackWindows11, 26200},
	{"12436", "Windows Server 2025", hotpatch.TrackServer2025, 26100},
	{"11923", "Windows Server 2022", hotpatch.TrackServer2022, 20348},
}

type genRem struct {
	kb                  int
	products            []string
	build, sub, restart string
	url                 bool
}

type genVuln struct {
	cve  string
	revs []string // dates
	rems []genRem
}

type genDoc struct {
	id, initial, current string
	product0             string // name of the 2022-style hotpatch product, or ""
	vulns                []genVuln
}

// genDocs draws one to four consecutive months of documents with the
// quirks of the real ones: four hotpatch SubType spellings, RestartRequired
// either way, empty URLs, the 2022 hotpatch product 0, Windows 11 and
// Server 2025 on one build number with diverged revisions, hotpatches left
// out of some CVEs, out-of-band re-releases added by a later revision.
func genDocs(t *rapid.T) []genDoc {
	months := rapid.IntRange(1, 4).Draw(t, "months")
	spellings := []string{"Azure Hotpatch", "AzureHotpatch", "SecurityHotpatchUpdate", "Security Hotpatch Update"}
	kb := 5100000
	rev := map[string]int{"12390": 7000, "20438": 7000, "12436": 32000, "11923": 4000}
	var docs []genDoc
	for m := range months {
		month := 10 + m // October 2025 on
		y, mo := 2025+(month-1)/12, (month-1)%12+1
		day := fmt.Sprintf("%04d-%02d-10T08:00:00", y, mo)
		d := genDoc{id: fmt.Sprintf("G%d", m), initial: day, current: fmt.Sprintf("%04d-%02d-28T08:00:00", y, mo)}
		if rapid.Bool().Draw(t, "product0") {
			d.product0 = rapid.SampledFrom([]string{"Windows Server 2022 Azure Edition Core Hotpatch", "Windows Server 2022 Datacenter: Azure Edition (Hotpatch)"}).Draw(t, "p0name")
		}
		type release struct {
			lcu, hp, oob    int
			lcuB, hpB, oobB string
		}
		rel := map[string]release{}
		for _, p := range genProducts {
			r := release{}
			kb++
			r.lcu = kb
			rev[p.id] += rapid.IntRange(100, 300).Draw(t, "step")
			r.lcuB = fmt.Sprintf("10.0.%d.%d", p.number, rev[p.id])
			if rapid.IntRange(0, 3).Draw(t, "baseline") > 0 {
				kb++
				r.hp = kb
				r.hpB = fmt.Sprintf("10.0.%d.%d", p.number, rev[p.id]-rapid.IntRange(10, 90).Draw(t, "hpgap"))
				if rapid.IntRange(0, 4).Draw(t, "oob") == 0 {
					kb++
					r.oob = kb
					r.oobB = r.hpB + "1"
				}
			}
			rel[p.id] = r
		}
		for v := range rapid.IntRange(1, 4).Draw(t, "cves") {
			gv := genVuln{cve: fmt.Sprintf("CVE-%04d-%05d", y, 10000*m+v), revs: []string{day}}
			late := false
			for _, p := range genProducts {
				r := rel[p.id]
				gv.rems = append(gv.rems, genRem{kb: r.lcu, products: []string{p.id}, build: r.lcuB, sub: "Security Update",
					restart: "Yes", url: true})
				if r.hp == 0 || rapid.IntRange(0, 4).Draw(t, "leftout") == 0 {
					continue // a month with no hotpatch, or a fix left out of it
				}
				products := []string{p.id}
				if p.id == "11923" && d.product0 != "" {
					products = []string{"0"}
				}
				hp := genRem{kb: r.hp, products: products, build: r.hpB, sub: rapid.SampledFrom(spellings).Draw(t, "sub"),
					restart: rapid.SampledFrom([]string{"Yes", "No"}).Draw(t, "restart"), url: rapid.Bool().Draw(t, "url")}
				if r.oob != 0 && rapid.Bool().Draw(t, "rerelease") {
					hp.kb, hp.build, late = r.oob, r.oobB, true
				}
				gv.rems = append(gv.rems, hp)
			}
			if late {
				gv.revs = append(gv.revs, fmt.Sprintf("%04d-%02d-13T08:00:00", y, mo))
			}
			d.vulns = append(d.vulns, gv)
		}
		docs = append(docs, d)
	}
	return docs
}

// xml renders a generated document, with its vulnerabilities and
// remediations in the order given by perm.
func (d genDoc) xml(perm func(int) []int) string {
	var b strings.Builder
	b.WriteString(`<cvrf:cvrfdoc xmlns:cvrf="http://www.icasi.org/CVRF/schema/cvrf/1.1" xmlns:prod="http://www.icasi.org/CVRF/schema/prod/1.1" xmlns:vuln="http://www.icasi.org/CVRF/schema/vuln/1.1">`)
	fmt.Fprintf(&b, `<cvrf:DocumentTitle>%s</cvrf:DocumentTitle><cvrf:DocumentTracking><cvrf:Identification><cvrf:ID>%s</cvrf:ID></cvrf:Identification>`, d.id, d.id)
	fmt.Fprintf(&b, `<cvrf:InitialReleaseDate>%s</cvrf:InitialReleaseDate><cvrf:CurrentReleaseDate>%s</cvrf:CurrentReleaseDate></cvrf:DocumentTracking><prod:ProductTree>`, d.initial, d.current)
	for _, p := range genProducts {
		fmt.Fprintf(&b, `<prod:FullProductName ProductID="%s">%s</prod:FullProductName>`, p.id, p.name)
	}
	if d.product0 != "" {
		fmt.Fprintf(&b, `<prod:FullProductName ProductID="0">%s</prod:FullProductName>`, html.EscapeString(d.product0))
	}
	b.WriteString(`</prod:ProductTree>`)
	for _, i := range perm(len(d.vulns)) {
		v := d.vulns[i]
		fmt.Fprintf(&b, `<vuln:Vulnerability Ordinal="%d"><vuln:CVE>%s</vuln:CVE><vuln:Remediations>`, i, v.cve)
		for _, j := range perm(len(v.rems)) {
			r := v.rems[j]
			url := ""
			if r.url {
				url = fmt.Sprintf("https://catalog.update.microsoft.com/v7/site/Search.aspx?q=KB%d", r.kb)
			}
			fmt.Fprintf(&b, `<vuln:Remediation Type="Vendor Fix"><vuln:Description>%d</vuln:Description><vuln:URL>%s</vuln:URL>`, r.kb, url)
			for _, p := range r.products {
				fmt.Fprintf(&b, `<vuln:ProductID>%s</vuln:ProductID>`, p)
			}
			fmt.Fprintf(&b, `<vuln:RestartRequired>%s</vuln:RestartRequired><vuln:SubType>%s</vuln:SubType><vuln:FixedBuild>%s</vuln:FixedBuild></vuln:Remediation>`, r.restart, r.sub, r.build)
		}
		b.WriteString(`</vuln:Remediations><vuln:RevisionHistory>`)
		for k, date := range v.revs {
			fmt.Fprintf(&b, `<vuln:Revision><cvrf:Number>%d.0</cvrf:Number><cvrf:Date>%s</cvrf:Date><cvrf:Description>rev</cvrf:Description></vuln:Revision>`, k+1, date)
		}
		b.WriteString(`</vuln:RevisionHistory></vuln:Vulnerability>`)
	}
	b.WriteString(`</cvrf:cvrfdoc>`)
	return b.String()
}

// Over generated documents, Protected's answers do not depend on the order
// of the documents, of their vulnerabilities or of their remediations, and
// Releases does not depend on the order inside a document.
func TestPropertyOrderIndependent(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		gen := genDocs(t)
		identity := func(n int) []int {
			p := make([]int, n)
			for i := range p {
				p[i] = i
			}
			return p
		}
		shuffled := func(n int) []int {
			return rapid.Permutation(identity(n)).Draw(t, "perm")
		}
		build := func(perm func(int) []int) (*msrc.Index, []*msrc.Document) {
			var docs []*msrc.Document
			for _, i := range perm(len(gen)) {
				d, err := msrc.Parse(context.Background(), strings.NewReader(gen[i].xml(perm)))
				if err != nil {
					t.Fatalf("generated document: %v", err)
				}
				docs = append(docs, d)
			}
			return msrc.NewIndex(docs, nil), docs
		}
		x1, docs1 := build(identity)
		x2, docs2 := build(shuffled)
		byID := func(docs []*msrc.Document, id string) *msrc.Document {
			return docs[slices.IndexFunc(docs, func(d *msrc.Document) bool { return d.ID == id })]
		}
		var kbs []hotpatch.KB
		var revs []hotpatch.Build
		var cves []string
		for _, d := range docs1 {
			if diff := cmp.Diff(d.Releases(), byID(docs2, d.ID).Releases()); diff != "" {
				t.Fatalf("%s: Releases depend on order:\n%s", d.ID, diff)
			}
			for _, v := range d.Vulnerabilities {
				cves = append(cves, v.CVE)
				for _, r := range v.Remediations {
					kbs = append(kbs, r.KB)
					revs = append(revs, r.FixedBuild, hotpatch.NewBuild(r.FixedBuild.Number, r.FixedBuild.Revision+1))
				}
			}
		}
		cves = append(cves, "CVE-1999-0001")
		for range 20 {
			p := rapid.SampledFrom(genProducts).Draw(t, "product")
			b := rapid.SampledFrom(revs).Draw(t, "build")
			b.Number = p.number
			installed := rapid.SliceOfN(rapid.SampledFrom(kbs), 0, 3).Draw(t, "installed")
			cve := rapid.SampledFrom(cves).Draw(t, "cve")
			a1 := x1.Protected(p.track, b, installed, cve)
			a2 := x2.Protected(p.track, b, installed, cve)
			if a1 != a2 {
				t.Fatalf("answer depends on order:\n\t%v\n\t%v", a1, a2)
			}
			if a1.Protected == hotpatch.True && a1.Fix.KB == 0 {
				t.Fatalf("protected without a proving fix: %v", a1)
			}
		}
	})
}
