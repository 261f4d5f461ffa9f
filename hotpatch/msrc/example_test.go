package msrc_test

import (
	"context"
	"fmt"
	"os"

	"github.com/patchmodel/patchmodel/hotpatch"
	"github.com/patchmodel/patchmodel/hotpatch/msrc"
)

// A Windows 11 device on the December 2025 hotpatch (26100.7392): is it
// protected against CVE-2025-54100?
func ExampleIndex_Protected() {
	f, err := os.Open("testdata/2025-Dec.xml") // or the API's JSON
	if err != nil {
		panic(err)
	}
	defer f.Close()
	doc, err := msrc.Parse(context.Background(), f)
	if err != nil {
		panic(err)
	}
	x := msrc.NewIndex([]*msrc.Document{doc}, nil)
	build := hotpatch.MustParseBuild("10.0.26100.7392")
	for _, installed := range [][]hotpatch.KB{{5072014}, {5072014, 5074204}} {
		a := x.Protected(hotpatch.TrackWindows11, build, installed, "CVE-2025-54100")
		fmt.Println(a.Protected, a.Fix.KB, a.Reason)
	}
	// Output:
	// false KB5074204 the device's hotpatch does not carry the fix
	// true KB5074204 the fix is installed
}

// The releases of March 2026 for Windows 11 24H2, as CVRF gives them.
func ExampleDocument_Releases() {
	f, err := os.Open("testdata/2026-Mar.xml")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	doc, err := msrc.Parse(context.Background(), f)
	if err != nil {
		panic(err)
	}
	for _, r := range doc.Releases() {
		if r.Line == (msrc.Line{Track: hotpatch.TrackWindows11, Number: 26100}) {
			fmt.Println(r.KB, r.Kind, r.Builds[0].Short(), r.Released)
		}
	}
	// Output:
	// KB5079473 securityUpdate 26100.8037 2026-03-10
	// KB5079420 hotpatch 26100.7979 2026-03-10
	// KB5084597 outOfBand 26100.7982 2026-03-13
}

// Catalog rows from the January 2026 document: a month with no hotpatch,
// so each line's cumulative update is a (derived) baseline, and the rows
// agree with the embedded catalog.
func ExampleCatalogRows() {
	f, err := os.Open("testdata/2026-Jan.xml")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	doc, err := msrc.Parse(context.Background(), f)
	if err != nil {
		panic(err)
	}
	rows, _ := msrc.CatalogRows([]*msrc.Document{doc}, hotpatch.Embedded())
	for _, r := range rows {
		fmt.Println(r, r.Tracks, r.Provenance[0].Note)
	}
	// Output:
	// KB5073379 baseline 26100.32230 2026-01-13 [Windows Server 2025] baseline derived: the document lists no hotpatch for this line
	// KB5073457 baseline 20348.4648 2026-01-13 [Windows Server 2022 Datacenter: Azure Edition] baseline derived: the document lists no hotpatch for this line
	// KB5074109 baseline 26100.7623 2026-01-13 [Windows 11 (24H2 and later)] baseline derived: the document lists no hotpatch for this line
}
