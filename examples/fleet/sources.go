package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/patchmodel/patchmodel/eligibility"
	"github.com/patchmodel/patchmodel/hotpatch"
)

// writeSources lists the sources the report's rules cite, by tag, with
// their titles and URLs (hotpatch.Sources; the module's SOURCES.md), so
// that a reader can check each requirement.
func writeSources(w io.Writer, r *eligibility.Report) error {
	var tags []string
	for _, rc := range r.Rules {
		for _, t := range strings.Fields(rc.Source) {
			if !slices.Contains(tags, t) {
				tags = append(tags, t)
			}
		}
	}
	if len(tags) == 0 {
		return nil
	}
	slices.Sort(tags)
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
