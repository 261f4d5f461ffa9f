package patchmodel_test

import (
	"cmp"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/patchmodel/patchmodel/hotpatch"
)

var update = flag.Bool("update", false, "rewrite SOURCES.md from hotpatch.Sources")

// TestSourcesFile keeps SOURCES.md equal to hotpatch.Sources rendered by
// sourcesMarkdown. go generate (or this test with -update) rewrites it.
func TestSourcesFile(t *testing.T) {
	got := sourcesMarkdown()
	if *update {
		if err := os.WriteFile("SOURCES.md", []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile("SOURCES.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != got {
		t.Errorf("SOURCES.md is not hotpatch.Sources rendered: run go generate in the module root")
	}
}

// TestCitedSourcesListed checks that every source tag cited in brackets in
// the module's Go files, such as [S3] or [S1a–S1d, S7], is in
// hotpatch.Sources, so that SOURCES.md resolves it.
func TestCitedSourcesListed(t *testing.T) {
	out, err := exec.Command("git", "grep", "-ohE", `\[S[0-9]+[a-e]?([,–-][^]]*)?\]`, "--", "*.go").Output()
	if err != nil {
		t.Skipf("git grep: %v (not a git checkout?)", err)
	}
	tag := regexp.MustCompile(`S[0-9]+[a-e]?`)
	var missing []string
	for _, cited := range tag.FindAllString(string(out), -1) {
		if _, ok := hotpatch.Sources[cited]; !ok && !hasVariants(cited) && !slices.Contains(missing, cited) {
			missing = append(missing, cited)
		}
	}
	if len(missing) > 0 {
		t.Errorf("source tags cited but not in hotpatch.Sources: %v", missing)
	}
}

// hasVariants reports whether a tag without a letter, such as S5, names
// the versions S5a, S5b... of one page that hotpatch.Sources lists.
func hasVariants(tag string) bool {
	_, ok := hotpatch.Sources[tag+"a"]
	return ok
}

// sourcesMarkdown renders hotpatch.Sources as a Markdown table, in tag
// order (S1, S1a, ..., S2, ..., S10).
func sourcesMarkdown() string {
	tags := make([]string, 0, len(hotpatch.Sources))
	for t := range hotpatch.Sources {
		tags = append(tags, t)
	}
	slices.SortFunc(tags, func(a, b string) int {
		na, sa := splitTag(a)
		nb, sb := splitTag(b)
		return cmp.Or(cmp.Compare(na, nb), cmp.Compare(sa, sb))
	})
	var b strings.Builder
	b.WriteString(`# Sources

<!-- Generated from hotpatch.Sources by go generate (go test -run TestSourcesFile -update); DO NOT EDIT. -->

The catalog rows, calendar entries, eligibility rules and doc comments of
this module cite their sources by tag: ` + "`[S3]`" + `, ` + "`source: \"S1d S2\"`" + `.
This table resolves the tags; in Go, ` + "`hotpatch.Sources[tag]`" + `. Sources not by
Microsoft are weaker: facts resting on them alone are marked UNCONFIRMED.
A tag without a letter (S5) stands for all the dated versions of a page (S5a, S5b).

| Tag | Title | Microsoft | URL |
|---|---|---|---|
`)
	for _, t := range tags {
		s := hotpatch.Sources[t]
		url, ms := "(none)", "no"
		if s.URL != "" {
			url = "<" + s.URL + ">"
		}
		if s.FirstParty {
			ms = "yes"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", t, strings.ReplaceAll(s.Title, "|", `\|`), ms, url)
	}
	return b.String()
}

// splitTag splits "S1a" into 1 and "a".
func splitTag(t string) (int, string) {
	i := 1
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	n, _ := strconv.Atoi(t[1:i])
	return n, t[i:]
}
