// Command patchdiff prints which functions differ between two versions of
// an executable image.
//
// Usage:
//
//	go run ./examples/patchdiff [-json] [-no-symbols] [-top N] [-explain] [-hotpatch] OLD NEW
//
// Without -json it prints a summary in the manner of git diff --stat: the
// count of functions per kind, the most-changed functions, and the data
// sections whose bytes changed. With -json it prints the full
// binarydiff.Result (schema in the binarydiff package documentation).
//
// OLD and NEW may be PE images (x86-64, x86, Arm64) or ELF x86-64 files
// (executables, shared objects, relocatable objects). With -hotpatch it
// also assesses whether the change can be applied in memory by function
// replacement (binarydiff.Result.Hotpatchability) and prints the verdict,
// the findings that block it and the warnings; with -json the assessment
// is the top-level "hotpatch" member beside the result's.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"

	"github.com/patchmodel/patchmodel/binarydiff"
)

func main() {
	jsonOut := flag.Bool("json", false, "print the full result as JSON")
	noSyms := flag.Bool("no-symbols", false, "ignore function names from exports and symbols")
	top := flag.Int("top", 20, "number of changed functions to list")
	explain := flag.Bool("explain", false, "print an instruction-level diff of each listed changed function")
	hotpatch := flag.Bool("hotpatch", false, "assess whether the change can be hotpatched (in-memory function replacement)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: patchdiff [-json] [-no-symbols] [-top N] [-explain] [-hotpatch] OLD NEW\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, flag.Arg(0), flag.Arg(1), *jsonOut, *noSyms, *top, *explain, *hotpatch); err != nil {
		fmt.Fprintln(os.Stderr, "patchdiff:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, oldPath, newPath string, jsonOut, noSyms bool, top int, explain, hotpatch bool) error {
	old, new, err := openBoth(ctx, oldPath, newPath)
	if err != nil {
		return err
	}
	defer old.Close()
	defer new.Close()
	res, err := binarydiff.Diff(ctx, old, new, binarydiff.Options{IgnoreSymbols: noSyms})
	if err != nil {
		return err
	}
	var a *binarydiff.Assessment
	if hotpatch {
		a = res.Hotpatchability(old, new)
	}
	if jsonOut {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(withWarnings(res, a, old, new)) // the result's members stay at the top level
	}
	printWarnings(w, old, new)
	printStat(w, old, new, res, top, explain)
	if a != nil {
		printHotpatch(w, a)
	}
	return nil
}

// openBoth opens the two images at once. Each Open decodes on every
// core, but reads the image's tables on one: the other image's decoding
// fills that time (on the 2-core development VM, 20-70 ms of about a
// second, for some 10 MB more at the peak).
func openBoth(ctx context.Context, oldPath, newPath string) (old, new *binarydiff.Binary, err error) {
	var oldErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		old, oldErr = binarydiff.Open(ctx, oldPath)
	}()
	new, err = binarydiff.Open(ctx, newPath)
	<-done
	if err = cmp.Or(oldErr, err); err != nil {
		for _, b := range []*binarydiff.Binary{old, new} {
			if b != nil {
				b.Close()
			}
		}
		return nil, nil, err
	}
	return old, new, nil
}

// printHotpatch prints an assessment: the verdict, what the images are,
// the findings and the warnings.
func printHotpatch(w io.Writer, a *binarydiff.Assessment) {
	fmt.Fprintf(w, "\nhotpatch: %s (%d findings, %d warnings)\n", a.Verdict, len(a.Findings), len(a.Warnings))
	for _, side := range []struct {
		name string
		f    *binarydiff.ImageFacts
	}{{"old", a.Old}, {"new", a.New}} {
		if f := side.f; f != nil {
			cfg := f.LoadConfig != nil && f.LoadConfig.CFG()
			fmt.Fprintf(w, "  %s image: %v machine %#x, %d imports, %d exports, CFG %v, CHPE %v, hotpatch image %v\n",
				side.name, f.Format, f.Machine, len(f.Imports), len(f.Exports), cfg, f.CHPE, f.IsHotpatch())
		}
	}
	for _, f := range a.Findings {
		fmt.Fprintf(w, "  %s\n", f)
	}
	if len(a.Warnings) > 0 {
		fmt.Fprintf(w, "warnings:\n")
	}
	for _, f := range a.Warnings {
		fmt.Fprintf(w, "  %s\n", f)
	}
}

func printStat(w io.Writer, old, new *binarydiff.Binary, res *binarydiff.Result, top int, explain bool) {
	s := res.Summary
	fmt.Fprintf(w, "functions: %d identical, %d moved, %d changed, %d added, %d removed\n",
		s.Identical, s.Moved, s.Changed, s.Added, s.Removed)
	var changed []binarydiff.FunctionDiff
	for _, fd := range res.Functions {
		if fd.Kind != binarydiff.Identical && fd.Kind != binarydiff.Moved {
			changed = append(changed, fd)
		}
	}
	// Most changed first: added and removed (similarity 0), then by
	// similarity, larger functions first among equals.
	slices.SortStableFunc(changed, func(a, b binarydiff.FunctionDiff) int {
		if a.Similarity != b.Similarity {
			if a.Similarity < b.Similarity {
				return -1
			}
			return 1
		}
		return int(size(b)) - int(size(a))
	})
	if len(changed) > top {
		fmt.Fprintf(w, "\nmost changed (%d of %d):\n", top, len(changed))
		changed = changed[:top]
	} else if len(changed) > 0 {
		fmt.Fprintf(w, "\nchanged functions:\n")
	}
	for _, fd := range changed {
		fmt.Fprintf(w, "  %-8s %-40s %s\n", fd.Kind, label(fd), detail(fd))
		if explain && fd.Kind == binarydiff.Changed {
			if e, err := binarydiff.Explain(old, new, fd); err == nil {
				for _, line := range strings.Split(strings.TrimRight(e.String(), "\n"), "\n") {
					fmt.Fprintf(w, "      %s\n", line)
				}
			}
		}
	}
	var secs []binarydiff.SectionDiff
	for _, sd := range res.Sections {
		if sd.Kind == binarydiff.Changed || sd.Kind == binarydiff.Added || sd.Kind == binarydiff.Removed {
			secs = append(secs, sd)
		}
	}
	if len(secs) > 0 {
		fmt.Fprintf(w, "\ndata sections:\n")
	}
	for _, sd := range secs {
		switch sd.Kind {
		case binarydiff.Changed:
			fmt.Fprintf(w, "  %-10s changed  %d bytes in %d ranges\n", sd.Name, sd.ChangedBytes, len(sd.Changed))
		default:
			fmt.Fprintf(w, "  %-10s %s\n", sd.Name, sd.Kind)
		}
	}
}

func size(fd binarydiff.FunctionDiff) uint32 {
	if fd.New != nil {
		return fd.New.Size
	}
	return fd.Old.Size
}

func label(fd binarydiff.FunctionDiff) string {
	ref := fd.New
	if ref == nil {
		ref = fd.Old
	}
	if ref.Name != "" {
		return ref.Name
	}
	return fmt.Sprintf("sub_%x", ref.RVA)
}

func detail(fd binarydiff.FunctionDiff) string {
	switch fd.Kind {
	case binarydiff.Added:
		return fmt.Sprintf("+%d bytes at %#x", fd.New.Size, fd.New.RVA)
	case binarydiff.Removed:
		return fmt.Sprintf("-%d bytes at %#x", fd.Old.Size, fd.Old.RVA)
	}
	return fmt.Sprintf("%#x -> %#x  %d -> %d bytes  similarity %.3f (%s)",
		fd.Old.RVA, fd.New.RVA, fd.Old.Size, fd.New.Size, fd.Similarity, fd.Pass)
}
