//go:build linux

package corpus

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"debug/pe"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/patchmodel/patchmodel/binarydiff"
	"github.com/patchmodel/patchmodel/internal/corpuscache"
)

// pair is one line "pair ID TOOLCHAIN TRUTH OLD NEW [ci]" of corpus.txt.
type pair struct {
	id, toolchain, truth, old, new string
	ci                             bool
}

func readManifest(t *testing.T) []pair {
	t.Helper()
	f, err := os.Open("corpus.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var pairs []pair
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		w := strings.Fields(sc.Text())
		if len(w) == 0 || w[0] != "pair" {
			continue
		}
		if len(w) < 6 {
			t.Fatalf("corpus.txt: short pair line %q", sc.Text())
		}
		pairs = append(pairs, pair{w[1], w[2], w[3], w[4], w[5], len(w) > 6 && w[6] == "ci"})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return pairs
}

// score is what the child process reports for one pair.
type score struct {
	OldFuncs, NewFuncs int
	Pairs              int
	Truth              int // truth pairs: names unique on both sides
	Judged, Correct    int // result pairs with a truth name on either side; of them, pairs the truth agrees with
	Summary            binarydiff.Summary
	RemovedNamed       int // Removed whose name is still in the new file
	Unexplained        int // Changed without a cause, or a cause without its evidence in Explain
	GoFuncs, GoNamed   [2]int
	GoFound            [2]int // pclntab functions discovered with their start, per side
	Warnings           []string
	Wall               time.Duration // Open both + Diff
	CPU                time.Duration // the child's CPU time before the evidence check
}

const childEnv = "PATCHMODEL_CORPUS_CHILD"

// TestCorpus diffs every selected pair of the corpus in a child process
// and prints, per pair, what the child scored, its wall time and peak
// RSS, and the time sha256sum takes to read both files in the same run.
func TestCorpus(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		t.Skip("child process")
	}
	dir := corpuscache.Files()
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("corpus cache %s absent: run binarydiff/corpus/fetch.sh to fetch it (about 600 MB)", dir)
	}
	sel := os.Getenv("PATCHMODEL_CORPUS")
	var re *regexp.Regexp
	if sel != "" && sel != "all" {
		re = regexp.MustCompile(sel)
	}
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 1, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "pair\ttoolchain\tMiB\tfuncs old/new\tpairs\ttruth\tprecision\trecall\tI/M/C/A/R\tremoved named\tGo named\twall s\tsha256 s\tratio\tCPU s\tsha256 CPU s\tCPU ratio\tRSS MiB\tRSS/(2×in+16M)\t")
	ran := 0
	for _, p := range readManifest(t) {
		if sel == "" && !p.ci || re != nil && !re.MatchString(p.id) {
			continue
		}
		oldPath, newPath := filepath.Join(dir, p.old), filepath.Join(dir, p.new)
		if !exists(oldPath) || !exists(newPath) {
			t.Logf("%s: not in the cache; run binarydiff/corpus/fetch.sh", p.id)
			continue
		}
		ran++
		limit := 30 * time.Minute
		if sel == "" {
			limit = time.Minute // the CI subset stays time-bounded
		}
		s, rss, cpu := runChild(t, p, oldPath, newPath, limit)
		if s == nil {
			continue
		}
		hash, hashCPU := hashTime(oldPath, newPath)
		in := fileSize(oldPath) + fileSize(newPath)
		prec, rec := ratio(s.Correct, s.Judged), ratio(s.Correct, s.Truth)
		goNamed := "-"
		if s.GoFuncs[0]+s.GoFuncs[1] > 0 {
			goNamed = fmt.Sprintf("%.4f", ratio(s.GoNamed[0]+s.GoNamed[1], s.GoFuncs[0]+s.GoFuncs[1]))
		}
		sum := s.Summary
		fmt.Fprintf(tw, "%s\t%s\t%.1f\t%d/%d\t%d\t%d\t%.4f\t%.4f\t%d/%d/%d/%d/%d\t%d\t%s\t%.2f\t%.2f\t%.1f\t%.2f\t%.2f\t%.1f\t%.0f\t%.2f\t\n",
			p.id, p.toolchain, float64(in)/(1<<20), s.OldFuncs, s.NewFuncs, s.Pairs, s.Truth, prec, rec,
			sum.Identical, sum.Moved, sum.Changed, sum.Added, sum.Removed, s.RemovedNamed, goNamed,
			s.Wall.Seconds(), hash.Seconds(), s.Wall.Seconds()/hash.Seconds(),
			cpu.Seconds(), hashCPU.Seconds(), cpu.Seconds()/max(hashCPU.Seconds(), 1e-3),
			float64(rss)/(1<<20), float64(rss)/float64(2*in+16<<20))
		for _, w := range s.Warnings {
			t.Logf("%s: warning: %s", p.id, w)
		}
		// What must hold on every pair, whatever the figures above.
		if s.Unexplained > 0 {
			t.Errorf("%s: %d Changed without a cause or without its evidence in Explain", p.id, s.Unexplained)
		}
		if p.truth == "identical" && (sum.Moved+sum.Changed+sum.Added+sum.Removed != 0) {
			t.Errorf("%s: a byte-identical rebuild reports %+v", p.id, sum)
		}
		if p.truth == "pclntab" {
			for side := range 2 {
				if s.GoFuncs[side] == 0 {
					t.Errorf("%s: side %d: no pclntab found by the harness", p.id, side)
				} else if r := ratio(s.GoNamed[side], s.GoFuncs[side]); r < 0.99 {
					t.Errorf("%s: side %d: %d of %d pclntab functions named (%.4f < 0.99)", p.id, side, s.GoNamed[side], s.GoFuncs[side], r)
				}
			}
		}
	}
	tw.Flush()
	note := ""
	if raceEnabled {
		note = "; race detector on: times and RSS are not representative"
	}
	t.Logf("corpus (%s; names ignored; wall = open both + diff%s):\n%s", corpuscache.Dir(), note, buf.String())
	if ran == 0 {
		t.Skipf("no selected pair is in the cache %s; run binarydiff/corpus/fetch.sh", dir)
	}
}

// TestCorpusGoNames checks every Go binary of the corpus (all toolchains,
// exe and PIE, amd64, 386 and arm64): at least 99% of its pclntab's
// functions are discovered at their start and named alike.
func TestCorpusGoNames(t *testing.T) {
	dir := corpuscache.Files()
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("corpus cache %s absent: run binarydiff/corpus/fetch.sh to fetch it", dir)
	}
	f, err := os.ReadFile("corpus.txt")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(f), "\n") {
		w := strings.Fields(line)
		if len(w) < 4 || w[0] != "file" || !strings.HasPrefix(w[3], "go:") && !strings.HasPrefix(w[1], "esbuild") {
			continue
		}
		path := filepath.Join(dir, w[1])
		if !exists(path) {
			continue
		}
		b, err := binarydiff.Open(context.Background(), path)
		if err != nil {
			t.Errorf("%s: %v", w[1], err)
			continue
		}
		total, named, found := goNames(path, b)
		n++
		if total == 0 || ratio(named, total) < 0.99 || ratio(found, total) < 0.99 {
			t.Errorf("%s: %d pclntab functions, %d discovered, %d named; warnings %v", w[1], total, found, named, b.Warnings)
		} else if testing.Verbose() {
			t.Logf("%s: %d pclntab functions, %d discovered, %d named", w[1], total, found, named)
		}
		b.Close()
	}
	if n == 0 {
		t.Skip("no Go binary of the corpus is in the cache; run binarydiff/corpus/fetch.sh")
	}
}

// runChild diffs one pair in a child process (this test binary) and
// returns its score, peak RSS in bytes (of the whole child, the evidence
// check included) and CPU time (user + system of open, diff and scoring,
// measured by the child before it checks the evidence).
func runChild(t *testing.T, p pair, oldPath, newPath string, limit time.Duration) (*score, int64, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCorpusChild$", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+strings.Join([]string{oldPath, newPath, p.truth}, "\t"))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Errorf("%s: child: %v\n%s%s", p.id, err, out.String(), errb.String())
		return nil, 0, 0
	}
	rss := int64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) << 10
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	for _, line := range strings.Split(out.String(), "\n") {
		if js, ok := strings.CutPrefix(line, "CORPUS-SCORE "); ok {
			var s score
			if err := json.Unmarshal([]byte(js), &s); err != nil {
				t.Fatal(err)
			}
			if s.CPU > 0 {
				cpu = s.CPU
			}
			return &s, rss, cpu
		}
	}
	t.Errorf("%s: child printed no score:\n%s", p.id, out.String())
	return nil, 0, 0
}

// TestCorpusChild is the child process of TestCorpus.
func TestCorpusChild(t *testing.T) {
	env := os.Getenv(childEnv)
	if env == "" {
		t.Skip("run by TestCorpus")
	}
	args := strings.Split(env, "\t")
	s, err := diffPair(args[0], args[1], args[2])
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(s)
	fmt.Printf("\nCORPUS-SCORE %s\n", js)
}

func diffPair(oldPath, newPath, truth string) (*score, error) {
	start := time.Now()
	var bins [2]*binarydiff.Binary
	var errs [2]error
	var wg sync.WaitGroup
	for i, path := range []string{oldPath, newPath} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bins[i], errs[i] = binarydiff.Open(context.Background(), path)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	defer bins[0].Close()
	defer bins[1].Close()
	res, err := binarydiff.Diff(context.Background(), bins[0], bins[1], binarydiff.Options{IgnoreSymbols: true})
	if err != nil {
		return nil, err
	}
	s := &score{Wall: time.Since(start), Summary: res.Summary, OldFuncs: len(bins[0].Functions), NewFuncs: len(bins[1].Functions)}
	for side, b := range bins {
		for _, w := range b.Warnings {
			s.Warnings = append(s.Warnings, fmt.Sprintf("side %d: %s", side, w))
		}
	}
	scorePairs(s, res, bins)
	if truth == "pclntab" {
		for side, path := range []string{oldPath, newPath} {
			s.GoFuncs[side], s.GoNamed[side], s.GoFound[side] = goNames(path, bins[side])
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	for _, fd := range res.Functions {
		if fd.Kind == binarydiff.Changed && !explained(bins, fd) {
			s.Unexplained++
		}
	}
	return s, nil
}

// explained reports whether a Changed pair has a cause and, in Explain,
// the evidence of each: a differing instruction for code, a call site for
// callee, the bytes read for data.
func explained(bins [2]*binarydiff.Binary, fd binarydiff.FunctionDiff) bool {
	if fd.Cause == 0 {
		return false
	}
	e, err := binarydiff.Explain(bins[0], bins[1], fd)
	if err != nil {
		return false
	}
	differs := slices.ContainsFunc(e.Lines, func(l binarydiff.Line) bool { return l.Op != binarydiff.LineEqual })
	return (fd.Cause&binarydiff.CauseCode == 0 || differs) &&
		(fd.Cause&binarydiff.CauseCallee == 0 || len(e.Callees) > 0) &&
		(fd.Cause&binarydiff.CauseData == 0 || len(e.Data) > 0)
}

// scorePairs scores the pairing of res against the names the binaries
// carry: a pair of functions named alike, each name unique on its side,
// is a truth pair; a result pair is judged when either function has a
// truth partner, and correct when it is a truth pair.
func scorePairs(s *score, res *binarydiff.Result, bins [2]*binarydiff.Binary) {
	var names [2]map[uint32]string
	var count [2]map[string]int
	for side, b := range bins {
		names[side], count[side] = map[uint32]string{}, map[string]int{}
		for _, f := range b.Functions {
			if f.Name != "" {
				names[side][f.RVA] = f.Name
				count[side][f.Name]++
			}
		}
	}
	truthName := func(side int, rva uint32) string {
		n := names[side][rva]
		if n != "" && count[0][n] == 1 && count[1][n] == 1 {
			return n
		}
		return ""
	}
	for n, c := range count[0] {
		if c == 1 && count[1][n] == 1 {
			s.Truth++
		}
	}
	for _, fd := range res.Functions {
		switch {
		case fd.Old != nil && fd.New != nil:
			s.Pairs++
			on, nn := truthName(0, fd.Old.RVA), truthName(1, fd.New.RVA)
			if on == "" && nn == "" {
				continue
			}
			s.Judged++
			if on == nn {
				s.Correct++
			}
		case fd.Old != nil:
			if n := names[0][fd.Old.RVA]; n != "" && count[1][n] > 0 {
				s.RemovedNamed++
			}
		}
	}
}

// goNames reads the pclntab of the Go binary at path, found here
// independently of binarydiff's own search (ELF: the .gopclntab section;
// PE: the first header in .rdata that parses), and counts its functions,
// those b names alike at the same start, and those b found at all.
func goNames(path string, b *binarydiff.Binary) (total, named, found int) {
	tab, text := locatePclntab(path)
	if tab == nil {
		return 0, 0, 0
	}
	funcs, err := binarydiff.ParsePclntab(tab, text)
	if err != nil {
		return 0, 0, 0
	}
	at := map[uint32]string{}
	for _, f := range b.Functions {
		at[f.RVA] = f.Name
	}
	for _, f := range funcs {
		if f.Name == "go:buildid" {
			continue
		}
		total++
		n, ok := at[uint32(f.Entry-b.ImageBase)]
		if ok {
			found++
		}
		if n == f.Name {
			named++
		}
	}
	return total, named, found
}

func locatePclntab(path string) (tab []byte, text uint64) {
	if f, err := elf.Open(path); err == nil {
		defer f.Close()
		tx := f.Section(".text")
		if tx == nil {
			return nil, 0
		}
		// A position-independent executable names it .data.rel.ro.gopclntab.
		for _, s := range f.Sections {
			if strings.HasSuffix(s.Name, ".gopclntab") {
				d, _ := s.Data()
				return d, tx.Addr
			}
		}
		return nil, 0
	}
	f, err := pe.Open(path)
	if err != nil {
		return nil, 0
	}
	defer f.Close()
	var imageBase uint64
	switch h := f.OptionalHeader.(type) {
	case *pe.OptionalHeader64:
		imageBase = h.ImageBase
	case *pe.OptionalHeader32:
		imageBase = uint64(h.ImageBase)
	}
	tx, rd := f.Section(".text"), f.Section(".rdata")
	if tx == nil || rd == nil {
		return nil, 0
	}
	d, _ := rd.Data()
	text = imageBase + uint64(tx.VirtualAddress)
	return scanPclntab(d, text), text
}

// scanPclntab returns the first table in d, at a multiple of 4, whose
// header has a Go 1.16+ magic and that binarydiff.ParsePclntab reads.
func scanPclntab(d []byte, text uint64) []byte {
	for off := 0; off+16 <= len(d); off += 4 {
		switch binary.LittleEndian.Uint32(d[off:]) {
		case 0xfffffff1, 0xfffffff0, 0xfffffffa:
			if d[off+4] == 0 && d[off+5] == 0 {
				if _, err := binarydiff.ParsePclntab(d[off:], text); err == nil {
					return d[off:]
				}
			}
		}
	}
	return nil
}

// hashTime is the wall and CPU time of sha256sum reading both files
// (crypto/sha256 in this process when the command is missing: then the
// CPU time is the wall time).
func hashTime(paths ...string) (wall, cpu time.Duration) {
	start := time.Now()
	cmd := exec.Command("sha256sum", paths...)
	if err := cmd.Run(); err == nil {
		return time.Since(start), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	start = time.Now()
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		h := sha256.New()
		io.Copy(h, f)
		f.Close()
	}
	return time.Since(start), time.Since(start)
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func fileSize(p string) int64 {
	fi, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}
