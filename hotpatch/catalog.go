package hotpatch

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"sync"
)

//go:embed data/catalog.json
var catalogJSON []byte

// A Catalog is a table of real releases of the hotpatch tracks: baselines,
// hotpatches, the standard cumulative updates of hotpatch months, and
// out-of-band releases. Each row names its source. A Catalog is immutable and
// safe for concurrent use.
//
// The embedded catalog (Embedded) holds the release history of the hotpatch
// tracks from November 2024 (January 2024 for Windows Server 2022) to
// September 2026, from Microsoft's release information pages, KB articles
// and hotpatch release notes; every row's Source names its documents (see
// Sources). A new month arrives every Patch Tuesday: load newer rows on top
// with Merge. Through says how far the catalog reaches for a track.
type Catalog struct {
	updates []Update // sorted by release date, then KB
	byKB    map[KB]int
	byBuild map[Build][]int // indexes into updates, earliest release first
}

// Embedded returns the catalog compiled into this package.
func Embedded() *Catalog { return embedded() }

var embedded = sync.OnceValue(func() *Catalog {
	c, err := ParseCatalog(bytes.NewReader(catalogJSON))
	if err != nil {
		panic("hotpatch: embedded catalog is invalid: " + err.Error())
	}
	return c
})

// ParseCatalog reads a catalog from JSON: an array of Update objects, the
// schema of data/catalog.json. Unknown fields are rejected, so a misspelt
// field in a hand-written override is an error rather than a silent gap.
func ParseCatalog(r io.Reader) (*Catalog, error) {
	rows, err := decodeRows(r)
	if err != nil {
		return nil, err
	}
	return NewCatalog(rows)
}

func decodeRows(r io.Reader) ([]Update, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var rows []Update
	if err := dec.Decode(&rows); err != nil {
		return nil, fmt.Errorf("hotpatch: decoding catalog: %w", err)
	}
	return rows, nil
}

// NewCatalog builds a catalog from rows, checking each row and the links
// between rows (a hotpatch's baseline must be an older baseline on one of
// its tracks). The error is a *RowError or a *ConflictError.
func NewCatalog(rows []Update) (*Catalog, error) {
	return (&Catalog{}).with(rows)
}

// Merge returns a new catalog holding c's rows and the rows read from r
// (JSON, as ParseCatalog reads). A row whose KB is new is added. A row
// whose KB c already holds is merged into it when the two agree: the same
// kind, release day and restart, no two different revisions of one build
// number, no two different baselines. The merged row keeps the existing
// row's Source tags, gains the new row's tracks, builds, Source tags it
// lacked and Provenance, and is confirmed when either row is (agreeing
// first-hand evidence confirms a row that rested on weak sources). Any other
// difference is a *ConflictError naming both rows and the field. Merging
// the same rows twice gives the same catalog.
func (c *Catalog) Merge(r io.Reader) (*Catalog, error) {
	rows, err := decodeRows(r)
	if err != nil {
		return nil, err
	}
	return c.with(rows)
}

func (c *Catalog) with(rows []Update) (*Catalog, error) {
	n := &Catalog{updates: slices.Clone(c.updates)}
	at := make(map[KB]int, len(c.updates)+len(rows))
	for i, u := range n.updates {
		at[u.KB] = i
	}
	for i, u := range rows {
		if err := checkRow(u); err != nil {
			return nil, &RowError{Index: i, KB: u.KB, Err: err}
		}
		if j, ok := at[u.KB]; ok {
			m, err := mergeRow(n.updates[j], u)
			if err != nil {
				return nil, err
			}
			n.updates[j] = m
			continue
		}
		at[u.KB] = len(n.updates)
		n.updates = append(n.updates, cloneUpdate(u))
	}
	n.index()
	for i, u := range n.updates {
		if err := n.checkLinks(u); err != nil {
			return nil, &RowError{Index: i, KB: u.KB, Err: err}
		}
	}
	return n, nil
}

// mergeRow merges b into a, two rows for one KB, or reports how they
// disagree.
func mergeRow(a, b Update) (Update, error) {
	conflict := func(field string) (Update, error) {
		return Update{}, &ConflictError{Existing: a, New: b, Field: field}
	}
	switch {
	case a.Kind != b.Kind:
		return conflict("kind")
	case a.Released != b.Released:
		return conflict("released")
	case a.Restart != b.Restart:
		return conflict("restart")
	case a.Baseline != 0 && b.Baseline != 0 && a.Baseline != b.Baseline:
		return conflict("baseline")
	}
	m := cloneUpdate(a)
	for _, nb := range b.Builds {
		i := slices.IndexFunc(m.Builds, func(x Build) bool {
			return x.Major == nb.Major && x.Minor == nb.Minor && x.Number == nb.Number
		})
		switch {
		case i < 0:
			m.Builds = append(m.Builds, nb)
		case m.Builds[i] != nb:
			return conflict("builds")
		}
	}
	for _, t := range b.Tracks {
		if !slices.Contains(m.Tracks, t) {
			m.Tracks = append(m.Tracks, t)
		}
	}
	if m.Baseline == 0 {
		m.Baseline = b.Baseline
	}
	tags := strings.Fields(m.Source)
	for _, t := range strings.Fields(b.Source) {
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	m.Source = strings.Join(tags, " ")
	for _, p := range b.Provenance {
		if !slices.Contains(m.Provenance, p) {
			m.Provenance = append(m.Provenance, p)
		}
	}
	if b.Unconfirmed == "" {
		m.Unconfirmed = ""
	}
	return m, nil
}

func (c *Catalog) index() {
	slices.SortFunc(c.updates, func(a, b Update) int {
		if d := a.Released.Compare(b.Released); d != 0 {
			return d
		}
		return int(a.KB) - int(b.KB)
	})
	c.byKB = make(map[KB]int, len(c.updates))
	c.byBuild = make(map[Build][]int, len(c.updates))
	for i, u := range c.updates {
		c.byKB[u.KB] = i
		for _, b := range u.Builds {
			c.byBuild[b] = append(c.byBuild[b], i)
		}
	}
}

func checkRow(u Update) error {
	switch {
	case u.KB == 0:
		return errors.New("missing kb")
	case len(u.Tracks) == 0:
		return errors.New("missing tracks")
	case slices.Contains(u.Tracks, TrackUnknown):
		return errors.New("unknown track")
	case u.Released.IsZero():
		return errors.New("missing release date")
	case u.Kind == KindUnknown:
		return errors.New("missing kind")
	case len(u.Builds) == 0 && u.Unconfirmed == "":
		return errors.New("missing builds (allowed only on a row marked unconfirmed)")
	case slices.ContainsFunc(u.Builds, Build.IsZero):
		return errors.New("empty build")
	case u.Source == "":
		return errors.New("missing source")
	case u.Kind == KindHotpatch && u.Baseline == 0:
		return errors.New("hotpatch without baseline")
	case u.Kind == KindHotpatch && u.Restart:
		return errors.New("hotpatch marked as needing a restart")
	case (u.Kind == KindBaseline || u.Kind == KindLCU) && !u.Restart:
		return fmt.Errorf("%v marked as needing no restart", u.Kind)
	}
	return nil
}

func (c *Catalog) checkLinks(u Update) error {
	if u.Baseline == 0 {
		return nil
	}
	b, ok := c.lookupKB(u.Baseline)
	switch {
	case !ok:
		return fmt.Errorf("baseline %v not in catalog", u.Baseline)
	case b.Kind != KindBaseline:
		return fmt.Errorf("baseline %v is a %v, not a baseline", u.Baseline, b.Kind)
	case !b.Released.Before(u.Released):
		return fmt.Errorf("baseline %v (%v) is not older than the update", u.Baseline, b.Released)
	case !slices.ContainsFunc(u.Tracks, b.On):
		return fmt.Errorf("baseline %v shares no track with the update", u.Baseline)
	}
	return nil
}

func cloneUpdate(u Update) Update {
	u.Tracks = slices.Clone(u.Tracks)
	u.Builds = slices.Clone(u.Builds)
	u.Provenance = slices.Clone(u.Provenance)
	return u
}

// Len returns the number of rows.
func (c *Catalog) Len() int { return len(c.updates) }

// All returns every row in release order (date, then KB).
func (c *Catalog) All() iter.Seq[Update] {
	return func(yield func(Update) bool) {
		for _, u := range c.updates {
			if !yield(cloneUpdate(u)) {
				return
			}
		}
	}
}

// Track returns the rows of track t in release order.
func (c *Catalog) Track(t Track) iter.Seq[Update] {
	return func(yield func(Update) bool) {
		for _, u := range c.updates {
			if u.On(t) && !yield(cloneUpdate(u)) {
				return
			}
		}
	}
}

func (c *Catalog) lookupKB(kb KB) (Update, bool) {
	i, ok := c.byKB[kb]
	if !ok {
		return Update{}, false
	}
	return c.updates[i], true
}

// ByKB returns the update with the given KB number, or a *NotFoundError.
func (c *Catalog) ByKB(kb KB) (Update, error) {
	u, ok := c.lookupKB(kb)
	if !ok {
		return Update{}, &NotFoundError{What: "KB", Key: kb.String()}
	}
	return cloneUpdate(u), nil
}

// ByBuild returns the update that brings build b, or a *NotFoundError. When
// two updates bring the same build (an out-of-band re-release), it returns
// the earlier.
func (c *Catalog) ByBuild(b Build) (Update, error) {
	is := c.byBuild[b]
	if len(is) == 0 {
		return Update{}, &NotFoundError{What: "build", Key: b.Short()}
	}
	return cloneUpdate(c.updates[is[0]]), nil
}

// Latest returns the newest update of kind k on track t released on or before
// asOf; KindUnknown matches every kind. It returns a *NotFoundError when
// there is none.
//
// Latest looks back as far as it must: the newest LCU as of a day in a
// baseline month is the previous month's, and as of a day after the
// catalog's coverage it is the newest the catalog holds. For "the security
// update of month M" use SecurityUpdate, which does not look back; Covers
// tells whether the catalog reaches a day.
func (c *Catalog) Latest(t Track, k Kind, asOf Date) (Update, error) {
	for i := len(c.updates) - 1; i >= 0; i-- {
		u := c.updates[i]
		if u.On(t) && (k == KindUnknown || u.Kind == k) && !u.Released.After(asOf) {
			return cloneUpdate(u), nil
		}
	}
	return Update{}, &NotFoundError{What: fmt.Sprintf("%v update on %v as of", k.token(), t.token()), Key: asOf.String()}
}

func (t Track) token() string { return trackEnum.token(int(t)) }

// BaselineOf returns the baseline that hotpatch u builds on, or a
// *NotFoundError if u records none.
func (c *Catalog) BaselineOf(u Update) (Update, error) {
	if u.Baseline == 0 {
		return Update{}, &NotFoundError{What: "baseline of", Key: u.KB.String()}
	}
	return c.ByKB(u.Baseline)
}

// RowError reports a catalog row that is invalid on its own or in its links
// to other rows.
type RowError struct {
	Index int // position in the input, or in release order for link errors
	KB    KB
	Err   error
}

// Error implements error.
func (e *RowError) Error() string {
	return fmt.Sprintf("hotpatch: catalog row %d (%v): %v", e.Index, e.KB, e.Err)
}

// Unwrap returns the underlying error, for errors.Is and errors.As.
func (e *RowError) Unwrap() error { return e.Err }

// ConflictError reports two rows for one KB that disagree.
type ConflictError struct {
	Existing, New Update
	// Field names what differs: "kind", "released", "restart", "baseline"
	// or "builds" (two revisions of one build number).
	Field string
}

// Error implements error.
func (e *ConflictError) Error() string {
	return fmt.Sprintf("hotpatch: catalog conflict for %v on %s: existing row %v (%s) differs from new row %v (%s)",
		e.New.KB, e.Field, e.Existing, e.Existing.origin(), e.New, e.New.origin())
}

// origin names where a row comes from: its source tags and the documents
// of its provenance.
func (u Update) origin() string {
	s := "source " + u.Source
	for _, p := range u.Provenance {
		s += ", " + p.Document
		if p.Revision != "" {
			s += " revised " + p.Revision
		}
	}
	return s
}
