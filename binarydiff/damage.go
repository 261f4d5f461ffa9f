package binarydiff

import (
	"fmt"
	"sort"
)

// maxWarningsPerKind bounds the Warnings of one kind (one message format)
// a Binary keeps; the rest are counted, and one more Warning says how
// many were left out. A crafted table of a million bad entries then costs
// a counter, not a million messages.
const maxWarningsPerKind = 16

// warnLog collects warnings, keeping at most maxWarningsPerKind of each
// message format.
type warnLog struct {
	list   []Warning
	counts map[string]int // per format: warnings seen
}

// add records a warning at file offset off (-1 if none).
func (w *warnLog) add(off int64, format string, args ...any) {
	if w.counts == nil {
		w.counts = map[string]int{}
	}
	w.counts[format]++
	if w.counts[format] <= maxWarningsPerKind {
		w.list = append(w.list, Warning{Off: off, Msg: fmt.Sprintf(format, args...)})
	}
}

// finish returns the warnings kept, followed by one per kind that had
// more, saying how many more (sorted by format, so the output does not
// depend on map order).
func (w *warnLog) finish() []Warning {
	var over []string
	for f, n := range w.counts {
		if n > maxWarningsPerKind {
			over = append(over, f)
		}
	}
	sort.Strings(over)
	for _, f := range over {
		w.list = append(w.list, Warning{Off: -1, Msg: fmt.Sprintf("%d more warnings like %q left out", w.counts[f]-maxWarningsPerKind, f)})
	}
	w.counts = nil
	return w.list
}

// warnf records a warning about b at file offset off (-1 if none), within
// the per-kind bound.
func (b *Binary) warnf(off int64, format string, args ...any) {
	b.wlog.add(off, format, args...)
}

// degrade records why b lost most of its functions to damage (the first
// reason stays).
func (b *Binary) degrade(format string, args ...any) {
	if b.Degraded == "" {
		b.Degraded = fmt.Sprintf(format, args...)
	}
}

// finishWarnings moves the warnings logged during the parse into
// b.Warnings, after those appended directly, and checks what the parse
// found against what the image holds: when most of the code is missing
// from the file, or most of it is covered by no function, the image is
// Degraded.
func (b *Binary) finishWarnings() {
	b.Warnings = append(b.Warnings, b.wlog.finish()...)
	b.wlog = warnLog{}
	var code, inFile uint64
	for _, s := range b.Sections {
		if s.Flags&SectionExec != 0 {
			code += uint64(s.Size)
			inFile += uint64(s.FileSize)
		}
	}
	if code > 0 && inFile < code/2 {
		// The first cause: what else failed followed from it.
		b.Degraded = fmt.Sprintf("only %d of %d bytes of code are in the file (truncated?)", inFile, code)
	}
	var covered uint64
	for _, f := range b.Functions {
		covered += uint64(f.Size)
		for _, r := range f.Fragments {
			covered += uint64(r.Size)
		}
	}
	// Real images cover nearly all their code with functions (padding and
	// literal pools aside); a damaged function table leaves most of it to
	// the few functions call targets find.
	if inFile >= minDegradedCode && covered < inFile/degradedCoverage {
		b.degrade("%d functions cover %d of %d bytes of code (damaged function tables?)", len(b.Functions), covered, inFile)
	}
	if b.Degraded != "" {
		b.Warnings = append(b.Warnings, Warning{Off: -1, Msg: "degraded: " + b.Degraded})
	}
}

// minDegradedCode is the least code for which coverage is judged: a tiny
// image is mostly startup code that its tables need not describe.
const minDegradedCode = 64 << 10

// degradedCoverage: an image whose functions cover less than
// 1/degradedCoverage of its code is Degraded.
const degradedCoverage = 4

// within reports whether [off, off+n) lies inside [0, limit), without
// computing off+n, which a crafted header can make wrap around.
func within(off, n, limit uint64) bool { return off <= limit && n <= limit-off }
