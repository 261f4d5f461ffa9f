package msrc

import (
	"time"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// A Document is one month's CVRF security update document, reduced to what
// hotpatch modeling needs: the products of the hotpatch tracks and, per CVE,
// the vendor fixes for those products.
type Document struct {
	ID             string    `json:"id"`             // "2025-Nov"
	Title          string    `json:"title"`          // "November 2025 Security Updates"
	InitialRelease time.Time `json:"initialRelease"` // DocumentTracking/InitialReleaseDate (UTC)
	CurrentRelease time.Time `json:"currentRelease"` // DocumentTracking/CurrentReleaseDate: the revision read

	// Products are the document's products that belong to a hotpatch
	// track, by product ID; products of other lines are not kept.
	Products []Product `json:"products"`

	Vulnerabilities []Vulnerability `json:"vulnerabilities"`
}

// A Product is a CVRF product (FullProductName) that belongs to a hotpatch
// track.
type Product struct {
	ID   string `json:"id"`   // ProductID, "12390"; "0" for the 2022 hotpatch product
	Name string `json:"name"` // "Windows 11 Version 24H2 for x64-based Systems"
	Line Line   `json:"line"`
}

// A Line is a servicing line of a hotpatch track: one build number of one
// track. Windows 11 24H2 (26100) and 25H2 (26200) are two lines of one
// track that share revisions; Windows 11 24H2 and Windows Server 2025 share
// build 26100 but are different lines (their revisions diverged in 2026).
type Line struct {
	Track  hotpatch.Track `json:"track"`
	Number uint32         `json:"number"` // build number: 26100, 26200, 20348
}

// A Vulnerability is one CVE of a document with its vendor fixes for
// hotpatch-track products.
type Vulnerability struct {
	CVE       string     `json:"cve"` // "CVE-2025-54100"
	Revisions []Revision `json:"revisions"`
	// Remediations are the "Vendor Fix" remediations that name at least
	// one hotpatch-track product, in document order; their Products keep
	// only those products.
	Remediations []Remediation `json:"remediations"`
}

// A Revision is one entry of a vulnerability's RevisionHistory. A later
// revision may add an out-of-band or re-released KB.
type Revision struct {
	Number      string    `json:"number"`
	Date        time.Time `json:"date"`
	Description string    `json:"description"`
}

// A Remediation is a vendor fix: installing KB fixes the CVE on Products.
type Remediation struct {
	KB         hotpatch.KB    `json:"kb"`         // Description
	Products   []string       `json:"products"`   // ProductIDs on hotpatch tracks
	FixedBuild hotpatch.Build `json:"fixedBuild"` // FixedBuild
	SubType    SubType        `json:"subType"`    // SubType, normalized
	// SubTypeText is SubType as written ("AzureHotpatch", "Security
	// Hotpatch Update", ...).
	SubTypeText string      `json:"subTypeText"`
	Supersedes  hotpatch.KB `json:"supersedes,omitempty"` // Supercedence; zero when empty
	URL         string      `json:"url,omitempty"`        // empty on some hotpatches
	// RestartRequired is the field as written. It is "Yes" on most
	// hotpatches, which do not restart: do not rely on it.
	RestartRequired string `json:"restartRequired,omitempty"`
}

// A SubType says what kind of package a remediation is.
type SubType uint8

const (
	SubTypeOther          SubType = iota // any other SubType ("Security Only", "Monthly Rollup", ...)
	SubTypeSecurityUpdate                // "Security Update": a cumulative update, restart required
	SubTypeHotpatch                      // a hotpatch, in any of its four spellings
)

// String returns "hotpatch", "securityUpdate" or "other".
func (s SubType) String() string {
	switch s {
	case SubTypeSecurityUpdate:
		return "securityUpdate"
	case SubTypeHotpatch:
		return "hotpatch"
	}
	return "other"
}

// MarshalText returns String.
func (s SubType) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText accepts what String returns.
func (s *SubType) UnmarshalText(b []byte) error {
	switch string(b) {
	case "securityUpdate":
		*s = SubTypeSecurityUpdate
	case "hotpatch":
		*s = SubTypeHotpatch
	default:
		*s = SubTypeOther
	}
	return nil
}

// ParseSubType normalizes a CVRF SubType. Microsoft has spelled the hotpatch
// subtype four ways: "Azure Hotpatch" (2022-Feb), "AzureHotpatch",
// "SecurityHotpatchUpdate" and "Security Hotpatch Update" (2022-Nov on).
func ParseSubType(s string) SubType {
	k := fold(s)
	switch {
	case k == "securityupdate":
		return SubTypeSecurityUpdate
	case k == "azurehotpatch", k == "securityhotpatchupdate", k == "hotpatch":
		return SubTypeHotpatch
	}
	return SubTypeOther
}

// fold lower-cases ASCII letters and drops everything but letters and digits.
func fold(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			b = append(b, c)
		case 'A' <= c && c <= 'Z':
			b = append(b, c+'a'-'A')
		}
	}
	return string(b)
}

// Product returns the product with the given ID, if the document holds it.
func (d *Document) Product(id string) (Product, bool) {
	for _, p := range d.Products {
		if p.ID == id {
			return p, true
		}
	}
	return Product{}, false
}
