// Command simulate checks the promise of hotpatch against a fleet: it
// simulates every device's updates over a period, with hotpatch as each
// device's eligibility allows and with hotpatch off, and prints restarts per
// device-year and days from release to protection side by side.
//
// Usage:
//
//	go run ./examples/simulate [flags] [inventory.csv|inventory.json]
//
// With an inventory (the schema of eligibility.Inventory; samples in
// examples/fleet/testdata), each device is judged by the eligibility policy
// of its track as of -asof and simulated on that track's calendar:
//
//	go run ./examples/simulate examples/fleet/testdata/inventory.csv
//
// Without one, it simulates a synthetic fleet of -devices devices of which
// a share -eligible is eligible:
//
//	go run ./examples/simulate -devices 100000 -eligible 0.7 -years 3
//
// The period starts on -asof (today by default) unless -from says
// otherwise. When the catalog ends before that day, the output says so
// first: the months since are projected from the plan. -catalog merges
// newer releases.
//
// Devices are spread over the Autopatch rings Ring1, Ring2 and Ring3 as
// 1%, 9% and 90% [S18]. The -online pattern says when they are online:
// always, workdays (Monday to Friday), or mixed (80% on workdays only, and
// every device away 5% of days and 4% of weeks, at random per -seed).
//
// # JSON schema
//
// With -json it prints one JSON object per track simulated, one after the
// other:
//
//	track    the track, e.g. "windows11"
//	options  cadence.Options: missedBaseline, restart, outOfBandToHotpatch
//	online   the -online pattern
//	report   cadence.FleetReport: from, to, years, releases, devices,
//	         eligible, and on, off, eligibleOn, eligibleOff, each a
//	         cadence.Summary: restarts, unprotected, and the distributions
//	         restartsPerDeviceYear and daysToProtection (n, mean, p50, p90, p99)
//
// testdata/schema.golden lists every path with its JSON types;
// TestJSONSchema keeps it in sync (go test ./examples/simulate -run
// TestJSONSchema -update rewrites it).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/patchmodel/patchmodel/cadence"
	"github.com/patchmodel/patchmodel/cadence/cadencetest"
	"github.com/patchmodel/patchmodel/eligibility"
	"github.com/patchmodel/patchmodel/examples/internal/catalogflag"
	"github.com/patchmodel/patchmodel/examples/internal/cli"
	"github.com/patchmodel/patchmodel/hotpatch"
)

// main exits 1 when the inventory cannot be read to the end, in every
// output mode, and 2 on a usage error; stdout then stays empty (see
// examples/internal/cli).
func main() {
	os.Exit(cli.Run("simulate", os.Args[1:], os.Stdout, os.Stderr, run))
}

type config struct {
	from, to  hotpatch.Date
	asOf      hotpatch.Date
	online    string
	seed      uint64
	calendar  cadence.CalendarOptions
	options   cadence.Options
	timelines int
	json      bool
	workers   int
	devices   int
	eligible  float64
	behind    float64
	track     hotpatch.Track
	inventory string
	stance    eligibility.Stance
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fromText := fs.String("from", "", "first simulated `day`; devices start in the state -asof judged (default the -asof day)")
	years := fs.Int("years", 3, "length of the period in `years`")
	catalogFlags := catalogflag.Register(fs)
	stanceText := fs.String("disputed", "unknown", "how to count disputed eligibility questions: unknown (not eligible), strict or lenient")
	online := fs.String("online", "mixed", "when devices are online: always, workdays or mixed")
	seed := fs.Uint64("seed", 1, "seed of random absences and of the synthetic fleet")
	missed := fs.String("missed", "catch-up-baseline", "what a device off the baseline gets in a hotpatch month: catch-up-baseline [S7] or lcu-until-baseline [S1a–S1d]")
	restart := fs.String("restart", "at-deadline", "when devices restart: at-deadline or on-install")
	oobToHotpatch := fs.Bool("oob-to-hotpatch", false, "offer standard out-of-band updates to hotpatch devices too (UNCONFIRMED; off by default [S34])")
	unconfirmed := fs.Bool("unconfirmed", false, "apply catalog rows marked unconfirmed that change the calendar (e.g. the reported out-of-band hotpatch of 2026-07-18)")
	timelines := fs.Int("timelines", 0, "also print the timelines of the first `n` devices of each track")
	asJSON := fs.Bool("json", false, "print the fleet reports as JSON, one object per track")
	workers := fs.Int("workers", 0, "simulation goroutines (0: one per CPU)")
	devices := fs.Int("devices", 100000, "synthetic fleet: number of devices")
	eligible := fs.Float64("eligible", 0.7, "synthetic fleet: share of eligible devices")
	behind := fs.Float64("behind", 0.05, "synthetic fleet: share of devices off the baseline at the start")
	trackText := fs.String("track", "windows11", "synthetic fleet: track (windows11, server2025, server2022)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: simulate [flags] [inventory.csv|inventory.json]\n")
		fs.PrintDefaults()
	}
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return cli.Usage(fmt.Errorf("want at most one inventory file, got %d arguments", fs.NArg()))
	}
	c := config{online: *online, seed: *seed, timelines: *timelines, json: *asJSON, workers: *workers,
		devices: *devices, eligible: *eligible, behind: *behind, inventory: fs.Arg(0)}
	cat, err := c.loadCatalog(catalogFlags, *fromText)
	if err != nil {
		return err
	}
	if *years < 1 || *years > 50 {
		return fmt.Errorf("-years %d: want 1 to 50", *years)
	}
	c.to = hotpatch.Date{Year: c.from.Year + *years, Month: c.from.Month, Day: c.from.Day}.AddDays(-1)
	if err := c.stance.UnmarshalText([]byte(*stanceText)); err != nil {
		return err
	}
	if err := c.options.MissedBaseline.UnmarshalText([]byte(*missed)); err != nil {
		return err
	}
	if err := c.options.Restart.UnmarshalText([]byte(*restart)); err != nil {
		return err
	}
	if _, err := c.availability("x"); err != nil {
		return err
	}
	c.calendar.ApplyUnconfirmed = *unconfirmed
	c.options.OutOfBandToHotpatch = *oobToHotpatch
	if c.track, err = hotpatch.ParseTrack(*trackText); err != nil || c.track == hotpatch.TrackUnknown {
		return fmt.Errorf("-track %q: want windows11, server2025 or server2022", *trackText)
	}

	fleets, err := c.fleets(stderr)
	if err != nil {
		return err
	}
	c.warnStale(stdout, stderr, cat)
	if !c.json {
		fmt.Fprintf(stdout, "Simulated %v to %v; online: %s; missed baseline: %v; restart: %v\n",
			c.from, c.to, c.online, c.options.MissedBaseline, c.options.Restart)
	}
	for _, t := range hotpatch.Tracks() {
		if devs := fleets[t]; len(devs) > 0 {
			if err := c.simulate(stdout, t, devs); err != nil {
				return err
			}
		}
	}
	return nil
}

// loadCatalog sets the -asof day, the catalog the calendars and policies
// read (-catalog) and the first simulated day (-from, default -asof).
func (c *config) loadCatalog(f *catalogflag.Flags, fromText string) (*hotpatch.Catalog, error) {
	asOf, cat, err := f.Load()
	if err != nil {
		return nil, err
	}
	c.asOf, c.from, c.calendar.Catalog = asOf, asOf, cat
	if fromText != "" {
		if c.from, err = hotpatch.ParseDate(fromText); err != nil {
			return nil, err
		}
	}
	return cat, nil
}

// warnStale says first (on stderr with -json) when the catalog ends before
// the simulated period's last day that is not in the future (-asof): the
// months between are projected although releases came out.
func (c *config) warnStale(stdout, stderr io.Writer, cat *hotpatch.Catalog) {
	w := stdout
	if c.json {
		w = stderr
	}
	day := c.asOf
	if c.to.Before(day) {
		day = c.to
	}
	catalogflag.WarnStale(w, cat, day)
}

// fleets returns the devices to simulate, by track.
func (c *config) fleets(stderr io.Writer) (map[hotpatch.Track][]cadence.Device, error) {
	out := map[hotpatch.Track][]cadence.Device{}
	if c.inventory == "" {
		spec := cadencetest.FleetSpec{Devices: c.devices, Seed: c.seed, Eligible: c.eligible, Behind: c.behind}
		for d := range cadencetest.Fleet(spec) {
			d.Online, _ = c.availability(d.ID)
			out[c.track] = append(out[c.track], d)
		}
		return out, nil
	}
	f, err := os.Open(c.inventory)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	read := eligibility.ReadCSV
	if strings.HasSuffix(strings.ToLower(c.inventory), ".json") {
		read = eligibility.ReadJSON
	}
	inv := read(f)
	policies, err := eligibility.ForAll(c.asOf, eligibility.Options{Disputed: c.stance, Catalog: c.calendar.Catalog})
	if err != nil {
		return nil, err
	}
	rings := cadence.AutopatchRingsOn(c.asOf)
	for d := range cadence.Devices(inv.Devices(), policies) {
		t := eligibility.TrackOf(&d.Device)
		if t == hotpatch.TrackUnknown {
			continue // not a hotpatch OS: nothing to compare
		}
		d.Ring = rings[ringOf(d.ID)]
		d.Online, _ = c.availability(d.ID)
		out[t] = append(out[t], d)
	}
	if err := inv.Err(); err != nil {
		return nil, readFailed(c.inventory, inv, err)
	}
	if n := inv.Rejected(); n > 0 {
		fmt.Fprintf(stderr, "simulate: %d inventory rows rejected (see examples/fleet for details)\n", n)
	}
	return out, nil
}

// readFailed reports an inventory that could not be read to the end:
// nothing is simulated, since the fleet would lack the devices after the
// damage.
func readFailed(path string, inv *eligibility.Inventory, err error) error {
	if inv.Rows() == 0 {
		return fmt.Errorf("%s: %w", path, err)
	}
	return fmt.Errorf("%s: %w (nothing simulated: %d rows were read before it)", path, err, inv.Rows())
}

// ringOf spreads devices over Ring1, Ring2 and Ring3 as 1%, 9% and 90%, by
// a stable hash of the device ID, so a device keeps its ring from run to run.
func ringOf(id string) int {
	switch h := hashID(id) % 100; {
	case h < 1:
		return 1
	case h < 10:
		return 2
	}
	return 3
}

// availability returns the online pattern of device id.
func (c *config) availability(id string) (cadence.Availability, error) {
	seed := c.seed ^ hashID(id)
	switch c.online {
	case "always":
		return cadence.AlwaysOn, nil
	case "workdays":
		return cadence.Availability{WorkingDays: true}, nil
	case "mixed":
		return cadence.Availability{WorkingDays: seed%5 != 0, DayOff: 0.05, WeekOff: 0.04, Seed: seed}, nil
	}
	return cadence.Availability{}, fmt.Errorf("-online %q: want always, workdays or mixed", c.online)
}

// hashID is a stable hash (FNV-1a) of a device ID, so that a device's ring
// and absences depend only on its ID and the seed.
func hashID(id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return h.Sum64()
}

func (c *config) simulate(w io.Writer, t hotpatch.Track, devs []cadence.Device) error {
	cal, err := cadence.NewCalendar(t, c.calendar)
	if err != nil {
		return err
	}
	sim, err := cadence.NewSimulation(cal, c.from, c.to, c.options)
	if err != nil {
		return err
	}
	start := time.Now()
	rep, err := sim.Fleet(context.Background(), slices.Values(devs), cadence.FleetOptions{Workers: c.workers})
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	if c.json {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Track   hotpatch.Track       `json:"track"`
			Options cadence.Options      `json:"options"`
			Online  string               `json:"online"`
			Report  *cadence.FleetReport `json:"report"`
		}{t, c.options, c.online, rep})
	}
	fmt.Fprintf(w, "\n%v: %d devices, %d eligible; %d releases in %.2f years (simulated twice in %v)\n",
		t, rep.Devices, rep.Eligible, rep.Releases, rep.Years, elapsed.Round(time.Millisecond))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tmean\tp50\tp90\tp99\t")
	row := func(name string, d cadence.Distribution) {
		fmt.Fprintf(tw, "%s\t%.2f\t%.1f\t%.1f\t%.1f\t\n", name, d.Mean, d.P50, d.P90, d.P99)
	}
	row("restarts per device-year, hotpatch on", rep.On.RestartsPerDeviceYear)
	row("restarts per device-year, hotpatch off", rep.Off.RestartsPerDeviceYear)
	row("  eligible devices only, hotpatch on", rep.EligibleOn.RestartsPerDeviceYear)
	row("days to protection, hotpatch on", rep.On.DaysToProtection)
	row("days to protection, hotpatch off", rep.Off.DaysToProtection)
	row("  eligible devices only, hotpatch on", rep.EligibleOn.DaysToProtection)
	if err := tw.Flush(); err != nil {
		return err
	}
	if off := rep.Off.RestartsPerDeviceYear.Mean; off > 0 {
		fmt.Fprintf(w, "hotpatch removes %.0f%% of restarts for this fleet", 100*(1-rep.On.RestartsPerDeviceYear.Mean/off))
		if eoff := rep.EligibleOff.RestartsPerDeviceYear.Mean; eoff > 0 {
			fmt.Fprintf(w, ", %.0f%% for its eligible devices", 100*(1-rep.EligibleOn.RestartsPerDeviceYear.Mean/eoff))
		}
		fmt.Fprintln(w, " (the \"12 to 4\" claim [S2] is 67%)")
	}
	fmt.Fprintf(w, "not yet protected at the end: %d (device, release) pairs on, %d off\n", rep.On.Unprotected, rep.Off.Unprotected)
	for i := range min(c.timelines, len(devs)) {
		if err := printTimeline(w, sim, devs[i]); err != nil {
			return err
		}
	}
	return nil
}

func printTimeline(w io.Writer, sim *cadence.Simulation, d cadence.Device) error {
	tl, err := sim.Timeline(d)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n  %s (%s, eligible %v, behind %v): %d restarts\n", d.ID, d.Ring.Name, d.Eligible, d.Behind, tl.Restarts)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  release\tkind\tKB\taction\toffered\tinstalled\trestarted\tdays to protection")
	for r, o := range tl.All() {
		days := "-"
		if o.DaysToProtection >= 0 {
			days = fmt.Sprint(o.DaysToProtection)
		}
		fmt.Fprintf(tw, "  %v\t%v\t%s\t%v\t%s\t%s\t%s\t%s\n", r.Day, r.Kind, dash(r.KB.String()), o.Action,
			dash(o.Offered.String()), dash(o.Installed.String()), dash(o.Restarted.String()), days)
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
