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
	"sync"
)

//go:embed data/catalog.json
var catalogJSON []byte

// A Catalog is a table of real releases of the hotpatch tracks: baselines,
// hotpatches, the standard cumulative updates of hotpatch months, and
// out-of-band releases. Each row names its source. A Catalog is immutable and
// safe for concurrent use.
//
// The embedded catalog (Embedded) holds the release history recorded from
// Microsoft's Windows Server release information page [S3] and hotpatch
// release notes [S22], with the sources of each row. A new month arrives every
// Patch Tuesday: load newer rows on top with Merge.
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
// (JSON, as ParseCatalog reads). A row whose KB is already in c must be
// identical to it; a different row is a *ConflictError naming both.
func (c *Catalog) Merge(r io.Reader) (*Catalog, error) {
	rows, err := decodeRows(r)
	if err != nil {
		return nil, err
	}
	return c.with(rows)
}

func (c *Catalog) with(rows []Update) (*Catalog, error) {
	n := &Catalog{updates: slices.Clone(c.updates)}
	seen := make(map[KB]Update, len(c.updates)+len(rows))
	for _, u := range c.updates {
		seen[u.KB] = u
	}
	for i, u := range rows {
		if err := checkRow(u); err != nil {
			return nil, &RowError{Index: i, KB: u.KB, Err: err}
		}
		if old, ok := seen[u.KB]; ok {
			if !sameUpdate(old, u) {
				return nil, &ConflictError{Existing: old, New: u}
			}
			continue
		}
		seen[u.KB] = u
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

func sameUpdate(a, b Update) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func cloneUpdate(u Update) Update {
	u.Tracks = slices.Clone(u.Tracks)
	u.Builds = slices.Clone(u.Builds)
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

// ConflictError reports two different rows for one KB.
type ConflictError struct {
	Existing, New Update
}

// Error implements error.
func (e *ConflictError) Error() string {
	return fmt.Sprintf("hotpatch: catalog conflict for %v: existing row %v (source %s) differs from new row %v (source %s)",
		e.New.KB, e.Existing, e.Existing.Source, e.New, e.New.Source)
}
