package hotpatch

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// ErrIncomparable reports two builds from tracks that share no releases, so
// that neither build's fixes say anything about the other's.
var ErrIncomparable = errors.New("builds are on different servicing tracks")

// SecurityMonth returns the month whose security fixes build b carries: the
// month of the update that brought it. A hotpatch and the standard
// cumulative update of the same month carry the same security fixes although
// the hotpatch has the lower revision (August 2025: hotpatch 26100.4851,
// LCU 26100.4946), so the month, not the revision, is the security level.
// A build the catalog does not hold gives a *NotFoundError: the month is
// never guessed from neighbouring revisions.
func (c *Catalog) SecurityMonth(b Build) (year int, month time.Month, err error) {
	u, err := c.ByBuild(b)
	if err != nil {
		return 0, 0, err
	}
	y, m := u.Month()
	return y, m, nil
}

// Protected reports whether a device at build b has the fixes of build
// fixedIn, the build a vulnerability record names as fixed.
//
// The usual check, "revision ≥ fixed revision", is wrong for hotpatched
// devices: a hotpatch has a lower revision than the same month's cumulative
// update and carries the same security fixes (the tables of Windows Server release information [S3]). Protected
// instead looks both builds up in the catalog and compares release dates
// within a shared track: every release of a track is cumulative, and a
// hotpatch ships the same day as the cumulative update it matches. So the
// August 2025 hotpatch 26100.4851 is protected against a fix in the August
// LCU 26100.4946, and a build between the two that the catalog does not hold
// is Unknown, never a guess.
//
// The result is Unknown, with an error, when either build is not in the
// catalog (a *NotFoundError) or when the builds are on tracks that share no
// releases (ErrIncomparable; Windows Server 2025 left the Windows 11
// revision range in January 2026).
func (c *Catalog) Protected(b, fixedIn Build) (Tri, error) {
	have, err := c.ByBuild(b)
	if err != nil {
		return Unknown, err
	}
	need, err := c.ByBuild(fixedIn)
	if err != nil {
		return Unknown, err
	}
	if !slices.ContainsFunc(have.Tracks, need.On) {
		return Unknown, fmt.Errorf("hotpatch: %s (%v) and %s (%v): %w",
			b.Short(), have.Tracks, fixedIn.Short(), need.Tracks, ErrIncomparable)
	}
	return TriOf(!have.Released.Before(need.Released)), nil
}
