package cadence

import (
	"context"
	"fmt"
	"iter"
	"runtime"
	"sync"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// FleetOptions configure Simulation.Fleet.
type FleetOptions struct {
	// Workers bounds the goroutines that simulate; 0 means GOMAXPROCS,
	// and more than MaxWorkers means MaxWorkers. The report does not
	// depend on it.
	Workers int

	// Progress, if not nil, is called from one goroutine with the number
	// of devices read so far, after each batch of devices.
	Progress func(devices int)
}

// A FleetReport compares a fleet's restarts and exposure with hotpatch as
// the devices' eligibility allows (On) and with hotpatch off for every
// device (Off), over the same releases, rings and absences.
type FleetReport struct {
	From     hotpatch.Date `json:"from"`     // the simulated period: its first day
	To       hotpatch.Date `json:"to"`       // and its last, included
	Years    float64       `json:"years"`    // length of the period, in years of 365.2425 days
	Releases int           `json:"releases"` // releases in the period
	Devices  int           `json:"devices"`  // devices simulated
	Eligible int           `json:"eligible"` // devices with Eligible set
	On       Summary       `json:"on"`       // hotpatch as eligibility allows
	Off      Summary       `json:"off"`      // hotpatch off for all

	// EligibleOn and EligibleOff are On and Off for the eligible devices
	// alone: what hotpatch does where it applies, absences and missed
	// baselines included, to set beside the "12 restarts to 4" claim [S2].
	EligibleOn  Summary `json:"eligibleOn"`
	EligibleOff Summary `json:"eligibleOff"`
}

// A Summary describes one side of a FleetReport.
type Summary struct {
	// Restarts is the total number of restarts in the fleet.
	Restarts int64 `json:"restarts"`

	// RestartsPerDeviceYear is the distribution over devices of each
	// device's restarts divided by Years.
	RestartsPerDeviceYear Distribution `json:"restartsPerDeviceYear"`

	// DaysToProtection is the distribution over (device, release) pairs of
	// the days from the release to the device's protection, for the pairs
	// protected within the period.
	DaysToProtection Distribution `json:"daysToProtection"`

	// Unprotected counts (device, release) pairs not protected by the end
	// of the period: recent releases, and devices that were offline.
	Unprotected int64 `json:"unprotected"`
}

// A Distribution summarizes a sample. Percentiles are nearest-rank: P90 is
// the smallest value with at least 90% of the sample at or below it.
type Distribution struct {
	N    int64   `json:"n"`    // size of the sample
	Mean float64 `json:"mean"` // mean
	P50  float64 `json:"p50"`  // median
	P90  float64 `json:"p90"`  // 90th percentile
	P99  float64 `json:"p99"`  // 99th percentile
}

// tally accumulates one side of a fleet. Its histograms are exact integer
// counts, so merging tallies in any order gives the same report.
type tally struct {
	days        []int64 // days[n]: pairs protected n days after release
	restarts    []int64 // restarts[n]: devices with n restarts
	unprotected int64
}

func (s *Simulation) newTally() *tally {
	return &tally{days: make([]int64, s.end-s.start+1), restarts: make([]int64, len(s.rels)+1)}
}

func (t *tally) merge(u *tally) {
	for i, n := range u.days {
		t.days[i] += n
	}
	for i, n := range u.restarts {
		t.restarts[i] += n
	}
	t.unprotected += u.unprotected
}

func (t *tally) summary(years float64) Summary {
	r := distribution(t.restarts, 1/years)
	var total int64
	for n, c := range t.restarts {
		total += int64(n) * c
	}
	return Summary{
		Restarts:              total,
		RestartsPerDeviceYear: r,
		DaysToProtection:      distribution(t.days, 1),
		Unprotected:           t.unprotected,
	}
}

// distribution summarizes a histogram whose bucket i holds value i*scale.
func distribution(h []int64, scale float64) Distribution {
	var n, sum int64
	for v, c := range h {
		n += c
		sum += int64(v) * c
	}
	if n == 0 {
		return Distribution{}
	}
	rank := func(percent int64) float64 {
		need := max((percent*n+99)/100, 1) // ⌈percent·n/100⌉
		var cum int64
		for v, c := range h {
			if cum += c; cum >= need {
				return float64(v) * scale
			}
		}
		return float64(len(h)-1) * scale
	}
	return Distribution{N: n, Mean: float64(sum) / float64(n) * scale, P50: rank(50), P90: rank(90), P99: rank(99)}
}

const fleetBatch = 512

// MaxWorkers is the most goroutines Fleet uses.
const MaxWorkers = 256

// Fleet simulates every device twice, as given (On) and with hotpatch off
// (Off: Eligible false), and reports both. It reads devices once, in one
// goroutine, validates each (a bad ring or availability is an error naming
// the device's position and ID) and spreads the simulation over
// FleetOptions.Workers goroutines. The report is the same for any number of
// workers. Fleet stops early with ctx's error when ctx is done.
func (s *Simulation) Fleet(ctx context.Context, devices iter.Seq[Device], opts FleetOptions) (*FleetReport, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, MaxWorkers)
	work := make(chan []Device, workers)
	spare := make(chan []Device, 2*workers)
	// Each worker keeps four tallies: hotpatch on and off, for eligible
	// and other devices. The fleet-wide sides are their sums.
	type sides struct{ on, off [2]*tally } // index 1: eligible
	ws := make([]sides, workers)
	var wg sync.WaitGroup
	for w := range workers {
		for e := range 2 {
			ws[w].on[e], ws[w].off[e] = s.newTally(), s.newTally()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := range work {
				for i := range batch {
					d := &batch[i]
					e := 0
					if d.Eligible {
						e = 1
					}
					s.run(d, nil, ws[w].on[e])
					d.Eligible = false
					s.run(d, nil, ws[w].off[e])
				}
				select {
				case spare <- batch[:0]:
				default:
				}
			}
		}()
	}

	var (
		n, eligible int
		err         error
		batch       = make([]Device, 0, fleetBatch)
	)
	send := func() bool {
		if err = ctx.Err(); err != nil {
			return false
		}
		select {
		case work <- batch:
		case <-ctx.Done():
			err = ctx.Err()
			return false
		}
		if opts.Progress != nil {
			opts.Progress(n)
		}
		select {
		case batch = <-spare:
		default:
			batch = make([]Device, 0, fleetBatch)
		}
		return true
	}
	for d := range devices {
		if verr := d.Validate(); verr != nil {
			err = fmt.Errorf("cadence: device %d (%s): %w", n, d.ID, verr)
			break
		}
		if d.Eligible {
			eligible++
		}
		n++
		if batch = append(batch, d); len(batch) == fleetBatch && !send() {
			break
		}
	}
	if err == nil && len(batch) > 0 {
		send()
	}
	close(work)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	for w := 1; w < workers; w++ {
		for e := range 2 {
			ws[0].on[e].merge(ws[w].on[e])
			ws[0].off[e].merge(ws[w].off[e])
		}
	}
	years := s.Years()
	on, off := s.newTally(), s.newTally()
	for e := range 2 {
		on.merge(ws[0].on[e])
		off.merge(ws[0].off[e])
	}
	return &FleetReport{
		From: s.from, To: s.to, Years: years, Releases: len(s.rels),
		Devices: n, Eligible: eligible,
		On: on.summary(years), Off: off.summary(years),
		EligibleOn:  ws[0].on[1].summary(years),
		EligibleOff: ws[0].off[1].summary(years),
	}, nil
}
