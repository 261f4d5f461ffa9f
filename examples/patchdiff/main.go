// Command patchdiff prints which functions differ between two versions of
// an executable image.
//
// Usage:
//
//	go run ./examples/patchdiff [-json [-all]] [-no-symbols] [-top N] [-explain] [-hotpatch [-v]] OLD NEW
//
// Without -json it prints a summary in the manner of git diff --stat: the
// count of functions per kind, the most-changed functions, and the data
// sections whose bytes changed.
//
// OLD and NEW may be PE images (x64, x86, arm64) or ELF x86-64 files
// (executables, shared objects, relocatable objects). With -hotpatch it
// also assesses whether the change can be applied in memory by function
// replacement (binarydiff.Result.Hotpatchability) and prints the verdict,
// the findings that block it and the warnings.
//
// It exits 0 on success and for -h, 1 when an image cannot be read or
// diffed, 2 on a usage error.
//
// # JSON schema
//
// With -json it prints one object, the JSON encoding of a
// binarydiff.Result (whose field documentation defines each member):
//
//	old, new    binarydiff.ImageInfo: format, architecture, entry, image base, counts
//	functions   []binarydiff.FunctionDiff: kind, old and new (name, rva, size),
//	            similarity, pass; only the functions that are not identical,
//	            unless -all is given
//	sections    []binarydiff.SectionDiff: each section's kind and changed byte ranges
//	summary     binarydiff.Summary: functions per kind, identical ones included
//	hotpatch    with -hotpatch, a binarydiff.Assessment: verdict, reason,
//	            blockers, undecided findings, warnings, allowed changes,
//	            counts per rule, the facts of both images, padding
//	parse       per image (old, new): every parse warning, and why the image
//	            is degraded when damage cost it most of its functions
//
// Each changed function carries "cause" (code, callee, data) and "refs"
// (the callees and data references that differ); with -explain also
// "explain" (lines, data, callees): the evidence for every cause.
//
// Kinds, passes, verdicts and rules are strings; addresses (rva) and sizes
// are numbers. testdata/schema.golden lists every path with its JSON
// types; TestJSONSchema keeps it in sync with the output (go test
// ./examples/patchdiff -run TestJSONSchema -update rewrites it).
package main

import (
	"cmp"
	"context"
	"debug/elf"
	"debug/pe"
	"encoding/json"
	"errors"
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
	os.Exit(cli(os.Args[1:], os.Stdout, os.Stderr))
}

// config holds the command's flags.
type config struct {
	json      bool // print the result as JSON
	all       bool // with json: list identical functions too
	noSymbols bool // ignore function names
	top       int  // changed functions to list in the text summary
	explain   bool // instruction-level diff of each listed changed function
	hotpatch  bool // assess hotpatchability
	verbose   bool // with hotpatch: list every finding
}

// cli runs the command with args and returns its exit status: 0 on
// success and for -h, 1 when the diff fails, 2 on a usage error.
func cli(args []string, stdout, stderr io.Writer) int {
	var c config
	fs := flag.NewFlagSet("patchdiff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&c.json, "json", false, "print the result as JSON (schema in the package documentation)")
	fs.BoolVar(&c.all, "all", false, "with -json, list identical functions too (by default only the others)")
	fs.BoolVar(&c.noSymbols, "no-symbols", false, "ignore function names from exports and symbols")
	fs.IntVar(&c.top, "top", 20, "number of changed functions to list")
	fs.BoolVar(&c.explain, "explain", false, "print an instruction-level diff of each listed changed function")
	fs.BoolVar(&c.hotpatch, "hotpatch", false, "assess whether the change can be hotpatched (in-memory function replacement)")
	fs.BoolVar(&c.verbose, "v", false, "with -hotpatch, list every finding (the text report shows 5 per rule)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: patchdiff [-json [-all]] [-no-symbols] [-top N] [-explain] [-hotpatch [-v]] OLD NEW\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) { // fs has printed the usage, as every example does
			return 0
		}
		return 2
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, stdout, fs.Arg(0), fs.Arg(1), c); err != nil {
		fmt.Fprintln(stderr, "patchdiff:", err)
		return 1
	}
	return 0
}

func run(ctx context.Context, w io.Writer, oldPath, newPath string, c config) error {
	old, new, err := openBoth(ctx, oldPath, newPath)
	if err != nil {
		return err
	}
	defer old.Close()
	defer new.Close()
	res, err := binarydiff.Diff(ctx, old, new, binarydiff.Options{IgnoreSymbols: c.noSymbols})
	if err != nil {
		return err
	}
	var a *binarydiff.Assessment
	if c.hotpatch {
		if a, err = res.HotpatchabilityContext(ctx, old, new); err != nil {
			return err
		}
	}
	if c.json {
		if !c.all {
			res = withoutIdentical(res)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		// The result's members stay at the top level.
		return enc.Encode(jsonOutput{explained(old, new, res, c.explain), a, parseOf(old, new)})
	}
	printWarnings(w, old, new)
	printStat(w, old, new, res, c.top, c.explain)
	if a != nil {
		writeHotpatch(w, a, c.verbose)
	}
	return nil
}

// withoutIdentical returns a shallow copy of res whose Functions leave out
// the identical ones (most of a typical update, and most of the JSON); its
// Summary still counts them.
func withoutIdentical(res *binarydiff.Result) *binarydiff.Result {
	r := *res
	r.Functions = slices.DeleteFunc(slices.Clone(res.Functions), func(fd binarydiff.FunctionDiff) bool {
		return fd.Kind == binarydiff.Identical
	})
	return &r
}

// machineName names an image's machine as Windows does (x64, x86, arm64),
// or an ELF machine as debug/elf does, or else gives its number.
func machineName(format binarydiff.Format, machine uint16) string {
	if format == binarydiff.FormatELF {
		return strings.TrimPrefix(elf.Machine(machine).String(), "EM_")
	}
	switch machine {
	case pe.IMAGE_FILE_MACHINE_AMD64:
		return "x64"
	case pe.IMAGE_FILE_MACHINE_I386:
		return "x86"
	case pe.IMAGE_FILE_MACHINE_ARM64:
		return "arm64"
	case pe.IMAGE_FILE_MACHINE_ARMNT:
		return "arm"
	}
	return fmt.Sprintf("machine %#x", machine)
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

func printStat(w io.Writer, old, new *binarydiff.Binary, res *binarydiff.Result, top int, explain bool) {
	s := res.Summary
	fmt.Fprintf(w, "functions: %d identical, %d moved, %d changed, %d added, %d removed; %d changed by data only\n",
		s.Identical, s.Moved, s.Changed, s.Added, s.Removed, s.DataOnly)
	printChanges(w, old, new, res, top, explain)
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
