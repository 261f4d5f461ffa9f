// Quickstart is a newcomer's first run of patchmodel: it parses Windows
// builds (from the command line, or built-in samples), says which release
// each is, looks it up in the catalog of real hotpatch releases, and shows
// why "revision ≥ fixed revision" is the wrong security check for a
// hotpatched machine; it evaluates two devices against the hotpatch rules,
// prints this year's calendar, and cross-builds two versions of a small
// program for Windows to diff them function by function and ask whether the
// change could be hotpatched.
//
//	go run ./examples/quickstart
//	go run ./examples/quickstart 10.0.26100.4851 26100.32772 20348.3989
//	go run ./examples/quickstart -asof 2026-05-20
//
// The verdicts and the calendar are for -asof, today by default; when the
// catalog ends before that day, the first line says so (-catalog merges
// newer releases).
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/patchmodel/patchmodel/cadence"
	"github.com/patchmodel/patchmodel/eligibility"
	"github.com/patchmodel/patchmodel/examples/internal/catalogflag"
	"github.com/patchmodel/patchmodel/hotpatch"
)

func main() {
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: quickstart [-asof day] [-catalog file] [build ...]\n")
		flag.PrintDefaults()
	}
	catalogFlags := catalogflag.Register(flag.CommandLine)
	flag.Parse() // -h exits 0, a bad flag 2
	builds, err := buildArgs(flag.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(2)
	}
	asOf, cat, err := catalogFlags.Load()
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
	catalogflag.WarnStale(os.Stdout, cat, asOf)
	if err := tour(cat, asOf, builds); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// buildArgs returns the builds to describe: the command line's, which must
// all parse (a typo is an error before anything is printed), or samples,
// one of them malformed to show the error.
func buildArgs(args []string) ([]string, error) {
	if len(args) == 0 {
		return []string{"10.0.26100.4851", "26100.4946", "26200.7092", "26100.32772", "20348.3989", "26100.4900", "10.0.abc"}, nil
	}
	for _, s := range args {
		if _, err := hotpatch.ParseBuild(s); err != nil {
			return nil, err
		}
	}
	return args, nil
}

// tour prints the sections. A section that fails ends the tour with its
// error; the sections before it stand.
func tour(cat *hotpatch.Catalog, asOf hotpatch.Date, builds []string) error {
	section("Builds and the catalog")
	for _, s := range builds {
		describe(cat, s)
	}
	section("Hotpatch-aware security level")
	protection(cat)
	section("Device verdicts")
	verdicts(cat, asOf)
	section(fmt.Sprintf("The %d calendar (Windows 11)", asOf.Year))
	calendar(cat, asOf.Year)
	section("What a patch changed, function by function")
	if err := diff(); err != nil {
		return fmt.Errorf("diff: %w", err)
	}
	return nil
}

func section(title string) { fmt.Printf("\n== %s ==\n", title) }

func describe(cat *hotpatch.Catalog, s string) {
	b, err := hotpatch.ParseBuild(s)
	if err != nil {
		fmt.Printf("%-14s %v\n", s, err)
		return
	}
	u, err := cat.ByBuild(b)
	if err != nil {
		fmt.Printf("%-14s %-38s not in the catalog\n", b.Short(), releases(b, nil))
		return
	}
	restart := "no restart"
	if u.Restart {
		restart = "restart"
	}
	fmt.Printf("%-14s %-38s %v %-8v %v, %s\n", b.Short(), releases(b, u.Tracks), u.KB, u.Kind, u.Released, restart)
}

// releases names the releases build b can be: on a server track only the
// server release, on a client track only the client one, else both.
func releases(b hotpatch.Build, tracks []hotpatch.Track) string {
	var names []string
	for _, e := range []hotpatch.Edition{hotpatch.EditionEnterprise, hotpatch.EditionServerDatacenter} {
		if len(tracks) > 0 && !slices.ContainsFunc(tracks, func(t hotpatch.Track) bool { return t.Server() == e.IsServer() }) {
			continue
		}
		if r, err := b.Release(e); err == nil {
			names = append(names, r.String())
		}
	}
	if len(names) == 0 {
		return "unknown release"
	}
	return strings.Join(names, " / ")
}

func protection(c *hotpatch.Catalog) {
	have := hotpatch.MustParseBuild("26100.4851")  // August 2025 hotpatch
	fixed := hotpatch.MustParseBuild("26100.4946") // August 2025 cumulative update
	ok, _ := c.Protected(have, fixed)
	fmt.Printf("A device at %s, a fix shipped in %s:\n", have.Short(), fixed.Short())
	fmt.Printf("  revision check says protected: %v\n", have.Compare(fixed) >= 0)
	fmt.Printf("  catalog says protected:        %v (both carry the August 2025 security fixes)\n", ok)
	gap := hotpatch.MustParseBuild("26100.4900")
	ok, err := c.Protected(gap, fixed)
	fmt.Printf("  a build the catalog lacks, %s: %v (%v)\n", gap.Short(), ok, err)
}

// verdicts evaluates two devices as of asOf (-asof, today by default). The
// ready one runs the newest baseline the catalog holds on that day; past
// the catalog its baseline finding is unknown, and says why.
func verdicts(cat *hotpatch.Catalog, asOf hotpatch.Date) {
	policy, err := eligibility.NewPolicy(hotpatch.TrackWindows11, asOf, eligibility.Options{Catalog: cat})
	if err != nil {
		fmt.Println(err)
		return
	}
	baseline, err := cat.Latest(hotpatch.TrackWindows11, hotpatch.KindBaseline, asOf)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("as of %v:\n", asOf)
	ready := hotpatch.Device{
		ID: "LAPTOP-7", Build: baseline.Build(),
		Edition: hotpatch.EditionEnterprise, Arch: hotpatch.ArchX64,
		VBS: hotpatch.VBSRunning, License: hotpatch.LicenseE5,
		Management: hotpatch.ManagementIntune, HotpatchPolicy: hotpatch.True,
	}
	gaps := ready
	gaps.ID, gaps.Arch, gaps.VBS = "SURFACE-3", hotpatch.ArchArm64, hotpatch.VBSConfigured // CHPE state unknown
	for _, d := range []hotpatch.Device{ready, gaps} {
		v := policy.Evaluate(d)
		fmt.Println(v.String())
		for _, r := range v.Results() {
			if r.Outcome != eligibility.Pass {
				fmt.Printf("    %-10s %-7v %s\n", r.Rule, r.Outcome, r.Reason)
			}
		}
		o := v.Offer()
		kb := o.Update.KB.String()
		if kb == "" {
			kb = "update not in the catalog"
		}
		fmt.Printf("    %s: %s, restart %v — %s\n", o.Month, kb, o.Restart, o.Why)
	}
}

func calendar(cat *hotpatch.Catalog, year int) {
	cal, err := cadence.NewCalendar(hotpatch.TrackWindows11, cadence.CalendarOptions{Catalog: cat})
	if err != nil {
		fmt.Println(err)
		return
	}
	releases, err := cal.Releases(hotpatch.Date{Year: year, Month: time.January, Day: 1}, hotpatch.Date{Year: year, Month: time.December, Day: 31})
	if err != nil {
		fmt.Println(err)
		return
	}
	for r := range releases {
		restart := "no restart"
		if r.Restart {
			restart = "restart"
		}
		kb := r.KB.String()
		if kb == "" {
			kb = "(projected)"
		}
		fmt.Printf("%v  %-12v %-10s %s\n", r.Day, r.Kind, restart, kb)
	}
}
