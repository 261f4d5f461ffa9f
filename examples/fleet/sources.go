package main

import (
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/patchmodel/patchmodel/eligibility"
	"github.com/patchmodel/patchmodel/hotpatch"
)

// reportSources returns the source tags of the report's rules.
func reportSources(r *eligibility.Report) []string {
	var tags []string
	for _, rc := range r.Rules {
		tags = append(tags, strings.Fields(rc.Source)...)
	}
	return tags
}

// ruleSources returns the source tags of every version of every rule,
// and those its dispute cites in brackets.
func ruleSources() []string {
	var tags []string
	for _, t := range hotpatch.Tracks() {
		for _, r := range eligibility.Rules(t) {
			tags = append(tags, strings.Fields(r.Source)...)
			for _, cited := range bracketed.FindAllString(r.Dispute, -1) {
				tags = append(tags, sourceTag.FindAllString(cited, -1)...)
			}
		}
	}
	return tags
}

var (
	bracketed = regexp.MustCompile(`\[[^]]*\]`)
	sourceTag = regexp.MustCompile(`\bS[0-9]+[a-e]?\b`)
)

// writeSources lists the sources of tags, each once, with their titles
// and URLs (hotpatch.Sources; the module's SOURCES.md), so that a reader
// can check each requirement.
func writeSources(w io.Writer, tags []string) error {
	tags = slices.Compact(slices.Sorted(slices.Values(tags)))
	if len(tags) == 0 {
		return nil
	}
	if _, err := fmt.Fprintf(w, "\nSources:\n"); err != nil {
		return err
	}
	for _, t := range tags {
		s, ok := hotpatch.Sources[t]
		url := s.URL
		if url == "" {
			url = "(no URL)"
		}
		if !ok {
			s.Title = "(not in hotpatch.Sources)"
		}
		if _, err := fmt.Fprintf(w, "  [%s] %s\n        %s\n", t, s.Title, url); err != nil {
			return err
		}
	}
	return nil
}
