package binarydiff

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/patchmodel/patchmodel/binarydiff/difftest"
)

// TestGoldenJSON guards performance work: with BINARYDIFF_GOLDEN=dir it
// writes (when missing) or compares byte for byte the JSON of Diff and of
// Explain of every non-identical function on the generated 10k pair, the
// Go fixture pair and (when built) the gopls pair.
func TestGoldenJSON(t *testing.T) {
	dir := os.Getenv("BINARYDIFF_GOLDEN")
	if dir == "" {
		t.Skip("BINARYDIFF_GOLDEN not set")
	}
	check := func(name string, old, new *Binary, limit int) {
		var buf bytes.Buffer
		for _, opt := range []Options{{Workers: 1}, {Workers: 2}, {IgnoreSymbols: true}} {
			res, err := Diff(context.Background(), old, new, opt)
			if err != nil {
				t.Fatal(err)
			}
			js, err := json.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			buf.Write(js)
			buf.WriteByte('\n')
			explained := 0
			for _, fd := range res.Functions {
				if fd.Kind == Identical || fd.Kind == Moved {
					continue
				}
				if explained++; limit > 0 && explained > limit {
					break
				}
				e, err := Explain(old, new, fd)
				if err != nil {
					t.Fatal(err)
				}
				js, _ := json.Marshal(e)
				buf.Write(js)
				buf.WriteString(e.String())
				buf.WriteByte('\n')
			}
		}
		path := filepath.Join(dir, name+".json")
		want, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s (%d bytes)", path, buf.Len())
			return
		}
		if !bytes.Equal(want, buf.Bytes()) {
			os.WriteFile(path+".got", buf.Bytes(), 0o644)
			t.Errorf("%s: output differs from %s (see .got)", name, path)
		}
	}
	parse := func(data []byte) *Binary {
		b, err := Parse(context.Background(), bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	n := 10_000
	cfg := difftest.Config{MinFuncs: n, MaxFuncs: n, MaxBody: 40, MaxData: n / 20, Symbols: true}
	pair := difftest.RandomPair(uint64(n), cfg, 10)
	lo, err := pair.Old.Build()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := pair.New.Build()
	if err != nil {
		t.Fatal(err)
	}
	check("gen10k", parse(lo.Bytes), parse(ln.Bytes), 0)
	check("fixture", fxOpen(t, fxV1), fxOpen(t, fxV2), 0)
	cache, _ := os.UserCacheDir()
	po := filepath.Join(cache, "patchmodel-bench", "gopls-v0.22.0", "bin", "windows_amd64", "gopls.exe")
	pn := filepath.Join(cache, "patchmodel-bench", "gopls-v0.23.0", "bin", "windows_amd64", "gopls.exe")
	if _, err := os.Stat(pn); err == nil {
		o, err := Open(context.Background(), po)
		if err != nil {
			t.Fatal(err)
		}
		defer o.Close()
		nw, err := Open(context.Background(), pn)
		if err != nil {
			t.Fatal(err)
		}
		defer nw.Close()
		check("gopls", o, nw, 400)
	}
}

// BenchmarkPerfOpenAndDiff opens and diffs the pair named by
// BINARYDIFF_PERF_OLD and BINARYDIFF_PERF_NEW (the whole job of
// examples/patchdiff, without printing).
func BenchmarkPerfOpenAndDiff(b *testing.B) {
	po, pn := os.Getenv("BINARYDIFF_PERF_OLD"), os.Getenv("BINARYDIFF_PERF_NEW")
	if po == "" || pn == "" {
		b.Skip("BINARYDIFF_PERF_OLD/NEW not set")
	}
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		o, err := Open(context.Background(), po)
		if err != nil {
			b.Fatal(err)
		}
		n, err := Open(context.Background(), pn)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Diff(context.Background(), o, n, Options{}); err != nil {
			b.Fatal(err)
		}
		o.Close()
		n.Close()
	}
	if d := cpuTime() - cpu; d > 0 {
		b.ReportMetric(d.Seconds()/float64(b.N), "cpu-s/op")
	}
}

// TestWritePerfPair writes the 100k-function generated pair of
// BINARYDIFF_BENCH_LARGE (bodies of up to 180 instructions, ~57 MB per
// image) to the directory BINARYDIFF_PERF_WRITE as old.exe and new.exe, for
// timing examples/patchdiff.
func TestWritePerfPair(t *testing.T) {
	dir := os.Getenv("BINARYDIFF_PERF_WRITE")
	if dir == "" {
		t.Skip("BINARYDIFF_PERF_WRITE not set")
	}
	n := 100_000
	cfg := difftest.Config{MinFuncs: n, MaxFuncs: n, MaxBody: 180, MaxData: n / 20, Symbols: true}
	pair := difftest.RandomPair(uint64(n), cfg, n/1000)
	for name, img := range map[string]*difftest.Image{"old.exe": pair.Old, "new.exe": pair.New} {
		l, err := img.Build()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), l.Bytes, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPerfPhases logs wall and CPU time of each phase of the whole job on
// the pair named by BINARYDIFF_PERF_OLD and BINARYDIFF_PERF_NEW.
func TestPerfPhases(t *testing.T) {
	po, pn := os.Getenv("BINARYDIFF_PERF_OLD"), os.Getenv("BINARYDIFF_PERF_NEW")
	if po == "" || pn == "" {
		t.Skip("BINARYDIFF_PERF_OLD/NEW not set")
	}
	phase := func(name string, f func()) {
		w, c := time.Now(), cpuTime()
		f()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		t.Logf("%-8s %7.3f s wall %7.3f s cpu, heap %4d MB live, %4d MB from OS, %d GCs", name,
			time.Since(w).Seconds(), (cpuTime() - c).Seconds(), ms.HeapAlloc>>20, ms.HeapSys>>20, ms.NumGC)
	}
	var o, n *Binary
	var err error
	phase("open old", func() { o, err = Open(context.Background(), po) })
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	phase("open new", func() { n, err = Open(context.Background(), pn) })
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	phase("diff", func() { _, err = Diff(context.Background(), o, n, Options{}) })
	if err != nil {
		t.Fatal(err)
	}
}

// BenchmarkPerfDiff measures Diff alone on the pair named by
// BINARYDIFF_PERF_OLD and BINARYDIFF_PERF_NEW.
func BenchmarkPerfDiff(b *testing.B) {
	po, pn := os.Getenv("BINARYDIFF_PERF_OLD"), os.Getenv("BINARYDIFF_PERF_NEW")
	if po == "" || pn == "" {
		b.Skip("BINARYDIFF_PERF_OLD/NEW not set")
	}
	o, err := Open(context.Background(), po)
	if err != nil {
		b.Fatal(err)
	}
	defer o.Close()
	n, err := Open(context.Background(), pn)
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		if _, err := Diff(context.Background(), o, n, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	if d := cpuTime() - cpu; d > 0 {
		b.ReportMetric(d.Seconds()/float64(b.N), "cpu-s/op")
	}
}

// BenchmarkPerfFingerprint measures fingerprinting the image named by
// BINARYDIFF_PERF_OLD, of any format (see benchFingerprint).
func BenchmarkPerfFingerprint(b *testing.B) {
	po := os.Getenv("BINARYDIFF_PERF_OLD")
	if po == "" {
		b.Skip("BINARYDIFF_PERF_OLD not set")
	}
	data, err := os.ReadFile(po)
	if err != nil {
		b.Fatal(err)
	}
	benchFingerprint(b, data)
}
