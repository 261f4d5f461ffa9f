package main

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/patchmodel/patchmodel/binarydiff"
)

// The two versions of the program to diff; v2 fixes withdraw and adds audit.
var (
	//go:embed testdata/v1/main.go
	v1 string
	//go:embed testdata/v2/main.go
	v2 string
)

// diff cross-builds both versions for windows/amd64, diffs the images and
// explains what changed in the program's own functions.
func diff() error {
	dir, err := os.MkdirTemp("", "patchmodel-quickstart-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Println("building two versions of a small program with GOOS=windows GOARCH=amd64 go build ...")
	oldPath, err := build(dir, "v1", v1)
	if err != nil {
		return err
	}
	newPath, err := build(dir, "v2", v2)
	if err != nil {
		return err
	}
	old, err := binarydiff.Open(context.Background(), oldPath)
	if err != nil {
		return err
	}
	defer old.Close()
	new, err := binarydiff.Open(context.Background(), newPath)
	if err != nil {
		return err
	}
	defer new.Close()

	res, err := binarydiff.Diff(context.Background(), old, new, binarydiff.Options{})
	if err != nil {
		return err
	}
	s := res.Summary
	fmt.Printf("%d functions: %d identical, %d moved, %d changed, %d added, %d removed\n",
		len(res.Functions), s.Identical, s.Moved, s.Changed, s.Added, s.Removed)
	for _, d := range res.Functions {
		if name := funcName(d); strings.HasPrefix(name, "main.") && d.Kind != binarydiff.Identical && d.Kind != binarydiff.Moved {
			fmt.Printf("  %-8v %-16s similarity %.2f (pass %v)\n", d.Kind, name, d.Similarity, d.Pass)
		}
	}
	for _, d := range res.Functions {
		if d.Kind == binarydiff.Changed && funcName(d) == "main.withdraw" {
			e, err := binarydiff.Explain(old, new, d)
			if err != nil {
				return err
			}
			fmt.Printf("\nmain.withdraw, instruction by instruction:\n%s", e)
		}
	}
	a := res.Hotpatchability(old, new)
	// Patchable, NotPatchable or Unknown, and why (the rule counts are in
	// a.ByRule; patchdiff -hotpatch prints them in full).
	fmt.Printf("\nhotpatchable in memory: %v (%v: %s)\n", a.Patchable(), a.Verdict, a.Reason)
	return nil
}

func funcName(d binarydiff.FunctionDiff) string {
	if d.New != nil && d.New.Name != "" {
		return d.New.Name
	}
	if d.Old != nil {
		return d.Old.Name
	}
	return ""
}

// build writes src as a one-file module and builds it for windows/amd64.
func build(dir, name, src string) (string, error) {
	mod := filepath.Join(dir, name)
	if err := os.MkdirAll(mod, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module quickstart/"+name+"\n\ngo 1.24\n"), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(mod, "main.go"), []byte(src), 0o644); err != nil {
		return "", err
	}
	out := filepath.Join(dir, name+".exe")
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, ".")
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=", "GOWORK=off")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", name, err, msg)
	}
	return out, nil
}
