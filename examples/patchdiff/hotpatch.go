package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/patchmodel/patchmodel/binarydiff"
)

// shownPerRule is how many findings of a blocking or undecided rule the
// text report lists without -v.
const shownPerRule = 5

// shownReaders is how many readers of data a finding line names without -v.
const shownReaders = 3

// writeHotpatch prints an assessment so that it fits a screen: the
// verdict and why, one line per image, the blockers and the undecided
// findings grouped by rule (the first few of each), then the warnings and
// the allowed changes collapsed to a count per rule. With all, every
// finding is listed.
func writeHotpatch(w io.Writer, a *binarydiff.Assessment, all bool) {
	fmt.Fprintf(w, "\nhotpatch: %s — %s\n", strings.ToUpper(strings.ReplaceAll(a.Verdict.String(), "-", " ")), a.Reason)
	for _, side := range []struct {
		name string
		f    *binarydiff.ImageFacts
	}{{"old", a.Old}, {"new", a.New}} {
		if f := side.f; f != nil {
			cfg := f.LoadConfig != nil && f.LoadConfig.CFG()
			fmt.Fprintf(w, "  %s image: %v %s, %d imports, %d exports, CFG %v, CHPE %v, hotpatch image %v\n",
				side.name, f.Format, machineName(f.Format, f.Machine), len(f.Imports), len(f.Exports), cfg, f.CHPE, f.IsHotpatch())
		}
	}
	writeGroups(w, "blockers", a.Findings, a.ByRule, all)
	writeGroups(w, "undecided", a.Unknowns, a.ByRule, all)
	for _, l := range []struct {
		title string
		fs    []binarydiff.Finding
		e     binarydiff.Effect
	}{{"warnings", a.Warnings, binarydiff.Warns}, {"allowed", a.Notes, binarydiff.Allows}} {
		if all {
			writeGroups(w, l.title, l.fs, a.ByRule, true)
			continue
		}
		if s := collapsed(a.ByRule, l.e); s != "" {
			fmt.Fprintf(w, "%s: %s\n", l.title, s)
		}
	}
	if !all && (len(a.Findings)+len(a.Unknowns)+len(a.Warnings)+len(a.Notes) > 0) {
		fmt.Fprintf(w, "(-v lists every finding; -json has them with their bytes and readers)\n")
	}
}

// writeGroups prints the findings fs (sorted by rule) under a title, a
// group per rule with its count, basis and source.
func writeGroups(w io.Writer, title string, fs []binarydiff.Finding, counts []binarydiff.RuleCount, all bool) {
	if len(fs) == 0 {
		return
	}
	fmt.Fprintf(w, "%s:\n", title)
	for i := 0; i < len(fs); {
		j := i
		for j < len(fs) && fs[j].Rule == fs[i].Rule {
			j++
		}
		r := fs[i].Rule
		n := j - i
		for _, rc := range counts {
			if rc.Rule == r {
				n = rc.Count
			}
		}
		info := r.Info()
		if all {
			fmt.Fprintf(w, "  %s (%d) — %s [%s: %s, %s]\n", r, n, info.Why, info.Basis, info.Source.Title, info.Source.URL)
		} else {
			what, _, _ := strings.Cut(info.Why, ":")
			fmt.Fprintf(w, "  %s (%d) — %s [%s: %s]\n", r, n, what, info.Basis, info.Source.Title)
		}
		shown := j - i
		if !all {
			shown = min(shown, shownPerRule)
		}
		for _, f := range fs[i : i+shown] {
			fmt.Fprintf(w, "    %s\n", findingLine(f, all))
		}
		if n > shown {
			fmt.Fprintf(w, "    …and %d more\n", n-shown)
		}
		i = j
	}
}

// findingLine says what a finding is about in one line: the function, the
// message, the readers and the bytes.
func findingLine(f binarydiff.Finding, all bool) string {
	var b strings.Builder
	if f.Function != "" {
		fmt.Fprintf(&b, "%s: ", f.Function)
	}
	b.WriteString(f.Message)
	if rs := f.Readers; len(rs) > 0 {
		if !all && len(rs) > shownReaders {
			rs = append(rs[:shownReaders:shownReaders], fmt.Sprintf("…%d more", len(f.Readers)-shownReaders))
		}
		fmt.Fprintf(&b, "; read by %s", strings.Join(rs, ", "))
	}
	if f.OldBytes != "" || f.NewBytes != "" {
		fmt.Fprintf(&b, "; %s → %s", or(f.OldBytes, "-"), or(f.NewBytes, "-"))
	}
	return b.String()
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// collapsed says "rule (count), …" for the rules of effect e.
func collapsed(counts []binarydiff.RuleCount, e binarydiff.Effect) string {
	var parts []string
	for _, rc := range counts {
		if rc.Effect == e {
			parts = append(parts, fmt.Sprintf("%s (%d)", rc.Rule, rc.Count))
		}
	}
	return strings.Join(parts, ", ")
}
