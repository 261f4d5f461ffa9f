// Command calendar prints a year of the hotpatch calendar: each month's
// Patch Tuesday, whether it is a baseline (restart) or hotpatch (no restart)
// month on each hotpatch track, and the KB the catalog records, if any.
//
//	go run ./examples/calendar 2026
//	go run ./examples/calendar -track server2022 -unconfirmed 2024
//
// The year defaults to that of -asof (today, Pacific time). Months the
// catalog does not record yet are projected from the quarterly rule
// (baselines in January, April, July and October), and their notes say so;
// when the catalog ends before -asof, a first line says so too, and
// -catalog merges newer releases. Catalog rows marked unconfirmed that would
// change a month, such as the third-party report of an out-of-band hotpatch
// on 2026-07-18, are left out unless -unconfirmed is given, and are named in
// the notes.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/patchmodel/patchmodel/cadence"
	"github.com/patchmodel/patchmodel/examples/internal/catalogflag"
	"github.com/patchmodel/patchmodel/examples/internal/cli"
	"github.com/patchmodel/patchmodel/hotpatch"
)

func main() {
	trackFlag := flag.String("track", "", "one track to print (windows11, server2025, server2022); default all")
	unconfirmed := flag.Bool("unconfirmed", false, "apply catalog rows marked unconfirmed that change the calendar")
	catalogFlags := catalogflag.Register(flag.CommandLine)
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: calendar [-track t] [-unconfirmed] [year]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	asOf, cat, err := catalogFlags.Load()
	if err != nil {
		fmt.Fprintln(os.Stderr, "calendar:", err)
		os.Exit(1)
	}
	year := asOf.Year
	if flag.NArg() > 1 {
		flag.Usage()
		os.Exit(2)
	}
	if flag.NArg() == 1 {
		y, err := strconv.Atoi(flag.Arg(0))
		if err != nil || y < 1 || y > 9999 {
			fmt.Fprintf(os.Stderr, "calendar: year %q: want a number from 1 to 9999\n", flag.Arg(0))
			os.Exit(2)
		}
		year = y
	}
	tracks := hotpatch.Tracks()
	if *trackFlag != "" {
		t, err := hotpatch.ParseTrack(*trackFlag)
		if err != nil || t == hotpatch.TrackUnknown {
			fmt.Fprintf(os.Stderr, "calendar: unknown track %q\n", *trackFlag)
			os.Exit(2)
		}
		tracks = []hotpatch.Track{t}
	}
	// The calendar is printed whole or not at all (examples/internal/cli).
	var out bytes.Buffer
	catalogflag.WarnStale(&out, cat, asOf)
	err = run(&out, year, tracks, cadence.CalendarOptions{ApplyUnconfirmed: *unconfirmed, Catalog: cat})
	os.Exit(cli.Exit("calendar", err, &out, os.Stdout, os.Stderr))
}

func run(w io.Writer, year int, tracks []hotpatch.Track, opts cadence.CalendarOptions) error {
	from := hotpatch.Date{Year: year, Month: time.January, Day: 1}
	to := hotpatch.Date{Year: year, Month: time.December, Day: 31}
	for n, t := range tracks {
		cal, err := cadence.NewCalendar(t, opts)
		if err != nil {
			return err
		}
		rs, err := cal.Releases(from, to)
		if err != nil {
			return err
		}
		if n > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%v — %d\n", t, year)
		var table bytes.Buffer
		tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "day\trelease (PT)\tkind\trestart\tKB\tbuild\tLCU instead\tfrom\tnotes")
		var notes []string
		for r := range rs {
			fmt.Fprintf(tw, "%v\t%s\t%s\t%s\t%s\t%s\t%s\t%v\t%s\n",
				r.Day, releaseTime(r), kind(r), yesNo(r.Restart), orDash(r.KB.String()),
				orDash(r.Build.Short()), orDash(r.LCU.String()), r.Origin, marks(r, &notes))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for line := range strings.Lines(table.String()) {
			fmt.Fprintln(w, strings.TrimRight(line, " \n"))
		}
		for i, s := range notes {
			fmt.Fprintf(w, "  [%d] %s\n", i+1, s)
		}
	}
	return nil
}

func releaseTime(r cadence.Release) string {
	if r.Kind == hotpatch.KindOutOfBand {
		return "out of band"
	}
	return r.Time().Format("Mon 15:04 MST")
}

func kind(r cadence.Release) string {
	if r.Unplanned() {
		return "Baseline (unplanned)"
	}
	return r.Kind.String()
}

// marks numbers the release's unconfirmed text and notes as footnotes.
func marks(r cadence.Release, notes *[]string) string {
	var refs []string
	add := func(s string) {
		*notes = append(*notes, s)
		refs = append(refs, fmt.Sprintf("[%d]", len(*notes)))
	}
	if r.Unconfirmed != "" {
		add("UNCONFIRMED: " + r.Unconfirmed)
	}
	if r.Note != "" {
		add(r.Note)
	}
	return strings.Join(refs, " ")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
