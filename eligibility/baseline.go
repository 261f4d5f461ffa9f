package eligibility

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// A train is what a catalog says about one track as of one day: the latest
// baseline, the builds that are "on the hotpatch train" of that baseline (the
// baseline itself and the hotpatches built on it), and every other build the
// track has received. The baseline rule and Offer read it; it is computed
// once per policy, so that checking a device costs a few comparisons.
type train struct {
	track hotpatch.Track
	asOf  hotpatch.Date

	baseline hotpatch.Update // latest baseline with builds, zero if none
	// newer is a baseline released after baseline that the catalog records
	// without builds (marked unconfirmed), zero if none.
	newer hotpatch.Update

	on []onTrain // builds on the train of baseline
	// prevOn are the builds on the train of the newest confirmed baseline
	// before baseline, when baseline rests on weak sources: a device there
	// is behind only if the weak row is right.
	prevOn  map[hotpatch.Build]bool
	prevWhy string
	off     map[hotpatch.Build]offTrain // other builds of the track
	numbers []uint32                    // build numbers of the baseline (26100, 26200)

	// The month's releases, for Offer: the newest Patch Tuesday month
	// released on or before asOf and its baseline, hotpatch and LCU.
	month                    hotpatch.Update // any release of that month; zero if none
	monthBaseline, monthHP   hotpatch.Update
	monthLCU                 hotpatch.Update
	monthBaselineUnconfirmed bool

	// staleWhy, when not empty, says that the catalog does not cover the
	// track up to asOf: a baseline may have come out since its last
	// covered month, so no build can be confirmed on the latest baseline.
	staleWhy string

	// Precomputed reasons, so that checking allocates nothing.
	passWhy, passDisputedWhy, olderWhy, newerWhy, noBaselineWhy, lastOlderWhy string
}

// offTrain says why a build is off the train; ambiguous builds are brought
// by two releases, one of which may keep the device on it.
type offTrain struct {
	why       string
	ambiguous bool
}

type onTrain struct {
	build       hotpatch.Build
	unconfirmed bool // the row rests on one weak source
}

func newTrain(c *hotpatch.Catalog, t hotpatch.Track, asOf hotpatch.Date) *train {
	tr := &train{track: t, asOf: asOf, off: map[hotpatch.Build]offTrain{}}
	var rows []hotpatch.Update
	for u := range c.Track(t) {
		if !u.Released.After(asOf) {
			rows = append(rows, u)
		}
	}
	tr.noBaselineWhy = fmt.Sprintf("the catalog holds no %v baseline released by %v", t, asOf)
	tr.staleWhy = staleWhy(c, t, asOf)
	tr.findBaseline(rows)
	if tr.baseline.KB != 0 {
		tr.sortBuilds(rows)
		tr.phrase()
	}
	tr.findMonth(rows)
	return tr
}

// staleWhy returns why the catalog cannot name track t's latest baseline
// as of asOf, or "" when it covers the track up to asOf.
func staleWhy(c *hotpatch.Catalog, t hotpatch.Track, asOf hotpatch.Date) string {
	var ce *hotpatch.CoverageError
	if !errors.As(c.Covers(t, asOf), &ce) {
		return ""
	}
	return strings.TrimPrefix(ce.Error(), "hotpatch: ") +
		": a baseline released since is not known (merge newer releases into the catalog)"
}

// findBaseline finds the latest baseline with builds in rows, and notes a
// newer one that the catalog records without builds.
func (tr *train) findBaseline(rows []hotpatch.Update) {
	for i := len(rows) - 1; i >= 0; i-- {
		u := rows[i]
		switch {
		case u.Kind != hotpatch.KindBaseline:
		case len(u.Builds) == 0:
			if tr.newer.KB == 0 {
				tr.newer = u
			}
		default:
			tr.baseline = u
			return
		}
	}
}

// sortBuilds puts the builds of rows on the train of the baseline (the
// baseline and the hotpatches built on it) or off it, with the reason.
func (tr *train) sortBuilds(rows []hotpatch.Update) {
	bl := tr.baseline
	// A baseline row marked unconfirmed is confirmed by a confirmed
	// hotpatch row that names it as its baseline.
	blUnconfirmed := bl.Unconfirmed != "" && !slices.ContainsFunc(rows, func(u hotpatch.Update) bool {
		return u.Baseline == bl.KB && u.Unconfirmed == ""
	})
	if blUnconfirmed {
		tr.previousTrain(rows)
	}
	for _, b := range bl.Builds {
		tr.on = append(tr.on, onTrain{b, blUnconfirmed})
		if !slices.Contains(tr.numbers, b.Number) {
			tr.numbers = append(tr.numbers, b.Number)
		}
	}
	offKB := map[hotpatch.Build]hotpatch.KB{}
	for _, u := range rows {
		switch {
		case u.KB == bl.KB:
		case u.Baseline == bl.KB && !u.Restart:
			for _, b := range u.Builds {
				tr.on = append(tr.on, onTrain{b, u.Unconfirmed != "" || blUnconfirmed})
			}
		default:
			for _, b := range u.Builds {
				if prev, dup := offKB[b]; dup {
					// Two releases bring one build (an out-of-band
					// re-release): the build does not say which was
					// installed.
					tr.off[b] = offTrain{fmt.Sprintf("build brought by both %v and %v; which one is installed decides", prev, u.KB), true}
					continue
				}
				offKB[b] = u.KB
				tr.off[b] = offTrain{why: offWhy(u, bl)}
			}
		}
	}
	// A build on the train is never off it, even if another row (an
	// out-of-band re-release) brings it too.
	for _, o := range tr.on {
		delete(tr.off, o.build)
	}
}

// previousTrain records the train of the newest confirmed baseline older
// than the latest baseline, which rests on weak sources.
func (tr *train) previousTrain(rows []hotpatch.Update) {
	var prev hotpatch.Update
	for _, u := range rows {
		if u.Kind == hotpatch.KindBaseline && u.Unconfirmed == "" && len(u.Builds) > 0 && u.Released.Before(tr.baseline.Released) {
			prev = u
		}
	}
	if prev.KB == 0 {
		return
	}
	tr.prevOn = map[hotpatch.Build]bool{}
	for _, u := range rows {
		if u.KB == prev.KB || u.Baseline == prev.KB && !u.Restart {
			for _, b := range u.Builds {
				tr.prevOn[b] = true
			}
		}
	}
	tr.prevWhy = fmt.Sprintf("on the train of baseline %v (%v); the newer baseline %v (%v) is UNCONFIRMED (%s)",
		prev.KB, prev.Released, tr.baseline.KB, tr.baseline.Released, tr.baseline.Unconfirmed)
}

// phrase renders the reasons check gives, once per policy.
func (tr *train) phrase() {
	bl := tr.baseline
	tr.passWhy = fmt.Sprintf("on the latest baseline %v (%v) or a hotpatch built on it", bl.KB, bl.Released)
	tr.passDisputedWhy = tr.passWhy + ", but that row of the catalog is UNCONFIRMED"
	if tr.newer.KB != 0 {
		tr.passDisputedWhy = fmt.Sprintf("on baseline %v, but a newer baseline %v (%v) is reported by one source only — UNCONFIRMED",
			bl.KB, tr.newer.KB, tr.newer.Released)
	}
	tr.olderWhy = fmt.Sprintf("older than the latest baseline %v (%v)", bl.KB, bl.Released)
	tr.lastOlderWhy = fmt.Sprintf("the last baseline installed is older than the latest baseline %v (%v)", bl.KB, bl.Released)
	tr.newerWhy = fmt.Sprintf("a build the catalog does not hold, newer than the baseline %v", bl.KB)
}

func offWhy(u, bl hotpatch.Update) string {
	switch {
	case u.Released.Before(bl.Released):
		return fmt.Sprintf("installed %v %v (%v) is older than the latest baseline %v (%v)",
			kindName(u.Kind), u.KB, u.Released, bl.KB, bl.Released)
	case u.Restart:
		return fmt.Sprintf("installed %v %v (%v) is not a hotpatch: standard updates follow until the next baseline",
			kindName(u.Kind), u.KB, u.Released)
	}
	return fmt.Sprintf("installed %v %v is not built on the latest baseline %v", kindName(u.Kind), u.KB, bl.KB)
}

func kindName(k hotpatch.Kind) string {
	switch k {
	case hotpatch.KindLCU:
		return "cumulative update"
	case hotpatch.KindOutOfBand:
		return "out-of-band update"
	case hotpatch.KindBaseline:
		return "baseline"
	case hotpatch.KindHotpatch:
		return "hotpatch"
	case hotpatch.KindPreview:
		return "preview update"
	}
	return "update"
}

// findMonth finds the newest month with a Patch Tuesday release (baseline,
// hotpatch or LCU) in rows and that month's releases.
func (tr *train) findMonth(rows []hotpatch.Update) {
	for i := len(rows) - 1; i >= 0; i-- {
		switch rows[i].Kind {
		case hotpatch.KindBaseline, hotpatch.KindHotpatch, hotpatch.KindLCU:
			tr.month = rows[i]
		default:
			continue
		}
		break
	}
	if tr.month.KB == 0 {
		return
	}
	y, m := tr.month.Month()
	for _, u := range rows {
		if uy, um := u.Month(); uy != y || um != m {
			continue
		}
		switch u.Kind {
		case hotpatch.KindBaseline:
			tr.monthBaseline = u
			// The quarterly plan makes January, April, July and October
			// baseline months [S1c, S2]; a baseline in another month that
			// rests on a weak source leaves the month's kind in doubt.
			planned := (m-1)%3 == 0
			tr.monthBaselineUnconfirmed = !planned && (u.Unconfirmed != "" || len(u.Builds) == 0)
		case hotpatch.KindHotpatch:
			tr.monthHP = u
		case hotpatch.KindLCU:
			tr.monthLCU = u
		}
	}
}

// check is the baseline rule's Check.
func (tr *train) check(d hotpatch.Device) Finding {
	b := d.Build
	switch {
	case tr.baseline.KB == 0 && tr.staleWhy != "":
		return UnknownBecause(tr.staleWhy)
	case tr.baseline.KB == 0:
		return UnknownBecause(tr.noBaselineWhy)
	case b.IsZero():
		return tr.checkLastBaseline(d.LastBaseline)
	}
	for _, o := range tr.on {
		if o.build == b {
			switch {
			case tr.staleWhy != "":
				// On the newest baseline the catalog knows, which
				// may not be the latest.
				return UnknownBecause(tr.staleWhy)
			case o.unconfirmed || tr.newer.KB != 0:
				return DisputedBecause(tr.passDisputedWhy)
			}
			return PassBecause(tr.passWhy)
		}
	}
	if tr.prevOn[b] {
		return DisputedBecause(tr.prevWhy)
	}
	// Below, a build off the train or older than the baseline fails
	// whatever came after the catalog: the latest baseline is at least as
	// new as the catalog's.
	if b.Major != 10 || b.Minor != 0 || !slices.Contains(tr.numbers, b.Number) {
		return UnknownBecause("not a build of this track")
	}
	if o, ok := tr.off[b]; ok {
		if o.ambiguous {
			return UnknownBecause(o.why)
		}
		return FailBecause(o.why)
	}
	if b.Revision < tr.on[0].build.Revision {
		return FailBecause(tr.olderWhy)
	}
	if tr.staleWhy != "" {
		return UnknownBecause(tr.staleWhy)
	}
	return UnknownBecause(tr.newerWhy)
}

// checkLastBaseline judges a device whose installed build is unknown by the
// last baseline it installed: an older baseline means it has not installed
// the latest one; the latest one says nothing about what came after it.
func (tr *train) checkLastBaseline(last hotpatch.Build) Finding {
	bl := tr.on[0].build
	switch {
	case last.IsZero():
		return UnknownBecause("the installed build is not known")
	case tr.baseline.Brings(last) && tr.staleWhy != "":
		return UnknownBecause(tr.staleWhy)
	case tr.baseline.Brings(last):
		return UnknownBecause("the last baseline installed is the latest, but the installed build is not known")
	case tr.prevOn[last]:
		return DisputedBecause(tr.prevWhy)
	case last.Major == bl.Major && last.Minor == bl.Minor && slices.Contains(tr.numbers, last.Number) && last.Revision < bl.Revision:
		return FailBecause(tr.lastOlderWhy)
	}
	return UnknownBecause("the installed build is not known, and the last baseline is not one of this track")
}

// BaselineRule is the ID of the rule "on the latest baseline release (or a
// hotpatch built on it)", which every track's policy has.
const BaselineRule = "baseline"

// baselineRule returns the rule "on the latest baseline" for tr.
func baselineRule(tr *train, from hotpatch.Date) Rule {
	const source = "S1a S1d S3 S4b"
	return Rule{
		ID:     BaselineRule,
		Title:  "on the latest baseline release (or a hotpatch built on it)",
		Source: source,
		URL:    firstURL(source),
		From:   from,
		Dispute: "what a device off the baseline receives in a hotpatch month: the LCU [S1a–S1d] " +
			"or the baseline and then hotpatches [S7]",
		Remedy: "install the latest baseline (one restart); hotpatches follow",
		Check:  tr.check,
		Fact: func(d *hotpatch.Device) string {
			if d.Build.IsZero() && !d.LastBaseline.IsZero() {
				return "build unknown, last baseline " + d.LastBaseline.Short()
			}
			return buildFact(d)
		},
		Fix: func(d *hotpatch.Device) {
			if tr.baseline.KB == 0 {
				return
			}
			// Keep the device's feature release (24H2 or 25H2) where the
			// baseline brings both.
			number := d.Build.Number
			d.Build = tr.baseline.Build()
			for _, b := range tr.baseline.Builds {
				if b.Number == number {
					d.Build = b
				}
			}
			d.LastBaseline = d.Build
		},
	}
}
