// Command protect shows how vulnerability scanners get hotpatched Windows
// devices wrong, and the answer that Microsoft's per-CVE fix data gives.
//
//	go run ./examples/protect
//
// For each case (a CVE, a device build, the KBs installed) it prints three
// verdicts:
//
//   - "revision ≥ LCU": the check of scanners that use the fixed build of
//     Microsoft's CVE records (the month's cumulative update, e.g.
//     CVE-2025-59505 lessThan 10.0.26100.7171), which calls every hotpatched
//     device vulnerable;
//   - "revision ≥ lowest": the check of scanners that use the lowest fixed
//     build listed (NVD gives CVE-2025-59505 versionEndExcluding
//     10.0.26100.7092, the hotpatch's build), which also passes devices whose
//     hotpatch does not carry the fix;
//   - hotpatch/msrc's Index.Protected, which reads which KBs CVRF lists for
//     the CVE and product.
//
// The documents are real MSRC CVRF documents (from the public mirror
// github.com/p0w3rsh3ll/MSRC-data, cut to the CVEs shown), embedded in the
// program: it runs offline.
package main

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"os"
	"text/tabwriter"

	"github.com/patchmodel/patchmodel/hotpatch"
	"github.com/patchmodel/patchmodel/hotpatch/msrc"
)

//go:embed cvrf/*.xml
var documents embed.FS

func main() {
	if len(os.Args) > 1 {
		fmt.Fprintln(os.Stderr, "usage: protect\n\nprints, for real hotpatch cases, the scanners' verdicts beside the per-CVE answer")
		if os.Args[1] == "-h" || os.Args[1] == "-help" || os.Args[1] == "--help" {
			os.Exit(0)
		}
		os.Exit(2)
	}
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "protect:", err)
		os.Exit(1)
	}
}

type device struct {
	what      string
	track     hotpatch.Track
	build     string
	installed []hotpatch.KB
	cve       string
}

var cases = []device{
	{"Windows 11 24H2 on the November 2025 hotpatch", hotpatch.TrackWindows11, "26100.7092", []hotpatch.KB{5068966}, "CVE-2025-59505"},
	{"Server 2022 Azure Edition on the November 2022 hotpatch", hotpatch.TrackServer2022, "20348.1251", []hotpatch.KB{5019080}, "CVE-2022-37966"},
	{"Windows 11 24H2 on the December 2025 hotpatch", hotpatch.TrackWindows11, "26100.7392", []hotpatch.KB{5072014}, "CVE-2025-54100"},
	{"... and KB5074204 installed", hotpatch.TrackWindows11, "26100.7392", []hotpatch.KB{5072014, 5074204}, "CVE-2025-54100"},
	{"Windows 11 24H2 on the March 2026 hotpatch", hotpatch.TrackWindows11, "26100.7979", []hotpatch.KB{5079420}, "CVE-2026-25172"},
	{"... re-released hotpatch KB5084597", hotpatch.TrackWindows11, "26100.7982", []hotpatch.KB{5084597}, "CVE-2026-25172"},
}

func run(w io.Writer) error {
	x, err := loadIndex()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "CVE\tdevice\tbuild\trevision ≥ LCU\trevision ≥ lowest\tper-CVE answer\n")
	var why []string
	for _, c := range cases {
		b := hotpatch.MustParseBuild(c.build)
		fixes := x.Fixes(c.cve, msrc.Line{Track: c.track, Number: b.Number})
		lcu, lowest := bounds(fixes, b.Number)
		a := x.Protected(c.track, b, c.installed, c.cve)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.cve, c.what, c.build,
			bound(b, lcu), bound(b, lowest), a.Verdict())
		why = append(why, fmt.Sprintf("  %v (installed: %v)", a, c.installed))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nWhy:")
	for _, s := range why {
		fmt.Fprintln(w, s)
	}
	return nil
}

func loadIndex() (*msrc.Index, error) {
	names, err := fs.Glob(documents, "cvrf/*.xml")
	if err != nil {
		return nil, err
	}
	var docs []*msrc.Document
	for _, n := range names {
		data, err := documents.ReadFile(n)
		if err != nil {
			return nil, err
		}
		d, err := msrc.Parse(context.Background(), bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		docs = append(docs, d)
	}
	return msrc.NewIndex(docs, hotpatch.Embedded()), nil
}

// bounds returns the highest fixed build of a cumulative update (what CVE
// records give) and the lowest fixed build of any listed fix, on build
// number n.
func bounds(fixes []msrc.Fix, n uint32) (lcu, lowest hotpatch.Build) {
	for _, f := range fixes {
		if f.FixedBuild.Number != n {
			continue
		}
		if lowest.IsZero() || f.FixedBuild.Less(lowest) {
			lowest = f.FixedBuild
		}
		if !f.Hotpatch && lcu.Less(f.FixedBuild) {
			lcu = f.FixedBuild
		}
	}
	return lcu, lowest
}

func bound(b, fixed hotpatch.Build) string {
	if fixed.IsZero() {
		return "no bound"
	}
	if b.Less(fixed) {
		return "vulnerable (< " + fixed.Short() + ")"
	}
	return "patched (≥ " + fixed.Short() + ")"
}
