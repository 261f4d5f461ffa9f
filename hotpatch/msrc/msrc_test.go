package msrc_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/patchmodel/patchmodel/hotpatch"
	"github.com/patchmodel/patchmodel/hotpatch/msrc"
)

func parseFile(t testing.TB, name string) *msrc.Document {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	d, err := msrc.Parse(context.Background(), bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return d
}

func fixtureDocs(t testing.TB) []*msrc.Document {
	t.Helper()
	names, _ := filepath.Glob("testdata/*.xml")
	var docs []*msrc.Document
	for _, n := range names {
		docs = append(docs, parseFile(t, filepath.Base(n)))
	}
	return docs
}

// The JSON form of a document reads to the same model as its XML form.
func TestJSONMatchesXML(t *testing.T) {
	names, _ := filepath.Glob("testdata/*.json")
	if len(names) == 0 {
		t.Fatal("no JSON fixtures")
	}
	for _, n := range names {
		base := strings.TrimSuffix(filepath.Base(n), ".json")
		x, j := parseFile(t, base+".xml"), parseFile(t, base+".json")
		if diff := cmp.Diff(x, j); diff != "" {
			t.Errorf("%s: XML and JSON differ (-xml +json):\n%s", base, diff)
		}
	}
}

// The quirks of §1 of the real documents, read as they are.
func TestQuirks(t *testing.T) {
	feb22 := parseFile(t, "2022-Feb.xml")
	p, ok := feb22.Product("0")
	if !ok || p.Name != "Windows Server 2022 Azure Edition Core Hotpatch" || p.Line.Track != hotpatch.TrackServer2022 {
		t.Errorf("2022-Feb product 0 = %+v, %v", p, ok)
	}
	rem := findRemediation(t, feb22, "CVE-2022-22712", 5010456)
	if rem.SubType != msrc.SubTypeHotpatch || rem.SubTypeText != "Azure Hotpatch" || rem.FixedBuild.Short() != "20348.525" {
		t.Errorf("2022-Feb KB5010456 = %+v", rem)
	}
	nov22 := parseFile(t, "2022-Nov.xml")
	if p, _ := nov22.Product("0"); p.Name != "Windows Server 2022 Datacenter: Azure Edition (Hotpatch)" {
		t.Errorf("2022-Nov product 0 = %+v", p)
	}
	rem = findRemediation(t, nov22, "CVE-2022-38015", 5019080)
	if rem.URL != "" || rem.RestartRequired != "Yes" || rem.SubType != msrc.SubTypeHotpatch || rem.Supersedes != 5016060 {
		t.Errorf("2022-Nov KB5019080 = %+v", rem)
	}
	for _, kb := range []hotpatch.KB{5019080} {
		if r, ok := remediation(nov22, "CVE-2022-37966", kb); ok {
			t.Errorf("CVE-2022-37966 lists %v: %+v", kb, r)
		}
	}
	// Windows 1809 (11568) is no hotpatch product: its fixes are not kept.
	for _, v := range nov22.Vulnerabilities {
		for _, r := range v.Remediations {
			for _, id := range r.Products {
				if id == "11568" {
					t.Errorf("%s keeps product 11568", v.CVE)
				}
			}
		}
	}
	mar26 := parseFile(t, "2026-Mar.xml")
	rem = findRemediation(t, mar26, "CVE-2026-25172", 5084597)
	if rem.RestartRequired != "No" || rem.SubType != msrc.SubTypeHotpatch || rem.Supersedes != 5077212 {
		t.Errorf("2026-Mar KB5084597 = %+v", rem)
	}
}

func remediation(d *msrc.Document, cve string, kb hotpatch.KB) (msrc.Remediation, bool) {
	for _, v := range d.Vulnerabilities {
		if v.CVE != cve {
			continue
		}
		for _, r := range v.Remediations {
			if r.KB == kb {
				return r, true
			}
		}
	}
	return msrc.Remediation{}, false
}

func findRemediation(t *testing.T, d *msrc.Document, cve string, kb hotpatch.KB) msrc.Remediation {
	t.Helper()
	r, ok := remediation(d, cve, kb)
	if !ok {
		t.Fatalf("%s: %s lists no KB%d", d.ID, cve, kb)
	}
	return r
}

func TestReleases(t *testing.T) {
	type row struct {
		doc    string
		line   msrc.Line
		kb     hotpatch.KB
		kind   msrc.Kind
		builds string
		date   string
		lcu    bool
		base   bool
	}
	w11, w11b := msrc.Line{Track: hotpatch.TrackWindows11, Number: 26100}, msrc.Line{Track: hotpatch.TrackWindows11, Number: 26200}
	s25, s22 := msrc.Line{Track: hotpatch.TrackServer2025, Number: 26100}, msrc.Line{Track: hotpatch.TrackServer2022, Number: 20348}
	want := []row{
		{"2022-Feb.xml", s22, 5010456, msrc.KindHotpatch, "20348.525", "2022-02-08", false, false},
		{"2022-Nov.xml", s22, 5019081, msrc.KindSecurityUpdate, "20348.1249", "2022-11-08", true, false},
		{"2022-Nov.xml", s22, 5019080, msrc.KindHotpatch, "20348.1251", "2022-11-08", false, false},
		{"2023-Jan.xml", s22, 5022291, msrc.KindSecurityUpdate, "20348.1487", "2023-01-10", true, true},
		{"2025-Nov.xml", w11, 5068966, msrc.KindHotpatch, "26100.7092", "2025-11-11", false, false},
		{"2025-Nov.xml", w11b, 5068966, msrc.KindHotpatch, "26200.7092", "2025-11-11", false, false},
		{"2025-Dec.xml", s25, 5072014, msrc.KindHotpatch, "26100.7392", "2025-12-09", false, false},
		{"2025-Dec.xml", s25, 5072033, msrc.KindSecurityUpdate, "26100.7462", "2025-12-09", true, false},
		// Its CVEs were all revised on 2025-12-18: read as out-of-band.
		{"2025-Dec.xml", s25, 5074204, msrc.KindOutOfBand, "26100.7392", "2025-12-18", false, false},
		{"2026-Jan.xml", w11, 5074109, msrc.KindSecurityUpdate, "26100.7623", "2026-01-13", true, true},
		{"2026-Jan.xml", s25, 5073379, msrc.KindSecurityUpdate, "26100.32230", "2026-01-13", true, true},
		{"2026-Jan.xml", s22, 5073457, msrc.KindSecurityUpdate, "20348.4648", "2026-01-13", true, true},
		{"2026-Feb.xml", w11, 5077212, msrc.KindHotpatch, "26100.7781", "2026-02-10", false, false},
		{"2026-Feb.xml", s25, 5075942, msrc.KindHotpatch, "26100.32313", "2026-02-10", false, false},
		{"2026-Mar.xml", w11, 5084597, msrc.KindOutOfBand, "26100.7982", "2026-03-13", false, false},
		{"2026-Mar.xml", w11, 5079420, msrc.KindHotpatch, "26100.7979", "2026-03-10", false, false},
		{"2026-Mar.xml", s25, 5078736, msrc.KindHotpatch, "26100.32463", "2026-03-10", false, false},
	}
	got := map[string][]msrc.Release{}
	// November 2022's KBs, listed in 2023-Jan by a late CVE, are no
	// releases of January 2023.
	for _, r := range parseFile(t, "2023-Jan.xml").Releases() {
		if r.KB == 5019080 || r.KB == 5019081 {
			t.Errorf("2023-Jan: %+v", r)
		}
	}
	for _, w := range want {
		if got[w.doc] == nil {
			got[w.doc] = parseFile(t, w.doc).Releases()
		}
		found := false
		for _, r := range got[w.doc] {
			if r.Line != w.line || r.KB != w.kb {
				continue
			}
			found = true
			var builds []string
			for _, b := range r.Builds {
				builds = append(builds, b.Short())
			}
			if r.Kind != w.kind || strings.Join(builds, " ") != w.builds || r.Released.String() != w.date || r.LCU != w.lcu || r.Baseline != w.base {
				t.Errorf("%s %v KB%d = %+v, want %+v", w.doc, w.line, w.kb, r, w)
			}
		}
		if !found {
			t.Errorf("%s: no release KB%d on %v", w.doc, w.kb, w.line)
		}
	}
}

func TestParseErrors(t *testing.T) {
	good, err := os.ReadFile("testdata/2025-Dec.xml")
	if err != nil {
		t.Fatal(err)
	}
	goodJSON, err := os.ReadFile("testdata/2025-Dec.json")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name       string
		doc        string
		cve, field string
		sentinel   error
	}{
		{"bad fixed build", strings.Replace(string(good), "<vuln:FixedBuild>10.0.26100.7462<", "<vuln:FixedBuild>10.0.26100.x<", 1), "CVE-2025-62465", "Remediation/FixedBuild", msrc.ErrField},
		{"bad KB", strings.Replace(string(good), "<vuln:Description>5072033<", "<vuln:Description>KB50720x<", 1), "CVE-2025-62465", "Remediation/Description", msrc.ErrField},
		{"unknown product", strings.Replace(string(good), "<vuln:ProductID>12437<", "<vuln:ProductID>99999<", 1), "CVE-2025-62465", "Remediation/ProductID", msrc.ErrField},
		{"bad CVE", strings.Replace(string(good), "CVE-2025-54100<", "CVE-25-54100<", 1), "CVE-25-54100", "CVE", msrc.ErrField},
		{"bad revision date", strings.Replace(string(good), "2025-12-18T08:00:00", "18 Dec 2025", 1), "CVE-2025-54100", "RevisionHistory/Revision/Date", msrc.ErrField},
		{"truncated", string(good[:len(good)/2]), "CVE-2025-62465", "Remediation/ProductID", msrc.ErrFormat},
		{"mismatched tag", strings.Replace(string(good), "</vuln:SubType>", "</vuln:Subtype>", 1), "CVE-2025-62465", "Remediation/SubType", msrc.ErrFormat},
		{"not cvrf", "hello", "", "", msrc.ErrFormat},
		{"huge field", strings.Replace(string(good), "<vuln:FixedBuild>10.0.26100.7462<", "<vuln:FixedBuild>"+strings.Repeat("1", 2<<20)+"<", 1), "CVE-2025-62465", "Remediation/FixedBuild", msrc.ErrFormat},
		{"huge tag", strings.Replace(string(good), "<vuln:FixedBuild>10.0.26100.7462<", "<vuln:FixedBuild a='"+strings.Repeat("1", 2<<20)+"'>10.0.26100.7462<", 1), "CVE-2025-62465", "Remediations/Remediation", msrc.ErrFormat},
		{"empty", "", "", "", msrc.ErrFormat},
		{"json bad fixed build", strings.Replace(string(goodJSON), "10.0.26100.7462", "10.0.26100.x", 1), "CVE-2025-62465", "Remediation/FixedBuild", msrc.ErrField},
		{"json truncated", string(goodJSON[:len(goodJSON)/2]), "", "Vulnerability", msrc.ErrFormat},
		{"json wrong shape", `{"Vulnerability": {"CVE": 1}}`, "", "Vulnerability", msrc.ErrFormat},
	}
	for _, tc := range cases {
		_, err := msrc.Parse(context.Background(), strings.NewReader(tc.doc))
		var pe *msrc.ParseError
		if !errors.As(err, &pe) || !errors.Is(err, tc.sentinel) {
			t.Errorf("%s: error %v, want a *ParseError wrapping %v", tc.name, err, tc.sentinel)
			continue
		}
		if pe.CVE != tc.cve || pe.Field != tc.field {
			t.Errorf("%s: located at CVE %q field %q, want %q %q (%v)", tc.name, pe.CVE, pe.Field, tc.cve, tc.field, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := msrc.Parse(ctx, bytes.NewReader(good)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled parse: %v", err)
	}
}

// The JSON shapes seen or allowed: Type as a number or as text, ProductID
// as an array or a single value, values bare or wrapped in {"Value": ...},
// numbers where text is expected.
func TestJSONShapes(t *testing.T) {
	doc := `{
 "DocumentTitle": {"Other": 1, "Value": "T\u00e9 \"x\""},
 "DocumentTracking": {"Identification": {"ID": "2025-Dec"}, "InitialReleaseDate": "2025-12-09T08:00:00", "CurrentReleaseDate": {"Value": "2025-12-10T08:00:00Z"}},
 "Vulnerability": [{"CVE": "CVE-2025-54100",
   "RevisionHistory": [{"Number": 1.0, "Date": "2025-12-09T08:00:00", "Description": {"Value": "published"}}],
   "Remediations": [
    {"Type": 2, "Description": {"Value": 5072014}, "URL": null, "ProductID": "12390", "RestartRequired": "Yes", "SubType": "AzureHotpatch", "FixedBuild": "10.0.26100.7392"},
    {"Type": "Vendor Fix", "Description": "5072033", "Supercedence": {"Value": "5068861"}, "ProductID": ["12390", "11568"], "RestartRequired": {"Value": "Yes"}, "SubType": {"Value": "Security Update"}, "FixedBuild": "10.0.26100.7462"},
    {"Type": 5, "Description": {"Value": "5072033"}, "ProductID": ["12390"]}
   ]}],
 "ProductTree": {"FullProductName": [{"ProductID": "12390", "Value": "Windows 11 Version 24H2 for x64-based Systems"}, {"ProductID": 11568, "Value": "Windows 10 Version 1809 for 32-bit Systems"}]}
}`
	d, err := msrc.Parse(context.Background(), strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Vulnerabilities) != 1 || len(d.Vulnerabilities[0].Remediations) != 2 {
		t.Fatalf("read %+v", d)
	}
	r := d.Vulnerabilities[0].Remediations
	if r[0].KB != 5072014 || r[0].SubType != msrc.SubTypeHotpatch || r[0].URL != "" ||
		r[1].Supersedes != 5068861 || len(r[1].Products) != 1 || r[1].SubType != msrc.SubTypeSecurityUpdate {
		t.Errorf("remediations %+v", r)
	}
	if d.Title != `Té "x"` {
		t.Errorf("title %q", d.Title)
	}
	if d.Vulnerabilities[0].Revisions[0].Number != "1.0" || d.CurrentRelease.Day() != 10 {
		t.Errorf("revisions %+v, current %v", d.Vulnerabilities[0].Revisions, d.CurrentRelease)
	}
}
