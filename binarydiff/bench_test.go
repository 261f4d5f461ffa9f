package binarydiff_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/patchmodel/patchmodel/binarydiff"
	"github.com/patchmodel/patchmodel/binarydiff/difftest"
)

// Benchmarks of Parse (which discovers and fingerprints every function),
// Diff and Explain on generated images of 1k, 10k and 100k functions, and
// on a real pair: gopls v0.22.0 and v0.23.0 cross-built for windows/amd64.
//
//	go test ./binarydiff -run '^$' -bench . -benchmem -count 6 | tee bench.txt
//	go run golang.org/x/perf/cmd/benchstat@latest bench.txt
//
// With BINARYDIFF_BENCH_LARGE=1 the generated sizes also include 100k
// functions of up to 180 instructions: two ~57 MB images with ~50 MB of
// code, the size of the performance targets (generating them takes
// about two minutes and 3.5 GB).
//
// The real pair is built once into $XDG_CACHE_HOME/patchmodel-bench (or the
// binaries named by BINARYDIFF_BENCH_OLD and BINARYDIFF_BENCH_NEW are used);
// its benchmarks are skipped when it cannot be built (offline).

// genSize is the shape of a generated benchmark pair.
type genSize struct{ funcs, maxBody int }

func (s genSize) String() string {
	if s.maxBody == 40 {
		return fmt.Sprintf("funcs=%d", s.funcs)
	}
	return fmt.Sprintf("funcs=%d,body=%d", s.funcs, s.maxBody)
}

var benchSizes = func() []genSize {
	sizes := []genSize{{1_000, 40}, {10_000, 40}, {100_000, 40}}
	if os.Getenv("BINARYDIFF_BENCH_LARGE") != "" {
		sizes = append(sizes, genSize{100_000, 180})
	}
	return sizes
}()

type genPair struct {
	old, new []byte
	code     int64          // bytes of code in the old image
	truth    difftest.Truth // not the Pair: its instructions would be live heap that every GC cycle of a benchmark marks
	lo, ln   *difftest.Layout
}

var (
	genMu    sync.Mutex
	genCache = map[genSize]*genPair{}
)

// generated returns a built pair of n functions of up to 40 instructions.
func generated(b *testing.B, n int) *genPair { return generatedSize(b, genSize{n, 40}) }

// generatedSize returns a built pair of size.funcs functions: a random image and
// a copy with a few mutations of every kind (one per 1,000 functions, at
// least 10).
func generatedSize(b *testing.B, size genSize) *genPair {
	b.Helper()
	genMu.Lock()
	defer genMu.Unlock()
	if p, ok := genCache[size]; ok {
		return p
	}
	n := size.funcs
	cfg := difftest.Config{MinFuncs: n, MaxFuncs: n, MaxBody: size.maxBody, MaxData: max(n/20, 4), Symbols: true}
	pair := difftest.RandomPair(uint64(n), cfg, max(n/1000, 10))
	lo, err := pair.Old.Build()
	if err != nil {
		b.Fatal(err)
	}
	ln, err := pair.New.Build()
	if err != nil {
		b.Fatal(err)
	}
	p := &genPair{old: lo.Bytes, new: ln.Bytes, truth: pair.Truth(), lo: lo, ln: ln}
	for _, f := range lo.Funcs {
		p.code += int64(f.Size)
	}
	genCache[size] = p
	return p
}

func parseBytes(b *testing.B, data []byte) *binarydiff.Binary {
	bin, err := binarydiff.Parse(context.Background(), bytes.NewReader(data), int64(len(data)))
	if err != nil {
		b.Fatal(err)
	}
	return bin
}

// BenchmarkParseGenerated measures Parse of a generated image: headers, function
// discovery and fingerprinting. Throughput is in bytes of code.
func BenchmarkParseGenerated(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(n.String(), func(b *testing.B) {
			p := generatedSize(b, n)
			b.SetBytes(p.code)
			b.ResetTimer()
			for range b.N {
				parseBytes(b, p.old)
			}
		})
	}
}

// BenchmarkDiffGenerated measures Diff of two parsed generated images. The
// "wrong" metric counts the functions the result classifies or pairs
// differently from the ground truth (0 is right).
func BenchmarkDiffGenerated(b *testing.B) {
	for _, n := range benchSizes {
		for _, ignore := range []bool{false, true} {
			b.Run(fmt.Sprintf("%v/stripped=%v", n, ignore), func(b *testing.B) {
				p := generatedSize(b, n)
				old, new := parseBytes(b, p.old), parseBytes(b, p.new)
				b.SetBytes(p.code)
				runtime.GC() // the generator's garbage is not Diff's
				b.ResetTimer()
				var res *binarydiff.Result
				for range b.N {
					var err error
					if res, err = binarydiff.Diff(context.Background(), old, new, binarydiff.Options{IgnoreSymbols: ignore}); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(len(truthErrors(b, p.truth, res, p.lo, p.ln))), "wrong")
			})
		}
	}
}

// BenchmarkParseAndDiffGenerated measures the whole job on generated images: parse
// both, diff.
func BenchmarkParseAndDiffGenerated(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(n.String(), func(b *testing.B) {
			p := generatedSize(b, n)
			b.SetBytes(int64(len(p.old) + len(p.new)))
			b.ResetTimer()
			for range b.N {
				old, new := parseBytes(b, p.old), parseBytes(b, p.new)
				if _, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

var (
	realOnce           sync.Once
	realOld, realNew   string
	realErr            error
	goplsOld, goplsNew = "v0.22.0", "v0.23.0"
)

// realPair returns the paths of the large real pair, building it on first
// use.
func realPair(b *testing.B) (string, string) {
	b.Helper()
	realOnce.Do(func() {
		if o, n := os.Getenv("BINARYDIFF_BENCH_OLD"), os.Getenv("BINARYDIFF_BENCH_NEW"); o != "" && n != "" {
			realOld, realNew = o, n
			return
		}
		cache, err := os.UserCacheDir()
		if err != nil {
			realErr = err
			return
		}
		build := func(version string) (string, error) {
			gopath := filepath.Join(cache, "patchmodel-bench", "gopls-"+version)
			exe := filepath.Join(gopath, "bin", "windows_amd64", "gopls.exe")
			if _, err := os.Stat(exe); err == nil {
				return exe, nil
			}
			gobin, err := exec.LookPath("go")
			if err != nil {
				return "", err
			}
			modcache, err := exec.Command(gobin, "env", "GOMODCACHE").Output()
			if err != nil {
				return "", err
			}
			cmd := exec.Command(gobin, "install", "golang.org/x/tools/gopls@"+version)
			cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "GOBIN=", "GOPATH="+gopath,
				"GOMODCACHE="+string(bytes.TrimSpace(modcache)), "GOFLAGS=-buildvcs=false", "GOTOOLCHAIN=local", "CGO_ENABLED=0")
			cmd.Dir = os.TempDir()
			if out, err := cmd.CombinedOutput(); err != nil {
				return "", fmt.Errorf("go install gopls@%s: %v\n%s", version, err, out)
			}
			return exe, nil
		}
		if realOld, realErr = build(goplsOld); realErr == nil {
			realNew, realErr = build(goplsNew)
		}
	})
	if realErr != nil {
		b.Skipf("real pair unavailable: %v", realErr)
	}
	return realOld, realNew
}

func openReal(b *testing.B, path string) *binarydiff.Binary {
	bin, err := binarydiff.Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	return bin
}

func codeSize(bin *binarydiff.Binary) int64 {
	var n int64
	for _, f := range bin.Functions {
		n += int64(f.Size)
	}
	return n
}

// BenchmarkRealParse measures Open (mmap) and parse of gopls.exe.
func BenchmarkRealParse(b *testing.B) {
	oldPath, _ := realPair(b)
	bin := openReal(b, oldPath)
	b.SetBytes(codeSize(bin))
	bin.Close()
	b.ResetTimer()
	for range b.N {
		openReal(b, oldPath).Close()
	}
}

// BenchmarkRealDiff measures Diff of the two parsed gopls releases. Both
// are built by the same toolchain, so the Go runtime's functions are the
// same code: the "runtime-changed" metric counts those reported Changed
// anyway (0 is right; with names only, as the stripped diff has none).
func BenchmarkRealDiff(b *testing.B) {
	oldPath, newPath := realPair(b)
	for _, ignore := range []bool{false, true} {
		b.Run(fmt.Sprintf("stripped=%v", ignore), func(b *testing.B) {
			old, new := openReal(b, oldPath), openReal(b, newPath)
			defer old.Close()
			defer new.Close()
			b.ResetTimer()
			var res *binarydiff.Result
			for range b.N {
				var err error
				if res, err = binarydiff.Diff(context.Background(), old, new, binarydiff.Options{IgnoreSymbols: ignore}); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(res.Summary.Changed), "changed")
			if !ignore {
				runtime := 0
				for _, fd := range res.Functions {
					if fd.Kind == binarydiff.Changed && strings.HasPrefix(fd.Old.Name, "runtime.") {
						runtime++
					}
				}
				b.ReportMetric(float64(runtime), "runtime-changed")
			}
		})
	}
}

// BenchmarkRealOpenAndDiff measures the whole job on the real pair: open
// and parse both, diff.
func BenchmarkRealOpenAndDiff(b *testing.B) {
	oldPath, newPath := realPair(b)
	fi, err := os.Stat(oldPath)
	if err != nil {
		b.Fatal(err)
	}
	fj, _ := os.Stat(newPath)
	b.SetBytes(fi.Size() + fj.Size())
	b.ResetTimer()
	for range b.N {
		old, new := openReal(b, oldPath), openReal(b, newPath)
		if _, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{}); err != nil {
			b.Fatal(err)
		}
		old.Close()
		new.Close()
	}
}

// BenchmarkRealExplain measures the instruction-level diff of the changed
// function of median size between the gopls releases.
func BenchmarkRealExplain(b *testing.B) {
	oldPath, newPath := realPair(b)
	old, new := openReal(b, oldPath), openReal(b, newPath)
	defer old.Close()
	defer new.Close()
	res, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var changed []binarydiff.FunctionDiff
	for _, fd := range res.Functions {
		if fd.Kind == binarydiff.Changed {
			changed = append(changed, fd)
		}
	}
	if len(changed) == 0 {
		b.Skip("no changed function")
	}
	sort.Slice(changed, func(i, j int) bool { return changed[i].Old.Size < changed[j].Old.Size })
	fd := changed[len(changed)/2]
	b.Logf("%d changed functions; explaining %s (%d→%d bytes)", len(changed), fd.Old.Name, fd.Old.Size, fd.New.Size)
	b.ResetTimer()
	for range b.N {
		if _, err := binarydiff.Explain(old, new, fd); err != nil {
			b.Fatal(err)
		}
	}
}
