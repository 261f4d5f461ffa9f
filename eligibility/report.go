package eligibility

import (
	"bufio"
	"fmt"
	"io"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// A Report summarizes the verdicts on a fleet. It round-trips through
// encoding/json.
type Report struct {
	AsOf   hotpatch.Date `json:"asOf"`            // the day whose rules applied
	Stance Stance        `json:"stance"`          // how disputed questions were counted
	Month  string        `json:"month,omitempty"` // release month of the offers, "2026-05"

	// Devices evaluated, and how many of them got each status.
	Devices     int `json:"devices"`
	Eligible    int `json:"eligible"`
	NotEligible int `json:"notEligible"`
	Undecided   int `json:"unknown"`

	// This month's update (see Offer): devices that take it without a
	// restart or already run it, devices that restart for it, and devices
	// for which that is unknown.
	NoRestart      int `json:"noRestart"`
	Restart        int `json:"restart"`
	RestartUnknown int `json:"restartUnknown"`

	// Tracks counts devices by the policy they were evaluated under.
	Tracks []TrackCount `json:"tracks"`

	// Rules counts, per track and rule, the devices that failed the rule
	// or for which it was unknown, most failures first.
	Rules []RuleCount `json:"rules"`

	// Remedies counts, per remedy (rules of several tracks with the same
	// ID and remedy, such as "vbs", count together), the devices that fail
	// the rule and how many of them the remedy alone would make eligible,
	// most unlocked first.
	Remedies []Remedy `json:"remedies"`

	// Input describes the inventory the devices came from, if the caller
	// sets it (see Inventory.Summary).
	Input *InputSummary `json:"input,omitempty"`
}

// A TrackCount is the number of devices evaluated under one track's policy.
type TrackCount struct {
	Track       hotpatch.Track `json:"track"`
	Devices     int            `json:"devices"`
	Eligible    int            `json:"eligible"`
	NotEligible int            `json:"notEligible"`
	Undecided   int            `json:"unknown"`
}

// A RuleCount is how one rule fared across a fleet.
type RuleCount struct {
	Track    hotpatch.Track `json:"track"`
	Rule     string         `json:"rule"`
	Title    string         `json:"title"`
	Failed   int            `json:"failed"`
	Unknown  int            `json:"unknown"`
	Disputed int            `json:"disputed"` // of Failed and Unknown, how many were disputed
	Source   string         `json:"source"`
	URL      string         `json:"url,omitempty"`
}

// A Remedy is what fixing one rule's fact would do for a fleet: "enabling
// VBS on Devices devices makes Unlocks of them eligible". Unlocks is counted
// by evaluating each failing device again with the fact fixed (Rule.Fix).
type Remedy struct {
	Rule    string `json:"rule"`
	Remedy  string `json:"remedy"`
	Devices int    `json:"devices"` // devices that fail the rule
	Unlocks int    `json:"unlocks"` // of them, eligible once it is fixed
}

// WriteText writes the report for people: the counts, the rules that keep
// devices out ranked by devices affected, and the remedies ranked by the
// devices they would make eligible.
func (r *Report) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }

	p("Hotpatch eligibility as of %v (disputed questions: %v)\n", r.AsOf, stanceText(r.Stance))
	if in := r.Input; in != nil {
		p("\nInventory: %d rows read: %d devices, %d rejected\n", in.Rows, in.Devices, in.Rejected)
		for _, e := range in.Problems {
			p("  %v\n", e)
		}
		if n := in.Rejected - len(in.Problems); n > 0 {
			p("  ... and %d more\n", n)
		}
		if in.Err != "" {
			p("  reading stopped: %s\n", in.Err)
		}
	}

	p("\nDevices: %d\n", r.Devices)
	p("  eligible      %7d  %6s\n", r.Eligible, percent(r.Eligible, r.Devices))
	p("  not eligible  %7d  %6s\n", r.NotEligible, percent(r.NotEligible, r.Devices))
	p("  unknown       %7d  %6s\n", r.Undecided, percent(r.Undecided, r.Devices))

	if r.Month != "" {
		p("\nThis month's update (%s): %d without a restart (or already installed), %d with a restart, %d unknown\n",
			r.Month, r.NoRestart, r.Restart, r.RestartUnknown)
	}

	if len(r.Tracks) > 0 {
		p("\nBy track:            devices  eligible  not eligible  unknown\n")
		for _, t := range r.Tracks {
			p("  %-18s %8d  %8d  %12d  %7d\n", trackShort(t.Track), t.Devices, t.Eligible, t.NotEligible, t.Undecided)
		}
	}

	if len(r.Rules) > 0 {
		p("\nRules that keep devices out, by devices failing:\n")
		p("  %-12s %-12s %7s %8s %9s  %s\n", "track", "rule", "failed", "unknown", "disputed", "requirement [sources]")
		for _, rc := range r.Rules {
			p("  %-12s %-12s %7d %8d %9d  %s [%s]\n", trackShort(rc.Track), rc.Rule, rc.Failed, rc.Unknown, rc.Disputed, rc.Title, rc.Source)
		}
	}

	if len(r.Remedies) > 0 {
		p("\nBest single remedies:\n")
		for _, rm := range r.Remedies {
			p("  %s: %s — on %d %s, makes %d eligible\n",
				rm.Rule, rm.Remedy, rm.Devices, plural(rm.Devices, "device", "devices"), rm.Unlocks)
		}
	}
	return bw.Flush()
}

func stanceText(s Stance) string {
	switch s {
	case Strict:
		return "strict, counted as failing"
	case Lenient:
		return "lenient, counted as passing"
	}
	return "reported as unknown"
}

func percent(n, of int) string {
	if of == 0 {
		return ""
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(of))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func trackShort(t hotpatch.Track) string {
	switch t {
	case hotpatch.TrackWindows11:
		return "Windows 11"
	case hotpatch.TrackServer2025:
		return "Server 2025"
	case hotpatch.TrackServer2022:
		return "Server 2022"
	}
	return t.String()
}
