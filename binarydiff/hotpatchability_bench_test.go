package binarydiff_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/patchmodel/patchmodel/binarydiff"
)

// Benchmarks of the hotpatchability assessment against the diff it
// follows (target: the assessment adds < 5%), and of ELF parse and diff
// on a real pair:
//
//	go test ./binarydiff -run '^$' -bench 'Assess|ELFReal' -benchmem -count 6 | tee hp.txt
//	go run golang.org/x/perf/cmd/benchstat@latest hp.txt
//
// The step=diff+hotpatch benchmarks report the overhead directly: each
// iteration diffs the pair and assesses that result, timing both, and
// assess-% is the assessment's time over the diff's, ×100; assess-cpu-%
// is the same for the CPU time the process used in each step (all its
// threads), which load from other processes disturbs less. Both steps run
// back to back in every iteration, so load from other processes weighs on
// both alike, which comparing separate step=diff and step=hotpatch runs
// does not ensure. It is the cost a caller sees: the assessment starts
// with what the diff left in the caches and the garbage it left for the
// collector, and reads much the diff did not (the exception directory,
// relocations, section bytes), so it takes longer than in step=hotpatch,
// which assesses one result over and over.

// assessOverhead is the step=diff+hotpatch benchmark of a pair: Diff then
// Hotpatchability of its result, each timed, reported as diff-ns/op,
// assess-ns/op and assess-% (assessment time / diff time × 100).
func assessOverhead(b *testing.B, old, new *binarydiff.Binary) {
	b.ReportAllocs()
	var diff, assess, diffCPU, assessCPU time.Duration
	for range b.N {
		t0, c0 := time.Now(), binarydiff.ProcessCPU()
		res, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{})
		if err != nil {
			b.Fatal(err)
		}
		t1, c1 := time.Now(), binarydiff.ProcessCPU()
		res.Hotpatchability(old, new)
		t2, c2 := time.Now(), binarydiff.ProcessCPU()
		diff += t1.Sub(t0)
		assess += t2.Sub(t1)
		diffCPU += c1 - c0
		assessCPU += c2 - c1
	}
	b.ReportMetric(float64(diff.Nanoseconds())/float64(b.N), "diff-ns/op")
	b.ReportMetric(float64(assess.Nanoseconds())/float64(b.N), "assess-ns/op")
	b.ReportMetric(100*float64(assess)/float64(max(diff, 1)), "assess-%")
	if diffCPU > 0 {
		b.ReportMetric(100*float64(assessCPU)/float64(diffCPU), "assess-cpu-%")
	}
}

// BenchmarkAssess measures, on generated PE pairs with mutations of every
// kind, Diff and Hotpatchability (of a diff made once), and both in turn
// with the assessment's share (step=diff+hotpatch, assess-%).
func BenchmarkAssess(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		p := generated(b, n)
		old, new := parseBytes(b, p.old), parseBytes(b, p.new)
		res, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("funcs=%d/step=diff+hotpatch", n), func(b *testing.B) {
			assessOverhead(b, old, new)
		})
		b.Run(fmt.Sprintf("funcs=%d/step=diff", n), func(b *testing.B) {
			for range b.N {
				if _, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("funcs=%d/step=hotpatch", n), func(b *testing.B) {
			for range b.N {
				res.Hotpatchability(old, new)
			}
		})
	}
}

var (
	elfRealOnce sync.Once
	elfRealOld  []byte
	elfRealNew  []byte
	elfRealErr  error
)

// elfRealPair builds the two versions of testdata/realbin/*.go for
// linux/amd64, once.
func elfRealPair(b *testing.B) ([]byte, []byte) {
	elfRealOnce.Do(func() {
		dir, err := os.MkdirTemp("", "binarydiff-elf-bench")
		if err != nil {
			elfRealErr = err
			return
		}
		var out [2][]byte
		for i, v := range []string{"v1", "v2"} {
			src := filepath.Join(dir, v)
			os.MkdirAll(src, 0o755)
			code, err := os.ReadFile(filepath.Join("testdata", "realbin", v+".go"))
			if err != nil {
				elfRealErr = err
				return
			}
			os.WriteFile(filepath.Join(src, "main.go"), code, 0o644)
			os.WriteFile(filepath.Join(src, "go.mod"), []byte("module realbin\n\ngo 1.24\n"), 0o644)
			cmd := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(dir, v+".elf"), ".")
			cmd.Dir = src
			cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=-buildvcs=false")
			if msg, err := cmd.CombinedOutput(); err != nil {
				elfRealErr = fmt.Errorf("%v: %s", err, msg)
				return
			}
			out[i], elfRealErr = os.ReadFile(filepath.Join(dir, v+".elf"))
		}
		elfRealOld, elfRealNew = out[0], out[1]
		os.RemoveAll(dir)
	})
	if elfRealErr != nil {
		b.Skip(elfRealErr)
	}
	return elfRealOld, elfRealNew
}

// BenchmarkELFReal measures Parse of both sides plus Diff, and the
// assessment, on a real pair: a small Go program (about 1,950 functions,
// 1.6 MB of ELF) before and after a source change.
func BenchmarkELFReal(b *testing.B) {
	po, pn := elfRealPair(b)
	parse := func(p []byte) *binarydiff.Binary {
		bin, err := binarydiff.Parse(context.Background(), bytes.NewReader(p), int64(len(p)))
		if err != nil {
			b.Fatal(err)
		}
		return bin
	}
	b.Run("step=parse+diff", func(b *testing.B) {
		b.SetBytes(int64(len(po) + len(pn)))
		for range b.N {
			if _, err := binarydiff.Diff(context.Background(), parse(po), parse(pn), binarydiff.Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	old, new := parse(po), parse(pn)
	res, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("step=diff", func(b *testing.B) {
		for range b.N {
			if _, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("step=hotpatch", func(b *testing.B) {
		for range b.N {
			res.Hotpatchability(old, new)
		}
	})
}

// BenchmarkAssessReal compares Diff and the assessment on the real gopls
// pair of bench_test.go (windows/amd64, about 40 MB each); step=diff+hotpatch
// reports the assessment's share (assess-%).
func BenchmarkAssessReal(b *testing.B) {
	po, pn := realPair(b)
	old, err := binarydiff.Open(context.Background(), po)
	if err != nil {
		b.Fatal(err)
	}
	defer old.Close()
	new, err := binarydiff.Open(context.Background(), pn)
	if err != nil {
		b.Fatal(err)
	}
	defer new.Close()
	res, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("step=diff+hotpatch", func(b *testing.B) {
		assessOverhead(b, old, new)
	})
	b.Run("step=diff", func(b *testing.B) {
		for range b.N {
			if _, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("step=hotpatch", func(b *testing.B) {
		for range b.N {
			res.Hotpatchability(old, new)
		}
	})
}

// BenchmarkELFGopls measures Parse of both sides plus Diff, Diff alone,
// the assessment, and Diff with the assessment (assess-%) on a large real
// ELF pair: gopls v0.22.0 and v0.23.0 built
// for linux/amd64 into the benchmark cache of bench_test.go
// ($XDG_CACHE_HOME/patchmodel-bench/gopls-<version>/bin/gopls, by
// GOPATH=… GOOS=linux go install golang.org/x/tools/gopls@<version>).
// Skipped when they are not there.
func BenchmarkELFGopls(b *testing.B) {
	cache, err := os.UserCacheDir()
	if err != nil {
		b.Skip(err)
	}
	var p [2][]byte
	for i, v := range []string{goplsOld, goplsNew} {
		if p[i], err = os.ReadFile(filepath.Join(cache, "patchmodel-bench", "gopls-"+v, "bin", "gopls")); err != nil {
			b.Skip(err)
		}
	}
	parse := func(p []byte) *binarydiff.Binary {
		bin, err := binarydiff.Parse(context.Background(), bytes.NewReader(p), int64(len(p)))
		if err != nil {
			b.Fatal(err)
		}
		return bin
	}
	b.Run("step=parse+diff", func(b *testing.B) {
		b.SetBytes(int64(len(p[0]) + len(p[1])))
		for range b.N {
			if _, err := binarydiff.Diff(context.Background(), parse(p[0]), parse(p[1]), binarydiff.Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	old, new := parse(p[0]), parse(p[1])
	res, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("step=diff+hotpatch", func(b *testing.B) {
		assessOverhead(b, old, new)
	})
	b.Run("step=diff", func(b *testing.B) {
		for range b.N {
			if _, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("step=hotpatch", func(b *testing.B) {
		for range b.N {
			res.Hotpatchability(old, new)
		}
	})
}
