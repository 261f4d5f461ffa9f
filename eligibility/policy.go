package eligibility

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// MaxRules is the most rules a policy holds. Verdicts keep their findings in
// a fixed-size array so that evaluating a device allocates nothing; the
// built-in policies use at most 9, which leaves room for an organisation's
// own rules.
const MaxRules = 16

// ErrNoProgram reports a track and date for which no hotpatch program
// existed, so there are no rules to apply.
var ErrNoProgram = errors.New("no hotpatch program for this track on this date")

// ErrTooManyRules reports a policy that would hold more than MaxRules rules.
var ErrTooManyRules = errors.New("too many rules")

// Options adjust a policy. The zero Options is the documented default.
type Options struct {
	// Disputed says how findings the sources dispute are resolved: as
	// Unknown (the default), as Fail (Strict) or as Pass (Lenient).
	Disputed Stance

	// Catalog is the release catalog the baseline rule and Offer read;
	// nil means hotpatch.Embedded().
	Catalog *hotpatch.Catalog
}

// A Policy is the rule set of one hotpatch track as of one day. It is
// immutable and safe for concurrent use.
type Policy struct {
	track hotpatch.Track
	asOf  hotpatch.Date
	opts  Options
	rules []Rule
	train *train
}

// For returns the policy of track t on day asOf with default Options.
func For(t hotpatch.Track, asOf hotpatch.Date) (*Policy, error) {
	return NewPolicy(t, asOf, Options{})
}

// NewPolicy returns the policy of track t on day asOf: the built-in rules in
// force on that day, and the baseline rule over the catalog as of that day.
// The error wraps ErrNoProgram for a date before the track's hotpatch program
// began, or names an unknown track.
func NewPolicy(t hotpatch.Track, asOf hotpatch.Date, o Options) (*Policy, error) {
	tr, ok := programs[t]
	if !ok {
		return nil, fmt.Errorf("eligibility: no rules for track %v", t)
	}
	start := tr.start
	if asOf.Before(start) {
		return nil, fmt.Errorf("eligibility: %v before %v: %w", t, start, ErrNoProgram)
	}
	if o.Catalog == nil {
		o.Catalog = hotpatch.Embedded()
	}
	p := &Policy{track: t, asOf: asOf, opts: o, train: newTrain(o.Catalog, t, asOf)}
	for _, r := range append(Rules(t), baselineRule(p.train, start)) {
		if r.InForce(asOf) {
			p.rules = append(p.rules, r)
		}
	}
	return p, nil
}

// programs holds, per track with a hotpatch program, the day the program
// began and its built-in rules.
var programs = map[hotpatch.Track]struct {
	start hotpatch.Date
	rules func() []Rule
}{
	hotpatch.TrackWindows11:  {windows11Start, windows11Rules},
	hotpatch.TrackServer2025: {server2025Start, server2025Rules},
	hotpatch.TrackServer2022: {server2022Start, server2022Rules},
}

// Rules returns every version of every built-in rule of track t, in force
// on any day, in evaluation order — the history of Microsoft's conditions
// as this package knows it. The baseline rule, which depends on a catalog
// and a day, is not among them. It returns nil for an unknown track.
func Rules(t hotpatch.Track) []Rule {
	tr, ok := programs[t]
	if !ok {
		return nil
	}
	rs := tr.rules()
	for i := range rs {
		rs[i].URL = firstURL(rs[i].Source)
	}
	return rs
}

// Track returns the policy's track.
func (p *Policy) Track() hotpatch.Track { return p.track }

// AsOf returns the day whose rules the policy applies.
func (p *Policy) AsOf() hotpatch.Date { return p.asOf }

// Options returns the policy's options.
func (p *Policy) Options() Options { return p.opts }

// Rules returns the policy's rules in evaluation order.
func (p *Policy) Rules() []Rule { return slices.Clone(p.rules) }

// Rule returns the rule with the given ID, if the policy has it.
func (p *Policy) Rule(id string) (Rule, bool) {
	i := p.index(id)
	if i < 0 {
		return Rule{}, false
	}
	return p.rules[i], true
}

func (p *Policy) index(id string) int {
	return slices.IndexFunc(p.rules, func(r Rule) bool { return r.ID == id })
}

// WithRules returns a copy of p in which each rule replaces the rule with
// the same ID, or is added at the end if p has none. Rules not in force on
// p's day are ignored, as in For. A rule needs an ID and a Check; a policy
// holds at most MaxRules rules (ErrTooManyRules).
func (p *Policy) WithRules(rules ...Rule) (*Policy, error) {
	q := *p
	q.rules = slices.Clone(p.rules)
	for _, r := range rules {
		if r.ID == "" || r.Check == nil {
			return nil, fmt.Errorf("eligibility: rule %q needs an ID and a Check", r.ID)
		}
		if !r.InForce(p.asOf) {
			continue
		}
		if r.URL == "" {
			r.URL = firstURL(r.Source)
		}
		if i := q.index(r.ID); i >= 0 {
			q.rules[i] = r
		} else {
			q.rules = append(q.rules, r)
		}
	}
	if len(q.rules) > MaxRules {
		return nil, fmt.Errorf("eligibility: %d rules: %w (max %d)", len(q.rules), ErrTooManyRules, MaxRules)
	}
	return &q, nil
}

// WithoutRules returns a copy of p without the rules with the given IDs.
func (p *Policy) WithoutRules(ids ...string) *Policy {
	q := *p
	q.rules = slices.DeleteFunc(slices.Clone(p.rules), func(r Rule) bool { return slices.Contains(ids, r.ID) })
	return &q
}

// WithOptions returns a copy of p with the stance of o; a different catalog
// recomputes the baseline rule.
func (p *Policy) WithOptions(o Options) *Policy {
	if o.Catalog == nil {
		o.Catalog = p.opts.Catalog
	}
	q := *p
	q.opts = o
	if o.Catalog != p.opts.Catalog {
		q.train = newTrain(o.Catalog, p.track, p.asOf)
		q.rules = slices.Clone(p.rules)
		if i := q.index(BaselineRule); i >= 0 {
			q.rules[i] = baselineRule(q.train, p.rules[i].From)
		}
	}
	return &q
}

// Evaluate checks every rule of p on d.
//
// Evaluate does not allocate: the verdict holds the findings in a fixed-size
// array and the reasons as constant phrases; Verdict.Results renders them
// with the device's values on demand.
func (p *Policy) Evaluate(d hotpatch.Device) Verdict {
	var v Verdict
	p.evaluate(&d, &v)
	return v
}

func (p *Policy) evaluate(d *hotpatch.Device, v *Verdict) {
	v.Device = *d
	v.policy = p
	v.n = uint8(len(p.rules))
	fail, unknown := false, false
	for i := range p.rules {
		f := p.rules[i].Check(*d).resolve(p.opts.Disputed)
		v.findings[i] = f
		switch f.Outcome {
		case Fail:
			fail = true
		case Unknown:
			unknown = true
		}
	}
	switch {
	case fail:
		v.Status = NotEligible
	case unknown:
		v.Status = Undecided
	default:
		v.Status = Eligible
	}
}

// An Evaluator gives verdicts on devices: a *Policy for one track, or a
// *Policies that picks the policy of each device's track.
type Evaluator interface {
	Evaluate(d hotpatch.Device) Verdict
}

// Policies evaluates each device under the policy of its track (see
// TrackOf), for fleets that mix Windows 11 clients and servers.
type Policies struct {
	byTrack [4]*Policy // indexed by hotpatch.Track
}

// ForAll returns the policies of every track on day asOf. Tracks whose
// program had not begun on asOf are left out; devices on them are evaluated
// under the Windows 11 policy, whose os rule fails them. ForAll fails only
// if no track had begun.
func ForAll(asOf hotpatch.Date, o Options) (*Policies, error) {
	ps := &Policies{}
	var first error
	for _, t := range hotpatch.Tracks() {
		p, err := NewPolicy(t, asOf, o)
		if err != nil {
			first = cmp.Or(first, err)
			continue
		}
		ps.byTrack[t] = p
	}
	if ps.byTrack[hotpatch.TrackWindows11] == nil && ps.byTrack[hotpatch.TrackServer2025] == nil && ps.byTrack[hotpatch.TrackServer2022] == nil {
		return nil, first
	}
	return ps, nil
}

// Policy returns the policy for track t, or nil if there is none.
func (ps *Policies) Policy(t hotpatch.Track) *Policy {
	if int(t) >= len(ps.byTrack) {
		return nil
	}
	return ps.byTrack[t]
}

// With returns a copy of ps in which p replaces the policy of p's track.
func (ps *Policies) With(p *Policy) *Policies {
	q := *ps
	q.byTrack[p.track] = p
	return &q
}

// Evaluate evaluates d under the policy of TrackOf(d). A device whose track
// cannot be told, or whose track has no policy, is evaluated under the
// first policy of Windows 11, Windows Server 2025 and Windows Server 2022
// that ps holds: its os and edition rules then say why it is not on a track.
func (ps *Policies) Evaluate(d hotpatch.Device) Verdict {
	var v Verdict
	ps.evaluate(&d, &v)
	return v
}

func (ps *Policies) evaluate(d *hotpatch.Device, v *Verdict) {
	if p := ps.pick(d); p != nil {
		p.evaluate(d, v)
		return
	}
	*v = Verdict{Device: *d} // the zero Policies: no rules, Undecided
}

func (ps *Policies) pick(d *hotpatch.Device) *Policy {
	if p := ps.byTrack[TrackOf(d)]; p != nil {
		return p
	}
	for _, p := range ps.byTrack[1:] {
		if p != nil {
			return p
		}
	}
	return nil
}

// TrackOf returns the hotpatch track a device's build and edition put it
// on, or TrackUnknown when they do not say or name no track: Windows Server
// editions at 26100 are Windows Server 2025 and at 20348 Windows Server 2022;
// other editions at 26100, 26200, 26300 or 28000 are Windows 11. A device
// at 26100 whose edition is unknown could be either, so it has no track.
func TrackOf(d *hotpatch.Device) hotpatch.Track {
	server := false
	switch d.Edition {
	case hotpatch.EditionServerStandard, hotpatch.EditionServerDatacenter, hotpatch.EditionServerAzureEdition:
		server = true
	case hotpatch.EditionUnknown:
		switch d.Build.Number {
		case 26200, 26300, 28000:
			return hotpatch.TrackWindows11
		case 20348:
			return hotpatch.TrackServer2022
		}
		return hotpatch.TrackUnknown
	}
	switch {
	case server && d.Build.Number == 26100:
		return hotpatch.TrackServer2025
	case server && d.Build.Number == 20348:
		return hotpatch.TrackServer2022
	case server:
		return hotpatch.TrackUnknown
	}
	switch d.Build.Number {
	case 0, 26100, 26200, 26300, 28000:
		return hotpatch.TrackWindows11
	}
	return hotpatch.TrackUnknown
}
