package msrc

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// SourceTag is the Source of catalog rows read from CVRF; each row's
// Provenance names the document and its revision.
const SourceTag = "CVRF"

// CatalogRows converts the releases of docs into rows for
// hotpatch.Catalog.Merge, one per KB, for the lines that have hotpatches
// (Windows 11 24H2/25H2, Server 2025, Server 2022 Azure Edition):
//
//   - the month's hotpatch → KindHotpatch, on the latest baseline before it
//     that docs derive or base holds;
//   - the month's LCU → KindBaseline when derived as a baseline (the
//     provenance says so; outside January, April, July and October the
//     row is also marked Unconfirmed), else KindLCU;
//   - an out-of-band KB → KindOutOfBand, marked Unconfirmed: its kind and
//     date are read from per-CVE revision history.
//
// A month whose document lists no hotpatch for a line is not always a
// baseline (CVRF 2024-Feb lists none for Server 2022, whose calendar has
// hotpatch KB5034860 that month): when base holds a confirmed hotpatch on
// the row's tracks in that month, the row is written as an LCU, with a
// note. A KB listed by several documents is read from the earliest.
//
// Every row carries Source SourceTag and a Provenance naming the document
// and its revision date. Releases that make no row (a hotpatch whose
// baseline is known nowhere, a further security update of a month, KBs
// whose lines disagree on their kind) are returned as notes saying why; the
// result does not depend on the order of docs. base may be nil.
func CatalogRows(docs []*Document, base *hotpatch.Catalog) (rows []hotpatch.Update, notes []string) {
	docs = newestRevisions(docs)
	slices.SortFunc(docs, func(a, b *Document) int {
		return cmp.Or(a.InitialRelease.Compare(b.InitialRelease), cmp.Compare(a.ID, b.ID))
	})
	type pending struct {
		u    hotpatch.Update
		rels []Release
	}
	var order []hotpatch.KB
	byKB := map[hotpatch.KB]*pending{}
	for _, d := range docs {
		for _, r := range d.Releases() {
			if _, ok := hotpatchSince[r.Line]; !ok {
				continue
			}
			p := byKB[r.KB]
			if p == nil {
				p = &pending{}
				byKB[r.KB] = p
				order = append(order, r.KB)
			}
			// The earliest document that lists a KB released it;
			// later ones list it again.
			if len(p.rels) == 0 || p.rels[0].Document == r.Document {
				p.rels = append(p.rels, r)
			}
		}
	}
	var hotpatches []*pending
	for _, kb := range order {
		p := byKB[kb]
		u, note := rowOf(p.rels)
		if note != "" {
			notes = append(notes, note)
			continue
		}
		if u.Kind == hotpatch.KindBaseline {
			if hp, ok := catalogHotpatchInMonth(base, u); ok {
				// The catalog knows better than "no hotpatch listed".
				u.Kind, u.Unconfirmed = hotpatch.KindLCU, ""
				for i := range u.Provenance {
					u.Provenance[i].Note = ""
				}
				notes = append(notes, fmt.Sprintf("%v: CVRF lists no hotpatch for %v in %d-%02d, but the catalog has hotpatch %v that month: written as an LCU, not a baseline",
					u.KB, u.Tracks, u.Released.Year, u.Released.Month, hp))
			}
		}
		p.u = u
		if u.Kind == hotpatch.KindHotpatch || u.Kind == hotpatch.KindOutOfBand && !u.Restart {
			hotpatches = append(hotpatches, p)
			continue
		}
		rows = append(rows, u)
	}
	for _, p := range hotpatches {
		b, ok := baselineFor(p.u, rows, base)
		if !ok {
			notes = append(notes, fmt.Sprintf("%v (%s %v): no baseline before it on %v in the documents or the catalog; not written",
				p.u.KB, p.u.Kind, p.u.Released, p.u.Tracks))
			continue
		}
		p.u.Baseline = b
		rows = append(rows, p.u)
	}
	slices.SortFunc(rows, func(a, b hotpatch.Update) int {
		return cmp.Or(a.Released.Compare(b.Released), cmp.Compare(a.KB, b.KB))
	})
	return rows, notes
}

// rowOf makes one catalog row of a KB's releases on several lines.
func rowOf(rels []Release) (hotpatch.Update, string) {
	r0 := rels[0]
	u := hotpatch.Update{KB: r0.KB, Released: r0.Released, Source: SourceTag}
	kind, _ := catalogKind(r0)
	for _, r := range rels {
		k, n := catalogKind(r)
		if k != kind || r.Released != r0.Released {
			return u, fmt.Sprintf("%v: %s calls it %s on %v and %s on %v; not written", r.KB, r.Document, kind, r0.Line, k, r.Line)
		}
		if !slices.Contains(u.Tracks, r.Line.Track) {
			u.Tracks = append(u.Tracks, r.Line.Track)
		}
		for _, b := range r.Builds {
			if !slices.Contains(u.Builds, b) {
				u.Builds = append(u.Builds, b)
			}
		}
		p := hotpatch.Provenance{Document: "MSRC CVRF " + r.Document, Revision: r.Revision.UTC().Format(time.RFC3339), Note: n}
		if !slices.Contains(u.Provenance, p) {
			u.Provenance = append(u.Provenance, p)
		}
	}
	if kind == hotpatch.KindUnknown {
		return u, fmt.Sprintf("%v: a further security update of %s on %v; not written", r0.KB, r0.Document, u.Tracks)
	}
	if len(u.Builds) == 0 {
		return u, fmt.Sprintf("%v: %s gives no build on its own build number; not written", r0.KB, r0.Document)
	}
	slices.SortFunc(u.Builds, hotpatch.Build.Compare)
	u.Kind = kind
	u.Restart = !r0.Hotpatch
	switch {
	case kind == hotpatch.KindOutOfBand:
		u.Unconfirmed = "out-of-band: kind and date read from the per-CVE revision history of CVRF " + r0.Document
	case kind == hotpatch.KindBaseline && (int(u.Released.Month)-1)%3 != 0:
		u.Unconfirmed = "baseline derived from a month whose CVRF lists no hotpatch, outside the quarterly baseline months: the month's hotpatch may simply be missing from CVRF (as in 2024-Feb)"
	}
	return u, ""
}

// catalogKind maps a release to a catalog kind, with a note for a derived
// one; KindUnknown for a release that makes no row.
func catalogKind(r Release) (hotpatch.Kind, string) {
	switch {
	case r.Kind == KindHotpatch && r.Hotpatch:
		return hotpatch.KindHotpatch, ""
	case r.Kind == KindOutOfBand:
		return hotpatch.KindOutOfBand, "out-of-band: dated by the first later revision of its CVEs"
	case r.Baseline:
		return hotpatch.KindBaseline, "baseline derived: the document lists no hotpatch for this line"
	case r.LCU:
		return hotpatch.KindLCU, ""
	}
	return hotpatch.KindUnknown, ""
}

// baselineFor returns the latest baseline released before u on one of its
// tracks, among rows and base.
func baselineFor(u hotpatch.Update, rows []hotpatch.Update, base *hotpatch.Catalog) (hotpatch.KB, bool) {
	var best hotpatch.Update
	consider := func(b hotpatch.Update) {
		if b.Kind != hotpatch.KindBaseline || !b.Released.Before(u.Released) || !slices.ContainsFunc(u.Tracks, b.On) {
			return
		}
		if best.KB == 0 || b.Released.After(best.Released) || b.Released == best.Released && b.KB < best.KB {
			best = b
		}
	}
	for _, r := range rows {
		consider(r)
	}
	if base != nil {
		for b := range base.All() {
			consider(b)
		}
	}
	return best.KB, best.KB != 0
}

// catalogHotpatchInMonth returns a confirmed hotpatch of base on one of u's
// tracks released in u's month.
func catalogHotpatchInMonth(base *hotpatch.Catalog, u hotpatch.Update) (hotpatch.KB, bool) {
	if base == nil {
		return 0, false
	}
	for r := range base.All() {
		if r.Kind == hotpatch.KindHotpatch && r.Unconfirmed == "" && r.Released.Year == u.Released.Year &&
			r.Released.Month == u.Released.Month && slices.ContainsFunc(u.Tracks, r.On) {
			return r.KB, true
		}
	}
	return 0, false
}
