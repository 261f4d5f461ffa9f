package binarydiff

import (
	"context"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestMetadataInEach checks that the metadata of several windows found in
// one pass over the exception directory is, window by window, what
// metadataIn finds for each alone: the sections of PE images and random
// windows across them, overlapping or not. A built Go image has its
// unwind records in .xdata, a metadata section as a whole; the MSVC and
// clang-cl DLLs of the corpus (when fetched) have them in .rdata, among
// data.
func TestMetadataInEach(t *testing.T) {
	bins := []*Binary{fxOpen(t, fxV1)}
	for _, p := range corpusImages(t, "watcher-win-2.5.4", "sodium-win-5.0.9") {
		b, err := Open(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		bins = append(bins, b)
	}
	for _, b := range bins {
		metadataInEach(t, b)
	}
}

func metadataInEach(t *testing.T, b *Binary) {
	f, err := b.facts()
	if err != nil {
		t.Fatal(err)
	}
	if f.meta == nil {
		t.Fatal("metadata not deferred: the pass over the exception directory is not tested")
	}
	end := uint64(0)
	var ws [][2]uint64
	for _, s := range b.Sections {
		ws = append(ws, [2]uint64{uint64(s.RVA), uint64(s.RVA) + uint64(s.Size)})
		end = max(end, uint64(s.RVA)+uint64(s.Size))
	}
	check := func(t interface{ Fatalf(string, ...any) }, ws [][2]uint64) {
		got := f.metadataInEach(ws)
		for k, w := range ws {
			if want := f.metadataIn(w[0], w[1]); !slices.Equal(got[k], want) {
				t.Fatalf("window %d [%#x, %#x) of %d: %v together, %v alone", k, w[0], w[1], len(ws), got[k], want)
			}
		}
	}
	check(t, ws)
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 6).Draw(t, "n")
		ws := make([][2]uint64, n)
		for k := range ws {
			lo := rapid.Uint64Range(0, end).Draw(t, "lo")
			ws[k] = [2]uint64{lo, lo + rapid.Uint64Range(1, 1<<16).Draw(t, "size")}
		}
		check(t, ws)
	})
}
