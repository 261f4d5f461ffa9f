// Package catalogflag holds the two flags every example shares: -asof, the
// day whose rules and releases apply (today in Pacific time by default),
// and -catalog, a JSON file of releases merged into the embedded catalog.
// It also prints the note that says when the catalog ends before that day.
package catalogflag

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/patchmodel/patchmodel/cadence"
	"github.com/patchmodel/patchmodel/hotpatch"
)

// Flags are the parsed -asof and -catalog flags.
type Flags struct {
	asOf    string
	catalog string
}

// Register defines -asof and -catalog on fs.
func Register(fs *flag.FlagSet) *Flags {
	f := &Flags{}
	fs.StringVar(&f.asOf, "asof", "", "the `day` (YYYY-MM-DD) whose rules and releases apply (default today in Pacific time)")
	fs.StringVar(&f.catalog, "catalog", "", "merge the releases in this JSON `file` (an array of hotpatch.Update, as in hotpatch/data/catalog.json) into the embedded catalog")
	return f
}

// Today returns today's date in Pacific time, the zone of Patch Tuesday.
func Today() hotpatch.Date { return hotpatch.DateOf(time.Now().In(cadence.Pacific())) }

// Load returns the -asof day and the embedded catalog with the -catalog
// file merged into it.
func (f *Flags) Load() (hotpatch.Date, *hotpatch.Catalog, error) {
	asOf := Today()
	if f.asOf != "" {
		d, err := hotpatch.ParseDate(f.asOf)
		if err != nil {
			return hotpatch.Date{}, nil, fmt.Errorf("-asof: %w", err)
		}
		asOf = d
	}
	cat := hotpatch.Embedded()
	if f.catalog == "" {
		return asOf, cat, nil
	}
	r, err := os.Open(f.catalog)
	if err != nil {
		return hotpatch.Date{}, nil, fmt.Errorf("-catalog: %w", err)
	}
	defer r.Close()
	if cat, err = cat.Merge(r); err != nil {
		return hotpatch.Date{}, nil, fmt.Errorf("-catalog %s: %w", f.catalog, err)
	}
	return asOf, cat, nil
}

// WarnStale writes one line to w when the catalog does not cover every
// track up to asOf, and reports whether it did:
//
//	catalog covers releases through 2026-09; 2026-10 to 2026-12 are projected: merge newer data with -catalog FILE
func WarnStale(w io.Writer, cat *hotpatch.Catalog, asOf hotpatch.Date) bool {
	s := cat.Stale(asOf)
	if s == "" {
		return false
	}
	fmt.Fprintf(w, "%s: merge newer data with -catalog FILE\n", s)
	return true
}
