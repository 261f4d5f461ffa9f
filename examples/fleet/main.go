// Command fleet reads a device inventory and reports which devices receive
// Windows hotpatches, what keeps the others out, and which single remedies
// would help most.
//
// Usage:
//
//	go run ./examples/fleet [flags] inventory.csv|inventory.json
//
// A file ending in .json is read as JSON, anything else as CSV; see
// eligibility.Inventory for the schema. Samples are in testdata:
//
//	go run ./examples/fleet examples/fleet/testdata/inventory.csv
//	go run ./examples/fleet -json examples/fleet/testdata/inventory.json
//	go run ./examples/fleet -rules
//
// The verdicts are for -asof, today by default. When the embedded catalog
// ends before that day, the report says so first, and the baseline rule
// answers unknown for builds it cannot place; -catalog merges newer
// releases (a JSON array of hotpatch.Update).
//
// # JSON schema
//
// With -json it prints the fleet report, the JSON encoding of an
// eligibility.Report (whose field documentation defines each member): asOf,
// month, stance, device counts (devices, eligible, notEligible, unknown,
// restart, noRestart, restartUnknown), tracks[] (counts per track), rules[]
// (failures per rule, with its source title and URL), remedies[] (what one
// change would unlock) and input (rows read, rejected, and the problems
// with their line and column). With -verdicts it prints instead
//
//	{"report": <the report>, "devices": [<eligibility.Explanation>...]}
//
// where each device's explanation gives its status, stance, track, asOf,
// the result of every rule (outcome, reason, remedy, source, title, url)
// and thisMonth, the update it is offered. Dates are "YYYY-MM-DD" strings;
// statuses, stances and outcomes are strings. testdata/schema.golden lists
// every path with its JSON types; TestJSONSchema keeps it in sync (go test
// ./examples/fleet -run TestJSONSchema -update rewrites it).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/patchmodel/patchmodel/eligibility"
	"github.com/patchmodel/patchmodel/examples/internal/catalogflag"
	"github.com/patchmodel/patchmodel/examples/internal/cli"
	"github.com/patchmodel/patchmodel/hotpatch"
)

// main exits 1 when the inventory cannot be read to the end, in every
// output mode, and 2 on a usage error; stdout then stays empty (see
// examples/internal/cli).
func main() {
	os.Exit(cli.Run("fleet", os.Args[1:], os.Stdout, os.Stderr, run))
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fleet", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	catalogFlags := catalogflag.Register(fs)
	stanceText := fs.String("disputed", "unknown", "how to count disputed questions: unknown, strict or lenient")
	verdicts := fs.Bool("verdicts", false, "also print every device's verdict and this month's offer")
	workers := fs.Int("workers", 0, "evaluation goroutines (0: one per CPU)")
	rules := fs.Bool("rules", false, "print every version of every rule, with dates and sources, and exit")
	verbose := fs.Bool("v", false, "also list the sources the report or -rules cites, with titles and URLs")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: fleet [flags] inventory.csv|inventory.json\n       fleet -rules\n")
		fs.PrintDefaults()
	}
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if *rules {
		printRules(stdout)
		if *verbose {
			return writeSources(stdout, ruleSources())
		}
		return nil
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return cli.Usage(fmt.Errorf("want one inventory file, got %d arguments", fs.NArg()))
	}
	asOf, cat, err := catalogFlags.Load()
	if err != nil {
		return err
	}
	var stance eligibility.Stance
	if err := stance.UnmarshalText([]byte(*stanceText)); err != nil {
		return err
	}
	policies, err := eligibility.ForAll(asOf, eligibility.Options{Disputed: stance, Catalog: cat})
	if err != nil {
		return err
	}

	path := fs.Arg(0)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	read := eligibility.ReadCSV
	if strings.HasSuffix(strings.ToLower(path), ".json") {
		read = eligibility.ReadJSON
	}
	inv := read(f)
	if !*asJSON && catalogflag.WarnStale(stdout, cat, asOf) {
		fmt.Fprintln(stdout)
	}

	var explained []eligibility.Explanation
	opts := eligibility.FleetOptions{Workers: *workers}
	if *verdicts {
		opts.Verdict = func(v *eligibility.Verdict) {
			if *asJSON {
				explained = append(explained, v.Explain())
				return
			}
			o := v.Offer()
			fmt.Fprintf(stdout, "%v\n    this month: %s\n", v, o.Why)
		}
	}
	report, err := eligibility.Fleet(context.Background(), policies, inv.Devices(), opts)
	if err != nil {
		return err
	}
	report.Input = inv.Summary()
	if err := inv.Err(); err != nil {
		return readFailed(path, inv, err)
	}

	if *asJSON {
		// The note goes to stderr, and only with a report: stdout is JSON.
		catalogflag.WarnStale(stderr, cat, asOf)
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if *verdicts {
			return enc.Encode(struct {
				Report  *eligibility.Report       `json:"report"`
				Devices []eligibility.Explanation `json:"devices"`
			}{report, explained})
		}
		return enc.Encode(report)
	}
	if *verdicts {
		fmt.Fprintln(stdout)
	}
	if err := report.WriteText(stdout); err != nil {
		return err
	}
	if *verbose {
		return writeSources(stdout, reportSources(report))
	}
	return nil
}

// readFailed reports an inventory that could not be read to the end: no
// report is printed, since it would leave out the devices after the damage.
func readFailed(path string, inv *eligibility.Inventory, err error) error {
	if inv.Rows() == 0 {
		return fmt.Errorf("%s: %w", path, err)
	}
	return fmt.Errorf("%s: %w (no report: %d rows were read before it)", path, err, inv.Rows())
}

// printRules prints the rule tables: which conditions applied when, and
// where they come from.
func printRules(w io.Writer) {
	for _, t := range hotpatch.Tracks() {
		fmt.Fprintf(w, "%v\n", t)
		for _, r := range eligibility.Rules(t) {
			from, until := r.From.String(), r.Until.String()
			if until == "" {
				until = "now"
			}
			fmt.Fprintf(w, "  %-11s %s – %-10s  %s [%s]\n", r.ID, from, until, r.Title, r.Source)
			if r.Dispute != "" {
				fmt.Fprintf(w, "  %-11s disputed: %s\n", "", r.Dispute)
			}
		}
		fmt.Fprintf(w, "  %-11s always       on the latest baseline release, from the release catalog\n\n", eligibility.BaselineRule)
	}
}
