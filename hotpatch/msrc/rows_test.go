package msrc_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/patchmodel/patchmodel/hotpatch"
	"github.com/patchmodel/patchmodel/hotpatch/msrc"
	"pgregory.net/rapid"
)

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// CatalogRows gives the same rows in any document order; they merge into
// the embedded catalog; every row has provenance; derived facts say so.
func TestCatalogRows(t *testing.T) {
	docs := fixtureDocs(t)
	rows, notes := msrc.CatalogRows(docs, hotpatch.Embedded())
	reversed := slices.Clone(docs)
	slices.Reverse(reversed)
	rows2, notes2 := msrc.CatalogRows(reversed, hotpatch.Embedded())
	if diff := cmp.Diff(rows, rows2); diff != "" || !slices.Equal(notes, notes2) {
		t.Errorf("rows depend on document order:\n%s", diff)
	}
	c, err := hotpatch.Embedded().Merge(bytes.NewReader(mustJSON(t, rows)))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Source != msrc.SourceTag || len(r.Provenance) == 0 || !strings.HasPrefix(r.Provenance[0].Document, "MSRC CVRF ") {
			t.Errorf("%v: source %q, provenance %+v", r.KB, r.Source, r.Provenance)
		}
	}
	base, _ := c.ByKB(5073379) // Server 2025's January 2026 baseline
	if base.Kind != hotpatch.KindBaseline || !strings.Contains(base.Source, "S3") || !slices.ContainsFunc(base.Provenance, func(p hotpatch.Provenance) bool {
		return strings.HasPrefix(p.Note, "baseline derived")
	}) {
		t.Errorf("KB5073379 after merge = %+v", base)
	}
	// CVRF 2024-Feb lists no Server 2022 hotpatch; the catalog has KB5034860.
	feb, err := c.ByKB(5034770)
	if err != nil || feb.Kind != hotpatch.KindLCU {
		t.Errorf("KB5034770 (2024-Feb LCU) = %+v, %v", feb, err)
	}
	if !slices.ContainsFunc(notes, func(n string) bool { return strings.HasPrefix(n, "KB5034770: CVRF lists no hotpatch") }) {
		t.Errorf("no note for the 2024-Feb LCU: %q", notes)
	}
	if !slices.ContainsFunc(notes, func(n string) bool { return strings.HasPrefix(n, "KB5019080") }) {
		t.Errorf("no note for the 2022 hotpatch without a known baseline: %q", notes)
	}
}

// Merging CVRF rows into the catalog in any order, in any split into
// batches, and again, gives one catalog.
func TestPropertyMergeOrder(t *testing.T) {
	rows, _ := msrc.CatalogRows(fixtureDocs(t), hotpatch.Embedded())
	once, err := hotpatch.Embedded().Merge(bytes.NewReader(mustJSON(t, rows)))
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Collect(once.All())
	rapid.Check(t, func(rt *rapid.T) {
		perm := rapid.Permutation(rows).Draw(rt, "order")
		cut := rapid.IntRange(0, len(perm)).Draw(rt, "cut")
		c := hotpatch.Embedded()
		for _, batch := range [][]hotpatch.Update{perm[:cut], perm[cut:], perm} {
			var err error
			if c, err = c.Merge(bytes.NewReader(mustJSON(t, batch))); err != nil {
				rt.Fatal(err)
			}
		}
		if diff := cmp.Diff(want, slices.Collect(c.All())); diff != "" {
			rt.Fatalf("merge depends on order or repetition:\n%s", diff)
		}
	})
}
