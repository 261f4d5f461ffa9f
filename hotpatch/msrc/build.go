package msrc

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// The XML and JSON readers both collect raw text into these records and
// hand them to a builder, which holds every rule about values, so that the
// two formats cannot drift apart.

type rawRevision struct {
	number, date, description string
}

type rawRemediation struct {
	typ                                  string // "Vendor Fix", or 2 in JSON
	description, url, supercedence       string
	products                             []string
	restartRequired, subType, fixedBuild string
	offset                               int64
}

type rawVulnerability struct {
	cve          string
	offset       int64
	revisions    []rawRevision
	remediations []rawRemediation
}

func (v *rawVulnerability) reset() {
	v.cve, v.offset = "", 0
	v.revisions = v.revisions[:0]
	v.remediations = v.remediations[:0]
}

type builder struct {
	doc      Document
	id       string // Identification/ID
	initial  string
	current  string
	names    map[string]string // every ProductID in the tree
	lines    map[string]Line   // the hotpatch-track ones
	index    int               // vulnerabilities seen
	products []string          // scratch
}

func newBuilder() *builder {
	return &builder{names: map[string]string{}, lines: map[string]Line{}}
}

func (b *builder) errf(v *rawVulnerability, field, value string, off int64, format string, args ...any) error {
	e := &ParseError{Document: b.id, Field: field, Value: shorten(value), Offset: off,
		Err: fmt.Errorf("%w: "+format, append([]any{ErrField}, args...)...)}
	if v != nil {
		e.CVE, e.Index = v.cve, b.index
	}
	return e
}

// product records one FullProductName. The tree lists most products twice
// (under their branch and at the top level); the first name wins.
func (b *builder) product(id, name string, off int64) error {
	id, name = strings.TrimSpace(id), strings.TrimSpace(name)
	if id == "" {
		return b.errf(nil, "ProductTree/FullProductName", name, off, "missing ProductID")
	}
	if _, ok := b.names[id]; ok {
		return nil
	}
	b.names[id] = name
	if l, ok := LineOf(name); ok {
		b.lines[id] = l
		b.doc.Products = append(b.doc.Products, Product{ID: id, Name: name, Line: l})
	}
	return nil
}

// isVendorFix reports whether a Remediation Type is "Vendor Fix": the XML
// spells it out, the JSON API numbers it (2 = Vendor Fix, 5 = Known Issue,
// as Microsoft's MsrcSecurityUpdates PowerShell module reads it).
func isVendorFix(t string) bool {
	t = strings.TrimSpace(t)
	return t == "2" || strings.EqualFold(t, "Vendor Fix")
}

func (b *builder) vulnerability(rv *rawVulnerability) error {
	b.index++
	cve := strings.TrimSpace(rv.cve)
	rv.cve = cve
	if !validCVE(cve) {
		return b.errf(rv, "CVE", cve, rv.offset, "want CVE-YYYY-NNNN or ADVnnnnnn")
	}
	v := Vulnerability{CVE: cve}
	for _, r := range rv.revisions {
		d, err := parseTime(r.date)
		if err != nil {
			return b.errf(rv, "RevisionHistory/Revision/Date", r.date, rv.offset, "%v", err)
		}
		v.Revisions = append(v.Revisions, Revision{Number: strings.TrimSpace(r.number), Date: d, Description: strings.TrimSpace(r.description)})
	}
	for _, r := range rv.remediations {
		if !isVendorFix(r.typ) {
			continue
		}
		b.products = b.products[:0]
		for _, id := range r.products {
			id = strings.TrimSpace(id)
			if _, ok := b.names[id]; !ok {
				return b.errf(rv, "Remediation/ProductID", id, r.offset, "product not in the ProductTree")
			}
			if _, ok := b.lines[id]; ok {
				b.products = append(b.products, id)
			}
		}
		if len(b.products) == 0 {
			continue // a fix for products of no hotpatch track
		}
		rem, err := b.remediation(rv, &r)
		if err != nil {
			return err
		}
		v.Remediations = append(v.Remediations, rem)
	}
	b.doc.Vulnerabilities = append(b.doc.Vulnerabilities, v)
	return nil
}

func (b *builder) remediation(rv *rawVulnerability, r *rawRemediation) (Remediation, error) {
	kb, err := parseKB(r.description)
	if err != nil || kb == 0 {
		return Remediation{}, b.errf(rv, "Remediation/Description", r.description, r.offset, "want a KB number")
	}
	fixed, err := hotpatch.ParseBuild(r.fixedBuild)
	if err != nil {
		return Remediation{}, b.errf(rv, "Remediation/FixedBuild", r.fixedBuild, r.offset, "want a build such as 10.0.26100.7092")
	}
	var sup hotpatch.KB
	if s := strings.TrimSpace(r.supercedence); s != "" {
		// Supercedence names one KB; a few entries list several,
		// separated by ";" or ",": the first is the direct predecessor.
		first, _, _ := strings.Cut(strings.ReplaceAll(s, ",", ";"), ";")
		if sup, err = parseKB(first); err != nil {
			return Remediation{}, b.errf(rv, "Remediation/Supercedence", s, r.offset, "want a KB number")
		}
	}
	sub := strings.TrimSpace(r.subType)
	return Remediation{
		KB:              kb,
		Products:        append([]string(nil), b.products...),
		FixedBuild:      fixed,
		SubType:         ParseSubType(sub),
		SubTypeText:     sub,
		Supersedes:      sup,
		URL:             strings.TrimSpace(r.url),
		RestartRequired: strings.TrimSpace(r.restartRequired),
	}, nil
}

func (b *builder) finish(off int64) (*Document, error) {
	b.doc.ID = strings.TrimSpace(b.id)
	if b.doc.ID == "" {
		return nil, &ParseError{Field: "DocumentTracking/Identification/ID", Offset: off, Err: fmt.Errorf("%w: no document ID", ErrFormat)}
	}
	for _, f := range []struct {
		name string
		text string
		dst  *time.Time
	}{
		{"DocumentTracking/InitialReleaseDate", b.initial, &b.doc.InitialRelease},
		{"DocumentTracking/CurrentReleaseDate", b.current, &b.doc.CurrentRelease},
	} {
		t, err := parseTime(f.text)
		if err != nil {
			return nil, b.errf(nil, f.name, f.text, off, "%v", err)
		}
		*f.dst = t
	}
	b.doc.Title = strings.TrimSpace(b.doc.Title)
	// The XML lists products by branch, the JSON by ID: one order for both.
	slices.SortFunc(b.doc.Products, func(x, y Product) int { return cmp.Compare(x.ID, y.ID) })
	return &b.doc, nil
}

func parseKB(s string) (hotpatch.KB, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "KB"), "kb")
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || s == "" || s[0] == '+' {
		return 0, fmt.Errorf("not a KB number")
	}
	return hotpatch.KB(n), nil
}

// parseTime reads the document's dates, "2025-11-11T08:00:00" (UTC, no
// zone) or RFC 3339.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02T15:04:05", time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if s == "" {
		return time.Time{}, fmt.Errorf("missing date")
	}
	return time.Time{}, fmt.Errorf("want a date such as 2025-11-11T08:00:00")
}

// validCVE accepts CVE-YYYY-N{4,} and Microsoft's advisories ADVnnnnnn,
// and a CVE ID with a suffix of capital letters, which Microsoft's data
// contains once ("CVE-2024-21626M", 2024-Feb). Such IDs and advisories are
// kept as written; the Index answers only for plain CVE IDs.
func validCVE(s string) bool {
	if rest, ok := strings.CutPrefix(s, "ADV"); ok {
		return len(rest) >= 6 && digits(rest)
	}
	rest, ok := strings.CutPrefix(s, "CVE-")
	if !ok || len(rest) < 9 || rest[4] != '-' {
		return false
	}
	num := strings.TrimRight(rest[5:], "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
	return digits(rest[:4]) && digits(num) && len(num) >= 4
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
