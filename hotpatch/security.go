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
// Protected answers by month: it cannot see a fix that Microsoft left out
// of a month's hotpatch. msrc.Index.Protected answers per CVE.
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

// SecurityUpdate returns the update of track t that carries the security
// fixes of a month's Patch Tuesday (year, month) for a device on one of the
// two paths: with hotpatched true, the path of a device on hotpatch (the
// month's hotpatch, or the baseline in a baseline month); otherwise the
// restart path (the month's standard cumulative update, which in a baseline
// month is the baseline). Out-of-band releases are not Patch Tuesday
// releases and are never returned.
//
// A month after the catalog's coverage (Through) is a *CoverageError,
// whatever the month's plan says: the catalog never answers a later month
// with an older update. A covered month without the update asked for (the
// catalog holds a cumulative update but no hotpatch) is a *NotFoundError.
// Both wrap ErrNotFound. The update may be marked Unconfirmed.
func (c *Catalog) SecurityUpdate(t Track, year int, month time.Month, hotpatched bool) (Update, error) {
	m := Month{year, month}
	if month < time.January || month > time.December {
		return Update{}, parseErr("month", fmt.Sprintf("%d-%d", year, int(month)), ErrRange)
	}
	if through := c.Through(t); through.IsZero() || m.Compare(through) > 0 {
		return Update{}, &CoverageError{Track: t, Through: through, AsOf: m.PatchTuesday()}
	}
	want := KindLCU
	if hotpatched {
		want = KindHotpatch
	}
	var found Update
	for _, u := range c.updates {
		if !u.On(t) || MonthOf(u.Released) != m {
			continue
		}
		if u.Kind == want || u.Kind == KindBaseline {
			found = u
		}
		if u.Kind == KindBaseline {
			break // a baseline month: the baseline is the update on both paths
		}
	}
	if found.KB == 0 {
		return Update{}, &NotFoundError{What: fmt.Sprintf("%v update of %v for", want.token(), t.token()), Key: m.String()}
	}
	return cloneUpdate(found), nil
}
