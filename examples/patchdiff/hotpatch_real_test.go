package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/patchmodel/patchmodel/binarydiff"
	"github.com/patchmodel/patchmodel/internal/corpuscache"
)

// realPairs are release pairs of the corpus cache (binarydiff/corpus:
// fetch.sh downloads and builds them) whose verdict was read by hand
// against the rule table: want is the verdict, rules the blocking rules
// that must be among the findings. big pairs run only with
// PATCHMODEL_CORPUS=all.
var realPairs = []struct {
	old, new string
	want     binarydiff.Verdict
	rules    []binarydiff.Rule
	big      bool
	why      string
}{
	{"sodium-win-5.0.9", "sodium-win-5.0.10", binarydiff.Patchable, nil, false,
		"15 function bodies changed; the only data that changed are code RVAs in exception scope tables, which moved with the code"},
	{"rollup-4.69.2", "rollup-4.69.3", binarydiff.Patchable, nil, false, "no function changed"},
	{"watcher-win-2.5.4", "watcher-win-2.5.6", binarydiff.Patchable, nil, false, "no function changed"},
	{"null-go1.26.8-windows-amd64-exe-a", "null-go1.26.8-windows-amd64-exe-b", binarydiff.Patchable, nil, false, "a byte-identical rebuild"},
	{"go1.24.13-windows-amd64-exe-v1", "go1.24.13-windows-amd64-exe-v2", binarydiff.Patchable, nil, false,
		"one function changed and reads a new string; what else changed is the funcdata (go:func.*) and the types' GC bitmaps, which the linker regenerates"},
	{"go1.23.12-windows-amd64-exe-v1", "go1.23.12-windows-amd64-exe-v2", binarydiff.Patchable, nil, false, "the same edit, Go 1.23"},
	{"go1.23.12-linux-amd64-pie-v1", "go1.23.12-linux-amd64-pie-v2", binarydiff.Patchable, nil, false,
		"the same edit, ELF PIE: the runtime's text section map (runtime.textsectionmap, in .data.rel.ro) records the code's new end, metadata the moduledata points to"},
	{"go1.21.13-linux-amd64-pie-v1", "go1.21.13-linux-amd64-pie-v2", binarydiff.Patchable, nil, false,
		"the same edit, Go 1.21 PIE (the AES hash's masks, runs of equal words with nothing to anchor them, moved by another amount than the data around them; their reader's reference says where to)"},
	{"go1.16.15-linux-amd64-pie-v1", "go1.16.15-linux-amd64-pie-v2", binarydiff.Patchable, nil, false,
		"the same edit, Go 1.16 PIE (the funcdata and GC bitmaps in .rodata, the pclntab being in .data.rel.ro, are found through the functions' records)"},
	{"go1.21.13-windows-amd64-exe-v1", "go1.21.13-windows-amd64-exe-v2", binarydiff.Patchable, nil, false,
		"the same edit, Go 1.21 without relocations: pointers inferred, the build information grew and the data after it moved"},
	{"go1.20.14-windows-amd64-exe-v1", "go1.20.14-windows-amd64-exe-v2", binarydiff.Patchable, nil, false,
		"the same edit, Go 1.20 without relocations: the tables of pointers to the unicode tables (.data, moved by 32 bytes) are the same once the pointers inside what they point to are masked"},
	{"go1.18.10-windows-amd64-exe-v1", "go1.18.10-windows-amd64-exe-v2", binarydiff.Patchable, nil, false,
		"the same edit, Go 1.18 without relocations: its moduledata (a smaller layout) is metadata, not a changed global"},
	{"go1.17.13-windows-amd64-exe-v1", "go1.17.13-windows-amd64-exe-v2", binarydiff.Patchable, nil, false,
		"the same edit, Go 1.17: no gofunc in its moduledata, the funcdata found through the functions' records"},
	{"go1.16.15-windows-amd64-exe-v1", "go1.16.15-windows-amd64-exe-v2", binarydiff.Patchable, nil, false,
		"the same edit, Go 1.16: its pclntab magic and moduledata layout are older still"},
	{"null-go1.26.8-linux-amd64-exe-a", "null-go1.26.8-linux-amd64-exe-b", binarydiff.Patchable, nil, false, "a byte-identical rebuild, ELF"},
	{"go1.22.12-windows-amd64-exe-v1", "go1.22.12-windows-amd64-exe-v2", binarydiff.Patchable, nil, false, "the same edit, Go 1.22"},
	{"go1.25.9-windows-amd64-exe-v1", "go1.25.9-windows-amd64-exe-v2", binarydiff.Patchable, nil, false, "the same edit, Go 1.25"},
	{"go1.26.8-windows-amd64-exe-v1", "go1.26.8-windows-amd64-exe-v2", binarydiff.Patchable, nil, false, "the same edit, Go 1.26"},
	{"go1.17.13-linux-amd64-pie-v1", "go1.17.13-linux-amd64-pie-v2", binarydiff.Patchable, nil, false, "the same edit, Go 1.17 PIE"},
	{"go1.18.10-linux-amd64-pie-v1", "go1.18.10-linux-amd64-pie-v2", binarydiff.Patchable, nil, false, "the same edit, Go 1.18 PIE"},
	{"go1.20.14-linux-amd64-pie-v1", "go1.20.14-linux-amd64-pie-v2", binarydiff.Patchable, nil, false, "the same edit, Go 1.20 PIE"},
	{"go1.22.12-linux-amd64-pie-v1", "go1.22.12-linux-amd64-pie-v2", binarydiff.Patchable, nil, false, "the same edit, Go 1.22 PIE"},
	{"go1.24.13-linux-amd64-pie-v1", "go1.24.13-linux-amd64-pie-v2", binarydiff.Patchable, nil, false, "the same edit, Go 1.24 PIE"},
	{"go1.25.9-linux-amd64-pie-v1", "go1.25.9-linux-amd64-pie-v2", binarydiff.Patchable, nil, false, "the same edit, Go 1.25 PIE"},
	{"go1.26.8-linux-amd64-pie-v1", "go1.26.8-linux-amd64-pie-v2", binarydiff.Patchable, nil, false, "the same edit, Go 1.26 PIE"},
	{"esbuild-exe-0.28.1", "esbuild-exe-0.28.2", binarydiff.NotPatchable,
		[]binarydiff.Rule{binarydiff.RuleDataChanged, binarydiff.RuleRemovedReferenced}, false,
		"a Go release: initialized globals changed, and a removed function is still pointed to by the old image's data"},
	{"esbuild-linux-0.28.1", "esbuild-linux-0.28.2", binarydiff.NotPatchable,
		[]binarydiff.Rule{binarydiff.RuleDataChanged, binarydiff.RuleRemovedReferenced}, false, "the same release, ELF"},
	{"esbuild-exe-0.24.2", "esbuild-exe-0.25.0", binarydiff.NotPatchable,
		[]binarydiff.Rule{binarydiff.RuleDataChanged, binarydiff.RuleDataResized, binarydiff.RuleRemovedReferenced}, false,
		"a larger step (Go 1.23 builds): globals added and changed"},
	{"libduckdb-so-1.5.5", "libduckdb-so-1.5.6", binarydiff.NotPatchable,
		[]binarydiff.Rule{binarydiff.RuleExportsChanged, binarydiff.RuleRodataChanged}, true, "a release with thousands of exports changed"},
	{"sodium-linux-5.0.9", "sodium-linux-5.0.10", binarydiff.NotPatchable, []binarydiff.Rule{binarydiff.RuleExportsChanged}, false,
		"an exported symbol was added (legacy rule); nothing else blocks"},
	{"duckdb-node-linux-1.5.5", "duckdb-node-linux-1.5.6", binarydiff.NotPatchable,
		[]binarydiff.Rule{binarydiff.RuleImportsChanged, binarydiff.RuleExportsChanged}, false, "symbols imported and exported changed"},
	{"lightningcss-1.32.0", "lightningcss-1.33.0", binarydiff.NotPatchable,
		[]binarydiff.Rule{binarydiff.RuleImportsChanged}, false,
		"a new Rust toolchain: imports removed (TlsAlloc, ...); the DLL entry point's own code is the same, the CRT routine it calls changed"},
	{"duckdb-dll-1.5.5", "duckdb-dll-1.5.6", binarydiff.NotPatchable, []binarydiff.Rule{binarydiff.RuleExportsChanged}, true, "a release with new exports"},
	{"libvips-dll-0.35.5", "libvips-dll-0.35.6", binarydiff.NotPatchable, []binarydiff.Rule{binarydiff.RuleImportsChanged}, true, "a release with new imports"},
}

// maxReportLines is a screen: the -hotpatch report of a real pair must fit.
const maxReportLines = 60

// TestHotpatchRealPairs assesses real release pairs from the corpus cache
// and checks the verdicts read by hand, and that each text report fits a
// screen. It skips without the cache.
func TestHotpatchRealPairs(t *testing.T) {
	dir := corpuscache.Files()
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("corpus cache %s absent: run binarydiff/corpus/fetch.sh", dir)
	}
	for _, p := range realPairs {
		t.Run(p.old, func(t *testing.T) {
			if p.big && os.Getenv("PATCHMODEL_CORPUS") != "all" {
				t.Skip("a large pair: PATCHMODEL_CORPUS=all runs it")
			}
			oldPath, newPath := filepath.Join(dir, p.old), filepath.Join(dir, p.new)
			for _, f := range []string{oldPath, newPath} {
				if _, err := os.Stat(f); err != nil {
					t.Skipf("%s not in the cache", f)
				}
			}
			var out bytes.Buffer
			if err := run(context.Background(), &out, oldPath, newPath, config{top: 20, hotpatch: true}); err != nil {
				t.Fatal(err)
			}
			i := strings.Index(out.String(), "\nhotpatch: ")
			if i < 0 {
				t.Fatalf("no report:\n%s", out.String())
			}
			report := out.String()[i+1:]
			if n := strings.Count(report, "\n"); n > maxReportLines {
				t.Errorf("report of %d lines, more than a screen:\n%s", n, report)
			}
			old, new, err := openBoth(context.Background(), oldPath, newPath)
			if err != nil {
				t.Fatal(err)
			}
			defer old.Close()
			defer new.Close()
			res, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{})
			if err != nil {
				t.Fatal(err)
			}
			a, err := res.HotpatchabilityContext(context.Background(), old, new)
			if err != nil {
				t.Fatal(err)
			}
			if a.Verdict != p.want {
				t.Errorf("verdict %v, want %v (%s)\n%s", a.Verdict, p.want, p.why, report)
			}
			for _, r := range p.rules {
				if !slices.Contains(a.Rules(), r) {
					t.Errorf("blocking rules %v lack %v (%s)", a.Rules(), r, p.why)
				}
			}
			t.Logf("%v: %s", a.Verdict, a.Reason)
		})
	}
}
