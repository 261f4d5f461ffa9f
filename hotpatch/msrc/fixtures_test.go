package msrc_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
)

// The fixtures in testdata are real CVRF documents from the public mirror
// github.com/p0w3rsh3ll/MSRC-data, cut to a few CVEs and to the products of
// the hotpatch tracks (plus Windows 10 1809, a product of no track, so that
// skipping is tested). TestWriteFixtures rebuilds them from the full
// documents; testdata/README.md says which mirror commit each comes from:
//
//	go test ./hotpatch/msrc -run TestWriteFixtures -fixtures-from DIR
var fixturesFrom = flag.String("fixtures-from", "", "directory of full CVRF documents (named as in testdata/README.md) to cut into testdata")

var fixtureSpecs = []struct {
	out, src string
	cves     []string
	json     bool
}{
	{"2022-Feb.xml", "cvrfDocument-2022-Feb.xml", []string{"CVE-2022-22712"}, false},
	{"2022-Nov.xml", "cvrfDocument-2022-Nov-39bd023.xml", []string{"CVE-2022-37966", "CVE-2022-41128", "CVE-2022-38015"}, true},
	{"2023-Jan.xml", "cvrfDocument-2023-Jan.xml", []string{"CVE-2023-21712", "CVE-2023-21768", "CVE-2023-21759"}, false},
	{"2024-Feb.xml", "cvrfDocument-2024-Feb.xml", []string{"CVE-2024-20684"}, false},
	{"2024-Mar.xml", "cvrfDocument-2024-Mar.xml", []string{"CVE-2024-26197"}, false},
	{"2025-Nov.xml", "cvrfDocument-2025-Nov.xml", []string{"CVE-2025-59505"}, false},
	{"2025-Dec.xml", "cvrfDocument-2025-Dec.xml", []string{"CVE-2025-54100", "CVE-2025-62465"}, true},
	{"2026-Jan.xml", "cvrfDocument-2026-Jan.xml", []string{"CVE-2026-20811"}, false},
	{"2026-Feb.xml", "cvrfDocument-2026-Feb.xml", []string{"CVE-2026-21241"}, false},
	{"2026-Mar.xml", "cvrfDocument-2026-Mar.xml", []string{"CVE-2026-25172", "CVE-2026-25170"}, true},
}

var keepProducts = []string{"0", "11568", "11923", "11924", "12389", "12390", "12436", "12437", "20437", "20438"}

func TestWriteFixtures(t *testing.T) {
	if *fixturesFrom == "" {
		t.Skip("run with -fixtures-from DIR to rebuild testdata from full documents")
	}
	for _, f := range fixtureSpecs {
		full, err := os.ReadFile(filepath.Join(*fixturesFrom, f.src))
		if err != nil {
			t.Fatal(err)
		}
		trimmed := trimDocument(full, f.cves)
		if err := os.WriteFile(filepath.Join("testdata", f.out), trimmed, 0o644); err != nil {
			t.Fatal(err)
		}
		if f.json {
			js, err := apiJSON(trimmed)
			if err != nil {
				t.Fatalf("%s: %v", f.out, err)
			}
			name := f.out[:len(f.out)-len(".xml")] + ".json"
			if err := os.WriteFile(filepath.Join("testdata", name), js, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

var (
	reDocNotes = regexp.MustCompile(`(?s)\s*<cvrf:DocumentNotes>.*?</cvrf:DocumentNotes>`)
	reProduct  = regexp.MustCompile(`\n\s*<prod:FullProductName ProductID="([^"]*)"[^>]*>[^<]*</prod:FullProductName>`)
	reEmptyBr  = regexp.MustCompile(`\n\s*<prod:Branch [^>]*>\s*</prod:Branch>`)
	reVuln     = regexp.MustCompile(`(?s)\n\s*<vuln:Vulnerability .*?</vuln:Vulnerability>`)
	reCVE      = regexp.MustCompile(`<vuln:CVE>([^<]*)</vuln:CVE>`)
	reDrop     = regexp.MustCompile(`(?s)\n\s*<vuln:(Threats|CVSSScoreSets|Acknowledgments|ProductStatuses)>.*?</vuln:(Threats|CVSSScoreSets|Acknowledgments|ProductStatuses)>`)
	reNote     = regexp.MustCompile(`(?s)\n\s*<vuln:Note .*?</vuln:Note>`)
	reRem      = regexp.MustCompile(`(?s)\n\s*<vuln:Remediation .*?</vuln:Remediation>`)
	reRemPID   = regexp.MustCompile(`\n\s*<vuln:ProductID>([^<]*)</vuln:ProductID>`)
)

// trimDocument keeps the document's header, the kept products, and the
// named vulnerabilities without their threats, scores, acknowledgments,
// product statuses and notes (but notes that mention hotpatching stay),
// with remediations cut to the kept products. Every value kept is as
// Microsoft wrote it.
func trimDocument(doc []byte, cves []string) []byte {
	doc = reDocNotes.ReplaceAll(doc, nil)
	doc = reProduct.ReplaceAllFunc(doc, func(m []byte) []byte {
		if slices.Contains(keepProducts, string(reProduct.FindSubmatch(m)[1])) {
			return m
		}
		return nil
	})
	for reEmptyBr.Match(doc) {
		doc = reEmptyBr.ReplaceAll(doc, nil)
	}
	return reVuln.ReplaceAllFunc(doc, func(v []byte) []byte {
		if !slices.Contains(cves, string(reCVE.FindSubmatch(v)[1])) {
			return nil
		}
		v = reDrop.ReplaceAll(v, nil)
		v = reNote.ReplaceAllFunc(v, func(n []byte) []byte {
			if bytes.Contains(n, []byte("otpatch")) {
				return n
			}
			return nil
		})
		return reRem.ReplaceAllFunc(v, func(r []byte) []byte {
			kept := 0
			r = reRemPID.ReplaceAllFunc(r, func(p []byte) []byte {
				if slices.Contains(keepProducts, string(reRemPID.FindSubmatch(p)[1])) {
					kept++
					return p
				}
				return nil
			})
			if kept == 0 {
				return nil
			}
			return r
		})
	})
}

// apiJSON converts a CVRF XML document to the shape the MSRC API serves as
// JSON: the same field names, {"Value": ...} around titles, descriptions
// and RestartRequired, Remediation Type as a number (Vendor Fix 2, Known
// Issue 5, as Microsoft's MsrcSecurityUpdates PowerShell module reads them;
// Release Notes 6 is an assumption, and the reader ignores it), ProductID
// as an array. Notes are left out.
func apiJSON(doc []byte) ([]byte, error) {
	type rev struct {
		Number      string `xml:"Number"`
		Date        string `xml:"Date"`
		Description string `xml:"Description"`
	}
	var d struct {
		Title    string `xml:"DocumentTitle"`
		Type     string `xml:"DocumentType"`
		Tracking struct {
			ID      string `xml:"Identification>ID"`
			Alias   string `xml:"Identification>Alias"`
			Version string `xml:"Version"`
			Revs    []rev  `xml:"RevisionHistory>Revision"`
			Initial string `xml:"InitialReleaseDate"`
			Current string `xml:"CurrentReleaseDate"`
		} `xml:"DocumentTracking"`
		Products []struct {
			ID   string `xml:"ProductID,attr"`
			Name string `xml:",chardata"`
		} `xml:"ProductTree>FullProductName"`
		Vulns []struct {
			Ordinal string `xml:"Ordinal,attr"`
			Title   string `xml:"Title"`
			CVE     string `xml:"CVE"`
			Rems    []struct {
				Type            string   `xml:"Type,attr"`
				Description     string   `xml:"Description"`
				URL             string   `xml:"URL"`
				Supercedence    string   `xml:"Supercedence"`
				ProductID       []string `xml:"ProductID"`
				RestartRequired string   `xml:"RestartRequired"`
				SubType         string   `xml:"SubType"`
				FixedBuild      string   `xml:"FixedBuild"`
			} `xml:"Remediations>Remediation"`
			Revs []rev `xml:"RevisionHistory>Revision"`
		} `xml:"Vulnerability"`
	}
	if err := xml.Unmarshal(doc, &d); err != nil {
		return nil, err
	}
	type obj = map[string]any
	val := func(s string) obj { return obj{"Value": s} }
	revs := func(rs []rev) []obj {
		out := []obj{}
		for _, r := range rs {
			out = append(out, obj{"Number": r.Number, "Date": r.Date, "Description": val(r.Description)})
		}
		return out
	}
	products := []obj{}
	for _, p := range d.Products {
		products = append(products, obj{"ProductID": p.ID, "Value": p.Name})
	}
	vulns := []obj{}
	for _, v := range d.Vulns {
		rems := []obj{}
		for _, r := range v.Rems {
			typ := map[string]int{"Vendor Fix": 2, "Known Issue": 5, "Release Notes": 6}[r.Type]
			m := obj{"Description": val(r.Description), "URL": r.URL, "ProductID": r.ProductID, "Type": typ,
				"DateSpecified": false, "AffectedFiles": []any{}, "SubType": r.SubType}
			if r.Supercedence != "" {
				m["Supercedence"] = r.Supercedence
			}
			if r.RestartRequired != "" {
				m["RestartRequired"] = val(r.RestartRequired)
			}
			if r.FixedBuild != "" {
				m["FixedBuild"] = r.FixedBuild
			}
			rems = append(rems, m)
		}
		vulns = append(vulns, obj{"Title": val(v.Title), "CVE": v.CVE, "Ordinal": v.Ordinal,
			"Remediations": rems, "RevisionHistory": revs(v.Revs)})
	}
	out := obj{
		"DocumentTitle": val(d.Title),
		"DocumentType":  val(d.Type),
		"DocumentTracking": obj{
			"Identification":     obj{"ID": val(d.Tracking.ID), "Alias": val(d.Tracking.Alias)},
			"Version":            d.Tracking.Version,
			"RevisionHistory":    revs(d.Tracking.Revs),
			"InitialReleaseDate": d.Tracking.Initial,
			"CurrentReleaseDate": d.Tracking.Current,
		},
		"ProductTree":   obj{"FullProductName": products},
		"Vulnerability": vulns,
	}
	return json.MarshalIndent(out, "", " ")
}
