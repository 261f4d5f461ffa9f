package hotpatch

import (
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
)

// A Release is a version of a Windows product, identified by its build
// number: Windows 11 24H2 is build 26100, and so is Windows Server 2025.
type Release struct {
	Product Product `json:"product"`
	Version string  `json:"version"` // "24H2", "2025", "LTSC 2024", "1809"
	Number  uint32  `json:"number"`  // the build number, Build.Number
	GA      Date    `json:"ga"`      // general availability; zero when its sources do not give it
	// EndOfServicing is the last day of servicing for the edition that is
	// serviced longest (Enterprise/Education on the client, extended support
	// on the server); zero when unknown.
	EndOfServicing Date   `json:"endOfServicing"`
	Source         string `json:"source"`      // source tags, see Sources
	Unconfirmed    string `json:"unconfirmed"` // why the row rests on weak evidence, if it does
}

// String returns "Windows 11 24H2".
func (r Release) String() string { return r.Product.String() + " " + r.Version }

// server reports whether editions of this release are server editions.
func (r Release) server() bool {
	return r.Product == ProductWindowsServer || r.Product == ProductAzureLocal
}

// releases is the Windows build number map: product, version and build
// number of each release, from the sources each row names.
var releases = []Release{
	{ProductWindows10, "1507", 10240, Date{}, Date{}, "S31", ""},
	{ProductWindows10, "1511", 10586, Date{}, Date{}, "S31", ""},
	{ProductWindows10, "1607", 14393, Date{}, Date{}, "S31", ""},
	{ProductWindowsServer, "2016", 14393, Date{}, Date{}, "S31 S3", ""},
	{ProductWindows10, "1703", 15063, Date{}, Date{}, "S31", ""},
	{ProductWindows10, "1709", 16299, Date{}, Date{}, "S31", ""},
	{ProductWindows10, "1803", 17134, Date{}, Date{}, "S31", ""},
	{ProductWindows10, "1809", 17763, Date{}, Date{}, "S31", ""},
	{ProductWindowsServer, "2019", 17763, Date{}, Date{}, "S31 S3", ""},
	{ProductWindows10, "1903", 18362, Date{}, Date{}, "S31", ""},
	{ProductWindows10, "1909", 18363, Date{}, Date{}, "S31", ""},
	{ProductWindows10, "2004", 19041, Date{}, Date{}, "S31", ""},
	{ProductWindows10, "20H2", 19042, Date{}, Date{}, "S31", ""},
	{ProductWindows10, "21H1", 19043, Date{}, Date{}, "S31", ""},
	{ProductWindows10, "21H2", 19044, Date{}, Date{}, "S31", ""},
	{ProductWindows10, "22H2", 19045, Date{}, Date{}, "S31", ""},
	{ProductWindowsServer, "2022", 20348, Date{}, Date{2031, 10, 14}, "S3", ""},
	{ProductAzureLocal, "21H2", 20348, Date{}, Date{}, "S3", "third-party build map"},
	{ProductAzureLocal, "22H2", 20349, Date{}, Date{}, "S3", "third-party build map"},
	{ProductWindows11, "21H2", 22000, Date{2021, 10, 5}, Date{}, "S23", "GA date from a third-party page"},
	{ProductWindows11, "22H2", 22621, Date{2022, 9, 20}, Date{}, "S23", "GA date from a third-party page"},
	{ProductWindows11, "23H2", 22631, Date{2023, 10, 31}, Date{}, "S23", "GA date from a third-party page"},
	{ProductWindowsServer, "23H2", 25398, Date{}, Date{}, "S3", ""},
	{ProductWindows11, "24H2", 26100, Date{2024, 10, 1}, Date{}, "S3", ""},
	{ProductWindowsServer, "2025", 26100, Date{2024, 11, 1}, Date{2034, 11, 14}, "S3", ""},
	{ProductWindows11, "25H2", 26200, Date{}, Date{}, "S21 S22", ""},
	{ProductWindows11, "26H2", 26300, Date{2026, 9, 29}, Date{}, "S23", "existence and GA date from third-party sources only"},
	{ProductWindows11, "26H1", 28000, Date{}, Date{}, "S30 S23", ""},
}

// Releases returns every known release, by build number.
func Releases() iter.Seq[Release] { return slices.Values(releases) }

// ErrAmbiguous reports a build number shared by several products when
// nothing says which one a device runs.
var ErrAmbiguous = errors.New("ambiguous release")

// Release returns the release that build b is, using edition e to tell
// products that share a build number apart (26100 is Windows 11 24H2 on a
// client edition and Windows Server 2025 on a server edition). With
// EditionUnknown and more than one candidate the error wraps ErrAmbiguous and
// names the candidates; an unknown build number is a *NotFoundError.
//
// Enterprise LTSC and IoT Enterprise LTSC share the build of their
// semi-annual sibling (26100 is Windows 11 Enterprise LTSC 2024 too); the
// release returned is the sibling's.
func (b Build) Release(e Edition) (Release, error) {
	var cands []Release
	for _, r := range releases {
		if r.Number != b.Number {
			continue
		}
		if e != EditionUnknown && r.server() != e.IsServer() {
			continue
		}
		cands = append(cands, r)
	}
	switch {
	case len(cands) == 0:
		return Release{}, &NotFoundError{What: "release for build", Key: fmt.Sprint(b.Number)}
	case len(cands) > 1 && e.IsServer():
		// Windows Server and Azure Local share 20348: Azure Local has no
		// Windows Server edition IDs of its own here, so prefer Server.
		return cands[0], nil
	case len(cands) > 1:
		names := make([]string, len(cands))
		for i, r := range cands {
			names[i] = r.String()
		}
		return Release{}, fmt.Errorf("hotpatch: build %d is %s: %w", b.Number, strings.Join(names, " or "), ErrAmbiguous)
	}
	return cands[0], nil
}

// IsServer reports whether e is a Windows Server edition.
func (e Edition) IsServer() bool {
	return e == EditionServerStandard || e == EditionServerDatacenter || e == EditionServerAzureEdition
}

// Server reports whether t is a Windows Server track.
func (t Track) Server() bool { return t == TrackServer2025 || t == TrackServer2022 }

// Tracks returns every hotpatch track, in a fixed order.
func Tracks() []Track { return []Track{TrackWindows11, TrackServer2025, TrackServer2022} }
