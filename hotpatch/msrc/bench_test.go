package msrc_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/patchmodel/patchmodel/hotpatch"
	"github.com/patchmodel/patchmodel/hotpatch/msrc"
)

// cacheDir holds the full documents that testdata/fetch-bench.sh fetches.
func cacheDir(b *testing.B) string {
	dir := os.Getenv("PATCHMODEL_CVRF_CACHE")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".cache", "patchmodel-cvrf")
	}
	if _, err := os.Stat(filepath.Join(dir, "cvrfDocument-2026-Mar.xml")); err != nil {
		b.Skipf("full CVRF documents not in %s: run sh hotpatch/msrc/testdata/fetch-bench.sh", dir)
	}
	return dir
}

func readCache(b *testing.B, name string) []byte {
	data, err := os.ReadFile(filepath.Join(cacheDir(b), name))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkParse reads the full March 2026 document (3.2 MB) with the
// package's scanner and, for comparison, with encoding/xml.
func BenchmarkParse(b *testing.B) {
	data := readCache(b, "cvrfDocument-2026-Mar.xml")
	b.Run("scanner", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := msrc.Parse(context.Background(), bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The same document in the API's JSON shape (converted, Notes left out).
	js, err := apiJSON(data)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("json", func(b *testing.B) {
		b.SetBytes(int64(len(js)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := msrc.Parse(context.Background(), bytes.NewReader(js)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-xml", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := msrc.ParseXMLStd(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkIndexYear parses the twelve documents of 2023 and indexes them.
func BenchmarkIndexYear(b *testing.B) {
	dir := cacheDir(b)
	names, _ := filepath.Glob(filepath.Join(dir, "cvrfDocument-2023-*.xml"))
	if len(names) != 12 {
		b.Skipf("want the 12 documents of 2023 in %s, found %d", dir, len(names))
	}
	var files [][]byte
	size := 0
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, data)
		size += len(data)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		var docs []*msrc.Document
		for _, data := range files {
			d, err := msrc.Parse(context.Background(), bytes.NewReader(data))
			if err != nil {
				b.Fatal(err)
			}
			docs = append(docs, d)
		}
		msrc.NewIndex(docs, nil)
	}
}

// BenchmarkProtected asks the December 2025 question on the fixtures: a
// hotpatched device with two KBs installed.
func BenchmarkProtected(b *testing.B) {
	x := msrc.NewIndex(fixtureDocs(b), nil)
	build := hotpatch.MustParseBuild("26100.7392")
	installed := []hotpatch.KB{5072014, 5066835, 5074204}
	b.ReportAllocs()
	for b.Loop() {
		if a := x.Protected(hotpatch.TrackWindows11, build, installed, "CVE-2025-54100"); a.Protected != hotpatch.True {
			b.Fatal(a)
		}
	}
}

// BenchmarkProtectedHotpatchLacksFix asks the November 2022 question: the
// answer needs the hotpatch line's reasoning, not just a KB match.
func BenchmarkProtectedHotpatchLacksFix(b *testing.B) {
	x := msrc.NewIndex(fixtureDocs(b), nil)
	build := hotpatch.MustParseBuild("20348.1251")
	installed := []hotpatch.KB{5019080}
	b.ReportAllocs()
	for b.Loop() {
		if a := x.Protected(hotpatch.TrackServer2022, build, installed, "CVE-2022-37966"); a.Protected != hotpatch.False {
			b.Fatal(a)
		}
	}
}
