package eligibility

import (
	"cmp"
	"context"
	"iter"
	"runtime"
	"slices"
	"sync"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// FleetOptions adjust Fleet. The zero FleetOptions is a good default.
type FleetOptions struct {
	// Workers is the number of goroutines evaluating devices; ≤ 0 means
	// runtime.GOMAXPROCS(0). The report does not depend on it.
	Workers int

	// BatchSize is the number of devices handed to a worker at a time;
	// ≤ 0 means 1024. Memory is bounded by about 3 × Workers batches.
	BatchSize int

	// Verdict, if not nil, is called with every device's verdict, in the
	// order the devices were read, from the goroutine that called Fleet.
	// The *Verdict is reused after the call returns: copy it to keep it.
	Verdict func(*Verdict)

	// Progress, if not nil, is called after each batch with the number of
	// devices evaluated so far, from the goroutine that called Fleet.
	Progress func(devices int)
}

// evaluator is the allocation-free form of Evaluator that *Policy and
// *Policies have.
type evaluator interface {
	evaluate(d *hotpatch.Device, v *Verdict)
}

type wrapped struct{ Evaluator }

func (w wrapped) evaluate(d *hotpatch.Device, v *Verdict) { *v = w.Evaluate(*d) }

// Fleet evaluates every device of devices under e and summarizes the
// verdicts. Devices are read once, in order, and evaluated concurrently in
// batches by a bounded number of workers; the report is the same whatever
// the number of workers. Fleet stops early with ctx's error if ctx is
// cancelled; the report then covers the devices evaluated so far.
func Fleet(ctx context.Context, e Evaluator, devices iter.Seq[hotpatch.Device], o FleetOptions) (*Report, error) {
	ev, ok := e.(evaluator)
	if !ok {
		ev = wrapped{e}
	}
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	size := o.BatchSize
	if size <= 0 {
		size = 1024
	}

	work := make(chan *batch, workers)
	order := make(chan *batch, 2*workers)
	pool := sync.Pool{New: func() any {
		return &batch{devices: make([]hotpatch.Device, 0, size), verdicts: make([]Verdict, size)}
	}}
	tallies := make([]*tally, workers)
	var wg sync.WaitGroup
	for w := range workers {
		t := &tally{}
		tallies[w] = t
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				t.batch(ev, b)
				close(b.done)
			}
		}()
	}

	// The producer reads devices into batches; the caller's goroutine
	// consumes finished batches in order.
	prodCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		defer close(order)
		defer close(work)
		b := pool.Get().(*batch)
		b.reset()
		send := func() bool {
			select {
			case order <- b:
			case <-prodCtx.Done():
				return false
			}
			work <- b
			return true
		}
		for d := range devices {
			b.devices = append(b.devices, d)
			if len(b.devices) == size {
				if !send() {
					return
				}
				b = pool.Get().(*batch)
				b.reset()
			}
		}
		if len(b.devices) > 0 {
			send()
		}
	}()

	n := 0
	var err error
	for b := range order {
		<-b.done
		if err == nil {
			if o.Verdict != nil {
				for i := range b.devices {
					o.Verdict(&b.verdicts[i])
				}
			}
			n += len(b.devices)
			if o.Progress != nil {
				o.Progress(n)
			}
			if err = ctx.Err(); err != nil {
				stop()
			}
		}
		pool.Put(b)
	}
	wg.Wait()

	total := &tally{}
	for _, t := range tallies {
		total.add(t)
	}
	return total.report(e), err
}

type batch struct {
	devices  []hotpatch.Device
	verdicts []Verdict
	done     chan struct{}
}

func (b *batch) reset() {
	b.devices = b.devices[:0]
	b.done = make(chan struct{})
}

// A tally accumulates counts; tallies add up, so the order in which
// devices are counted does not matter.
type tally struct {
	status   [3]int // by Status
	restart  [3]int // by hotpatch.Tri of Offer.Restart
	policies []*policyTally
}

type policyTally struct {
	p                 *Policy
	status            [3]int
	fail, unknown     [MaxRules]int
	disputed          [MaxRules]int
	fixDevs, unlocked [MaxRules]int
}

func (t *tally) of(p *Policy) *policyTally {
	for _, pt := range t.policies {
		if pt.p == p {
			return pt
		}
	}
	pt := &policyTally{p: p}
	t.policies = append(t.policies, pt)
	return pt
}

func (t *tally) batch(ev evaluator, b *batch) {
	s := &scratch{}
	var cur *policyTally
	for i := range b.devices {
		v := &b.verdicts[i]
		ev.evaluate(&b.devices[i], v)
		t.status[v.Status]++
		t.restart[v.offerCase().restart()]++
		if v.policy == nil {
			continue
		}
		if cur == nil || cur.p != v.policy {
			cur = t.of(v.policy)
		}
		cur.count(v)
		if v.Status == NotEligible {
			cur.remedies(ev, &b.devices[i], v, s)
		}
	}
}

// scratch is a worker's room for evaluating fixed devices without
// allocating per device.
type scratch struct {
	device  hotpatch.Device
	verdict Verdict
}

// count counts the findings of v.
func (pt *policyTally) count(v *Verdict) {
	pt.status[v.Status]++
	for j, f := range v.findings[:v.Len()] {
		switch f.Outcome {
		case Pass:
			continue
		case Fail:
			pt.fail[j]++
		case Unknown:
			pt.unknown[j]++
		}
		if f.Disputed {
			pt.disputed[j]++
		}
	}
}

// remedies evaluates d again with each failing rule's fact fixed, one at a
// time, and counts the rules whose fix alone makes d eligible.
func (pt *policyTally) remedies(ev evaluator, d *hotpatch.Device, v *Verdict, s *scratch) {
	for j, f := range v.findings[:v.Len()] {
		r := &v.policy.rules[j]
		if f.Outcome != Fail || r.Fix == nil {
			continue
		}
		pt.fixDevs[j]++
		s.device = *d
		r.Fix(&s.device)
		ev.evaluate(&s.device, &s.verdict)
		if s.verdict.Status == Eligible {
			pt.unlocked[j]++
		}
	}
}

func (t *tally) add(u *tally) {
	for i := range t.status {
		t.status[i] += u.status[i]
		t.restart[i] += u.restart[i]
	}
	for _, pu := range u.policies {
		pt := t.of(pu.p)
		for i := range pt.status {
			pt.status[i] += pu.status[i]
		}
		for j := range MaxRules {
			pt.fail[j] += pu.fail[j]
			pt.unknown[j] += pu.unknown[j]
			pt.disputed[j] += pu.disputed[j]
			pt.fixDevs[j] += pu.fixDevs[j]
			pt.unlocked[j] += pu.unlocked[j]
		}
	}
}

func (t *tally) report(e Evaluator) *Report {
	r := &Report{
		Devices:        t.status[0] + t.status[1] + t.status[2],
		Eligible:       t.status[Eligible],
		NotEligible:    t.status[NotEligible],
		Undecided:      t.status[Undecided],
		NoRestart:      t.restart[hotpatch.False],
		Restart:        t.restart[hotpatch.True],
		RestartUnknown: t.restart[hotpatch.Unknown],
		Tracks:         []TrackCount{},
		Rules:          []RuleCount{},
		Remedies:       []Remedy{},
	}
	var first *Policy
	switch e := e.(type) {
	case *Policy:
		first = e
	case *Policies:
		first = e.pick(&hotpatch.Device{})
	}
	if first != nil {
		r.AsOf, r.Stance = first.asOf, first.opts.Disputed
		if m := first.train.month; m.KB != 0 {
			y, mo := m.Month()
			r.Month = monthString(y, mo)
		}
		if first.train.staleWhy != "" { // the month is past the catalog
			r.Month = monthString(first.asOf.Year, first.asOf.Month)
		}
	}
	// Policies in track order, so that titles and sources come from a
	// deterministic policy whatever order the workers met them in.
	slices.SortFunc(t.policies, func(a, b *policyTally) int { return cmp.Compare(a.p.track, b.p.track) })
	type ruleKey struct {
		track hotpatch.Track
		id    string
	}
	rules := map[ruleKey]*RuleCount{}
	remedies := map[[2]string]*Remedy{}
	for _, pt := range t.policies {
		r.Tracks = append(r.Tracks, TrackCount{
			Track: pt.p.track, Devices: pt.status[0] + pt.status[1] + pt.status[2],
			Eligible: pt.status[Eligible], NotEligible: pt.status[NotEligible], Undecided: pt.status[Undecided],
		})
		for j := range pt.p.rules {
			rule := &pt.p.rules[j]
			key := ruleKey{pt.p.track, rule.ID}
			rc := rules[key]
			if rc == nil {
				rc = &RuleCount{Track: pt.p.track, Rule: rule.ID, Title: rule.Title, Source: rule.Source, URL: rule.URL}
				rules[key] = rc
			}
			rc.Failed += pt.fail[j]
			rc.Unknown += pt.unknown[j]
			rc.Disputed += pt.disputed[j]
			if rule.Fix == nil || pt.fixDevs[j] == 0 {
				continue
			}
			rm := remedies[[2]string{rule.ID, rule.Remedy}]
			if rm == nil {
				rm = &Remedy{Rule: rule.ID, Remedy: rule.Remedy}
				remedies[[2]string{rule.ID, rule.Remedy}] = rm
			}
			rm.Devices += pt.fixDevs[j]
			rm.Unlocks += pt.unlocked[j]
		}
	}
	for _, rc := range rules {
		if rc.Failed+rc.Unknown > 0 {
			r.Rules = append(r.Rules, *rc)
		}
	}
	slices.SortFunc(r.Rules, func(a, b RuleCount) int {
		return cmp.Or(cmp.Compare(b.Failed, a.Failed), cmp.Compare(b.Unknown, a.Unknown),
			cmp.Compare(a.Track, b.Track), cmp.Compare(a.Rule, b.Rule))
	})
	for _, rm := range remedies {
		r.Remedies = append(r.Remedies, *rm)
	}
	slices.SortFunc(r.Remedies, func(a, b Remedy) int {
		return cmp.Or(cmp.Compare(b.Unlocks, a.Unlocks), cmp.Compare(b.Devices, a.Devices),
			cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Remedy, b.Remedy))
	})
	return r
}
