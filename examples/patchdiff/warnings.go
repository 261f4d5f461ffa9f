package main

import (
	"fmt"
	"io"

	"github.com/patchmodel/patchmodel/binarydiff"
)

// shownWarnings is how many warnings per image the text output lists;
// -json carries them all.
const shownWarnings = 5

// printWarnings prints, per image that has any, whether it is degraded
// (it lost most of its functions to damage, so its Removed or Added
// counts say little), how many warnings its parse gave and the first
// few.
func printWarnings(w io.Writer, old, new *binarydiff.Binary) {
	for _, side := range []struct {
		name string
		b    *binarydiff.Binary
	}{{"old", old}, {"new", new}} {
		b := side.b
		if b.Degraded != "" {
			fmt.Fprintf(w, "%s image DEGRADED: %s\n", side.name, b.Degraded)
		}
		if len(b.Warnings) == 0 {
			continue
		}
		fmt.Fprintf(w, "%s image: %d warnings", side.name, len(b.Warnings))
		if len(b.Warnings) > shownWarnings {
			fmt.Fprintf(w, " (first %d; -json lists all)", shownWarnings)
		}
		fmt.Fprintln(w, ":")
		for _, wn := range b.Warnings[:min(len(b.Warnings), shownWarnings)] {
			fmt.Fprintf(w, "  %s\n", wn)
		}
	}
}

// parseReport is the "parse" member of -json: each image's warnings in
// full and why it is degraded, if it is.
type parseReport struct {
	Old imageParse `json:"old"`
	New imageParse `json:"new"`
}

// imageParse is what the parse of one image reported.
type imageParse struct {
	Degraded string               `json:"degraded,omitempty"` // why it lost most of its functions to damage
	Warnings []binarydiff.Warning `json:"warnings"`
}

// jsonOutput is the document -json prints: the result's members at the
// top level (with -explain, each changed function's explanation), the
// assessment under "hotpatch" (with -hotpatch) and the parse warnings
// under "parse".
type jsonOutput struct {
	*Explained
	Hotpatch *binarydiff.Assessment `json:"hotpatch,omitempty"`
	Parse    parseReport            `json:"parse"`
}

// parseOf returns what the parse of the two images reported.
func parseOf(old, new *binarydiff.Binary) parseReport {
	side := func(b *binarydiff.Binary) imageParse {
		return imageParse{Degraded: b.Degraded, Warnings: append([]binarydiff.Warning{}, b.Warnings...)}
	}
	return parseReport{Old: side(old), New: side(new)}
}
