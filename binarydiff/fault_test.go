package binarydiff_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/patchmodel/patchmodel/binarydiff"
	"github.com/patchmodel/patchmodel/binarydiff/difftest"
)

// faultImage is a small PE image with 256 KiB of data, so that reading
// its data touches pages well past the first.
func faultImage(imm int32) *difftest.Image {
	data := make([]byte, 256<<10)
	for i := range data {
		data[i] = byte(i * 7)
	}
	return &difftest.Image{
		Funcs: []difftest.Func{
			{Name: "main", Export: true, Body: []difftest.Insn{
				{Op: difftest.Load, Dst: difftest.RCX, Target: "table"},
				{Op: difftest.Call, Target: "check"},
			}},
			{Name: "check", Export: true, Body: []difftest.Insn{
				{Op: difftest.CmpImm, Dst: difftest.RCX, Imm: imm},
				{Op: difftest.MovImm, Dst: difftest.RAX, Imm: 1},
			}},
		},
		Data: []difftest.Data{{Name: "table", Bytes: data}},
	}
}

func writeImage(t *testing.T, dir, name string, im *difftest.Image) string {
	t.Helper()
	l, err := im.Build()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, l.Bytes, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestTruncatedWhileMapped truncates a file after Open: Diff and Explain
// must return ErrFileChanged where reading the mapping used to kill the
// process with SIGBUS.
func TestTruncatedWhileMapped(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	po := writeImage(t, dir, "old.exe", faultImage(10))
	pn := writeImage(t, dir, "new.exe", faultImage(11))
	old, err := binarydiff.Open(ctx, po)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	new, err := binarydiff.Open(ctx, pn)
	if err != nil {
		t.Fatal(err)
	}
	defer new.Close()
	res, err := binarydiff.Diff(ctx, old, new, binarydiff.Options{})
	if err != nil {
		t.Fatalf("Diff before truncation: %v", err)
	}
	if err := os.Truncate(pn, 0); err != nil {
		t.Fatal(err)
	}
	_, err = binarydiff.Diff(ctx, old, new, binarydiff.Options{Workers: 2})
	if !errors.Is(err, binarydiff.ErrFileChanged) {
		t.Errorf("Diff after truncation: err = %v, want ErrFileChanged", err)
	}
	_, err = binarydiff.Diff(ctx, old, new, binarydiff.Options{Workers: 1})
	if !errors.Is(err, binarydiff.ErrFileChanged) {
		t.Errorf("Diff (one worker) after truncation: err = %v, want ErrFileChanged", err)
	}
	for _, fd := range res.Functions {
		if fd.Kind == binarydiff.Changed {
			if _, err := binarydiff.Explain(old, new, fd); !errors.Is(err, binarydiff.ErrFileChanged) {
				t.Errorf("Explain after truncation: err = %v, want ErrFileChanged", err)
			}
		}
	}
	if a, err := res.HotpatchabilityContext(ctx, old, new); !errors.Is(err, binarydiff.ErrFileChanged) || a != nil {
		t.Errorf("HotpatchabilityContext after truncation: %v, err = %v, want nil, ErrFileChanged", a, err)
	}
}

// countdownCtx is a context whose Err turns to Canceled after n calls: it
// cancels a parse at each of the points where Parse checks.
type countdownCtx struct {
	context.Context
	n int
}

func (c *countdownCtx) Err() error {
	if c.n <= 0 {
		return context.Canceled
	}
	c.n--
	return nil
}

func (c *countdownCtx) Done() <-chan struct{} { return nil }

func (c *countdownCtx) Deadline() (time.Time, bool) { return time.Time{}, false }

// TestParseCancel cancels Parse and Open before they start and at every
// check after: each returns context.Canceled, until enough checks pass
// for the parse to finish.
func TestParseCancel(t *testing.T) {
	dir := t.TempDir()
	p := writeImage(t, dir, "a.exe", faultImage(10))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := binarydiff.Open(ctx, p); !errors.Is(err, context.Canceled) {
		t.Errorf("Open with a cancelled context: %v", err)
	}
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	finished := false
	for n := 0; n < 20 && !finished; n++ {
		b, err := binarydiff.Open(&countdownCtx{context.Background(), n}, p)
		switch {
		case err == nil:
			finished = true
			b.Close()
			if n < 2 {
				t.Errorf("parse finished after %d checks: too few to be cancellable between stages", n)
			}
		case !errors.Is(err, context.Canceled):
			t.Fatalf("Open cancelled after %d checks: %v", n, err)
		}
		if _, err := binarydiff.Parse(&countdownCtx{context.Background(), n}, bytesReader(raw), int64(len(raw))); err != nil && !errors.Is(err, context.Canceled) {
			t.Fatalf("Parse cancelled after %d checks: %v", n, err)
		}
	}
	if !finished {
		t.Error("Open never finished")
	}
}

func bytesReader(p []byte) *bytes.Reader { return bytes.NewReader(p) }
