package cadence

import (
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// SourceQuarterlyRule is the Source of calendar entries projected from the
// plan: baselines in January, April, July and October, hotpatches in the
// other eight months, the same for every hotpatch OS [S1c, S2], on the
// second Tuesday [S17]. Tags name entries of hotpatch.Sources (SOURCES.md).
const SourceQuarterlyRule = "S1c S2 S17"

// PlannedKind returns the kind of release the quarterly rule plans for a
// month: hotpatch.KindBaseline in January, April, July and October and
// hotpatch.KindHotpatch in every other month [S1c, S2]. It returns
// hotpatch.KindUnknown for a month outside January..December.
func PlannedKind(month time.Month) hotpatch.Kind {
	switch {
	case month < time.January || month > time.December:
		return hotpatch.KindUnknown
	case (month-1)%3 == 0:
		return hotpatch.KindBaseline
	}
	return hotpatch.KindHotpatch
}

// An Origin says where a calendar entry comes from.
type Origin uint8

const (
	OriginRule     Origin = iota // projected from the quarterly rule; no catalog row
	OriginCatalog                // a row of the hotpatch catalog
	OriginOverride               // a user Override
)

var originNames = []string{"rule", "catalog", "override"}

// String returns "rule", "catalog" or "override".
func (o Origin) String() string { return enumName(originNames, "Origin", int(o)) }

// MarshalText returns the String form.
func (o Origin) MarshalText() ([]byte, error) { return enumMarshal(originNames, "Origin", int(o)) }

// UnmarshalText accepts the String form.
func (o *Origin) UnmarshalText(b []byte) error {
	return enumUnmarshal(originNames, "Origin", b, (*uint8)(o))
}

// A Release is one entry of a track's calendar: the Patch Tuesday release of
// a month, or an out-of-band release.
type Release struct {
	Track hotpatch.Track `json:"track"` // the track the release is for
	Day   hotpatch.Date  `json:"day"`   // release day (Pacific time)

	// Kind is hotpatch.KindBaseline or hotpatch.KindHotpatch for a Patch
	// Tuesday release and hotpatch.KindOutOfBand for an out-of-band one.
	Kind hotpatch.Kind `json:"kind"`

	// Planned is what the quarterly rule planned for a Patch Tuesday
	// release's month (PlannedKind), and hotpatch.KindOutOfBand for an
	// out-of-band release. A Baseline whose Planned is Hotpatch is an
	// unplanned baseline [S5a].
	Planned hotpatch.Kind `json:"planned"`

	// Restart reports whether installing the release restarts a device that
	// takes it as released: true for baselines, false for hotpatches, as the
	// source says for out-of-band releases.
	Restart bool `json:"restart"`

	KB    hotpatch.KB    `json:"kb"`    // the release's KB, if known
	Build hotpatch.Build `json:"build"` // the build it brings, if known
	// LCU is, in a hotpatch month, the standard cumulative update that
	// devices not on hotpatch install instead, if the catalog knows it.
	// In a baseline month the baseline is the LCU, and LCU is zero.
	LCU hotpatch.KB `json:"lcu"`

	Origin      Origin `json:"origin"`      // where the entry comes from
	Source      string `json:"source"`      // source tags, e.g. "S3"
	Unconfirmed string `json:"unconfirmed"` // non-empty when the entry rests on a weak source
	Note        string `json:"note"`        // anything else worth showing, such as a catalog row left out
}

// Unplanned reports whether r is an unplanned baseline: a baseline in a month
// planned as a hotpatch month.
func (r Release) Unplanned() bool {
	return r.Kind == hotpatch.KindBaseline && r.Planned == hotpatch.KindHotpatch
}

// Time returns the publication time: 10:00 AM Pacific on r.Day. Microsoft
// publishes Patch Tuesday releases at that hour [S17]; for out-of-band
// releases the hour is not recorded and 10:00 is a convention.
func (r Release) Time() time.Time {
	return time.Date(r.Day.Year, r.Day.Month, r.Day.Day, ReleaseHour, 0, 0, 0, pacific())
}

// String returns a one-line summary, "2025-01-14 Baseline KB5050009 (catalog)".
func (r Release) String() string {
	s := fmt.Sprintf("%v %v", r.Day, r.Kind)
	if r.KB != 0 {
		s += " " + r.KB.String()
	}
	return s + " (" + r.Origin.String() + ")"
}

// An Override changes a track's calendar: it sets the kind of a month's
// Patch Tuesday release, or adds an out-of-band release. Overrides win over
// the catalog and the rule.
type Override struct {
	Year  int        `json:"year"`  // the month the override is about
	Month time.Month `json:"month"` // January..December

	// Kind is hotpatch.KindBaseline or hotpatch.KindHotpatch to set the
	// month's Patch Tuesday release, or hotpatch.KindOutOfBand to add a
	// release on Day.
	Kind hotpatch.Kind `json:"kind"`

	// Day is the release day: required for an out-of-band release, and for
	// a Patch Tuesday release either zero or that month's Patch Tuesday.
	Day hotpatch.Date `json:"day"`

	// Restart says whether the release needs a restart; Unknown takes the
	// kind's rule (baselines and out-of-band releases restart, hotpatches
	// do not). A hotpatch that restarts or a baseline that does not is a
	// contradiction.
	Restart hotpatch.Tri `json:"restart"`

	KB   hotpatch.KB `json:"kb"`   // the release's KB, if known
	Note string      `json:"note"` // why: shown with the release
}

// String returns a short description, "2026-06 Baseline".
func (o Override) String() string {
	s := fmt.Sprintf("%04d-%02d %v", o.Year, int(o.Month), o.Kind)
	if !o.Day.IsZero() {
		s += " on " + o.Day.String()
	}
	return s
}

// CalendarOptions configure NewCalendar. The zero value gives the embedded
// catalog's confirmed history and the quarterly rule everywhere else.
type CalendarOptions struct {
	// Catalog supplies the real history; nil means hotpatch.Embedded().
	Catalog *hotpatch.Catalog

	// ApplyUnconfirmed applies catalog rows marked Unconfirmed that change
	// the calendar: an unplanned baseline or an out-of-band release (such as
	// the out-of-band hotpatch KB5121768 of 2026-07-18, known from third
	// parties only [S23]). By default such rows are left out and named in
	// the month's Note; unconfirmed rows that agree with the rule still
	// supply their KB.
	ApplyUnconfirmed bool

	// NoOutOfBand leaves out-of-band releases out of the calendar.
	NoOutOfBand bool

	// Overrides are applied last, in order.
	Overrides []Override
}

// A Calendar is the release calendar of one hotpatch track: for every month,
// whether its Patch Tuesday release is a baseline (restart) or a hotpatch
// (no restart), plus out-of-band releases. Months the catalog records follow
// the catalog; every other month, past or future, follows the quarterly
// rule. A Calendar is immutable and safe for concurrent use.
type Calendar struct {
	track   hotpatch.Track
	through hotpatch.Month // the catalog's last covered month (Catalog.Through)
	// projected is the note of a rule month after through.
	projected string
	monthly   map[monthIndex]Release // months set by the catalog or an override
	lcu       map[monthIndex]hotpatch.KB
	notes     map[monthIndex]string
	oob       []Release // sorted by day
}

// NewCalendar returns the calendar of track. A track that is not known is an
// error wrapping hotpatch.ErrUnknown; a bad override is an *OverrideError.
func NewCalendar(track hotpatch.Track, opts CalendarOptions) (*Calendar, error) {
	if !slices.Contains(hotpatch.Tracks(), track) {
		return nil, fmt.Errorf("cadence: calendar of track %d: %w", int(track), hotpatch.ErrUnknown)
	}
	cat := opts.Catalog
	if cat == nil {
		cat = hotpatch.Embedded()
	}
	c := &Calendar{
		track:   track,
		through: cat.Through(track),
		monthly: map[monthIndex]Release{},
		lcu:     map[monthIndex]hotpatch.KB{},
		notes:   map[monthIndex]string{},
	}
	for u := range cat.Track(track) {
		c.addRow(u, opts)
	}
	c.projected = "projected from the plan: the catalog has no releases of this track"
	if !c.through.IsZero() {
		c.projected = fmt.Sprintf("projected from the plan: the catalog covers this track's releases through %v", c.through)
	}
	if err := c.addOverrides(opts.Overrides); err != nil {
		return nil, err
	}
	slices.SortStableFunc(c.oob, func(a, b Release) int { return a.Day.Compare(b.Day) })
	return c, nil
}

func (c *Calendar) addRow(u hotpatch.Update, opts CalendarOptions) {
	i := monthOf(u.Released.Year, u.Released.Month)
	planned := PlannedKind(u.Released.Month)
	r := Release{
		Track: c.track, Day: u.Released, Kind: u.Kind, Planned: planned, Restart: u.Restart,
		KB: u.KB, Build: u.Build(), Origin: OriginCatalog, Source: u.Source, Unconfirmed: u.Unconfirmed,
	}
	monthly := u.Kind == hotpatch.KindBaseline || u.Kind == hotpatch.KindHotpatch
	changes := monthly && u.Kind != planned || u.Kind == hotpatch.KindOutOfBand // an unplanned baseline, or an extra release
	if u.Unconfirmed != "" && changes && !opts.ApplyUnconfirmed {
		if monthly || !opts.NoOutOfBand {
			c.notes[i] = joinNote(c.notes[i], fmt.Sprintf("not applied: unconfirmed %v %v (%s)", u.Kind, u.KB, u.Unconfirmed))
		}
		return
	}
	switch u.Kind {
	case hotpatch.KindBaseline, hotpatch.KindHotpatch:
		if _, ok := c.monthly[i]; !ok {
			c.monthly[i] = r
		}
	case hotpatch.KindLCU:
		c.lcu[i] = u.KB
	case hotpatch.KindOutOfBand:
		if !opts.NoOutOfBand {
			r.Planned = hotpatch.KindOutOfBand
			c.oob = append(c.oob, r)
		}
	}
}

func joinNote(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

func (c *Calendar) addOverrides(overrides []Override) error {
	set := map[monthIndex]int{} // month → index of the override that set it
	for n, o := range overrides {
		if err := checkOverride(o); err != nil {
			return &OverrideError{Index: n, Override: o, Err: err}
		}
		i := monthOf(o.Year, o.Month)
		r := Release{
			Track: c.track, Day: o.Day, Kind: o.Kind, Planned: PlannedKind(o.Month),
			Restart: o.Restart == hotpatch.True || (o.Restart == hotpatch.Unknown && o.Kind != hotpatch.KindHotpatch),
			KB:      o.KB, Origin: OriginOverride, Source: "override", Note: o.Note,
		}
		if o.Kind == hotpatch.KindOutOfBand {
			r.Planned = hotpatch.KindOutOfBand
			c.oob = append(c.oob, r)
			continue
		}
		if prev, ok := set[i]; ok && overrides[prev].Kind != o.Kind {
			return &OverrideError{Index: n, Override: o, Err: fmt.Errorf("contradicts override %d (%v)", prev, overrides[prev])}
		}
		set[i] = n
		r.Day = patchTuesday(i).date()
		c.monthly[i] = r
	}
	return nil
}

// checkOverride reports what is wrong with o on its own.
func checkOverride(o Override) error {
	if o.Month < time.January || o.Month > time.December {
		return &MonthError{Year: o.Year, Month: o.Month}
	}
	if !o.Day.IsZero() {
		if err := checkDate(o.Day); err != nil {
			return err
		}
		if o.Day.Year != o.Year || o.Day.Month != o.Month {
			return fmt.Errorf("day %v is not in %04d-%02d", o.Day, o.Year, int(o.Month))
		}
	}
	switch o.Kind {
	case hotpatch.KindBaseline:
		if o.Restart == hotpatch.False {
			return fmt.Errorf("a baseline always restarts")
		}
	case hotpatch.KindHotpatch:
		if o.Restart == hotpatch.True {
			return fmt.Errorf("a hotpatch never restarts")
		}
	case hotpatch.KindOutOfBand:
		if o.Day.IsZero() {
			return fmt.Errorf("an out-of-band release needs its day")
		}
		return nil
	default:
		return fmt.Errorf("kind %v: want Baseline, Hotpatch or Out-of-band", o.Kind)
	}
	if pt := patchTuesday(monthOf(o.Year, o.Month)).date(); !o.Day.IsZero() && o.Day != pt {
		return fmt.Errorf("day %v is not the month's Patch Tuesday (%v)", o.Day, pt)
	}
	return nil
}

// Track returns the calendar's track.
func (c *Calendar) Track() hotpatch.Track { return c.track }

// Month returns the Patch Tuesday release of a month. A month outside
// January..December is a *MonthError.
func (c *Calendar) Month(year int, month time.Month) (Release, error) {
	if month < time.January || month > time.December {
		return Release{}, &MonthError{Year: year, Month: month}
	}
	return c.month(monthOf(year, month)), nil
}

func (c *Calendar) month(i monthIndex) Release {
	r, ok := c.monthly[i]
	if !ok {
		_, m := i.split()
		k := PlannedKind(m)
		r = Release{
			Track: c.track, Day: patchTuesday(i).date(), Kind: k, Planned: k,
			Restart: k == hotpatch.KindBaseline, Origin: OriginRule, Source: SourceQuarterlyRule,
		}
		switch y, m := i.split(); {
		case (hotpatch.Month{Year: y, Month: m}).Compare(c.through) > 0:
			r.Note = c.projected
		case c.lcu[i] != 0:
			r.Note = "the kind follows the plan: the catalog holds the month's cumulative update but no hotpatch or baseline"
		}
	}
	if r.Kind == hotpatch.KindHotpatch {
		r.LCU = c.lcu[i]
	}
	r.Note = joinNote(r.Note, c.notes[i])
	return r
}

// Through returns the last month up to which the calendar's catalog holds
// the track's releases without a gap (hotpatch.Catalog.Through). Later
// months follow the plan, unless an override sets them, and their Note says
// they are projected; an unplanned baseline among them cannot be foreseen.
func (c *Calendar) Through() hotpatch.Month { return c.through }

// NextBaseline returns the first baseline released after day after: the
// next Patch Tuesday whose release is a baseline, from the catalog, an
// override or the plan (see Release.Origin; a baseline the plan projects may
// turn out otherwise, and an unplanned one may come first). A date that does
// not exist is a *DateError or *MonthError.
func (c *Calendar) NextBaseline(after hotpatch.Date) (Release, error) {
	if err := checkDate(after); err != nil {
		return Release{}, err
	}
	// Past the last month the catalog or an override sets, the plan has a
	// baseline every three months, so the loop ends.
	for i := monthOf(after.Year, after.Month); ; i++ {
		if r := c.month(i); r.Kind == hotpatch.KindBaseline && r.Day.After(after) {
			return r, nil
		}
	}
}

// Releases returns the releases whose day falls in [from, to], both
// inclusive, in order of day; on a day with both, the Patch Tuesday release
// comes first. A range whose end is before its start is a *RangeError; a
// date that does not exist is a *DateError or *MonthError.
func (c *Calendar) Releases(from, to hotpatch.Date) (iter.Seq[Release], error) {
	lo, hi, err := span(from, to)
	if err != nil {
		return nil, err
	}
	rs := c.between(from, to, lo, hi)
	return func(yield func(Release) bool) {
		for _, r := range rs {
			if !yield(r) {
				return
			}
		}
	}, nil
}

// between returns the releases in [lo, hi] in order of day.
func (c *Calendar) between(from, to hotpatch.Date, lo, hi day) []Release {
	var rs []Release
	for i := monthOf(from.Year, from.Month); i <= monthOf(to.Year, to.Month); i++ {
		if r := c.month(i); dayOfDate(r.Day) >= lo && dayOfDate(r.Day) <= hi {
			rs = append(rs, r)
		}
	}
	for _, r := range c.oob {
		if d := dayOfDate(r.Day); d >= lo && d <= hi {
			rs = append(rs, r)
		}
	}
	// Stable: a Patch Tuesday release precedes an out-of-band one of the same day.
	slices.SortStableFunc(rs, func(a, b Release) int { return a.Day.Compare(b.Day) })
	return rs
}
