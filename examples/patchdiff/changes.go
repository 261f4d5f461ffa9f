package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/patchmodel/patchmodel/binarydiff"
)

// Explained is a Result whose changed functions carry their explanation
// (with -json -explain): the instructions that differ, and the callees and
// data that do, so that a tool can check every Changed has its evidence.
type Explained struct {
	*binarydiff.Result
	Functions []ExplainedFunction `json:"functions"`
}

// ExplainedFunction is a function diff with, for a changed pair, its
// explanation.
type ExplainedFunction struct {
	binarydiff.FunctionDiff
	Explain *binarydiff.Explanation `json:"explain,omitempty"`
}

// explained returns res with the explanation of every changed function
// when explain is set (a function that cannot be explained is left
// without one).
func explained(old, new *binarydiff.Binary, res *binarydiff.Result, explain bool) *Explained {
	x := &Explained{Result: res, Functions: make([]ExplainedFunction, len(res.Functions))}
	for i, fd := range res.Functions {
		x.Functions[i].FunctionDiff = fd
		if explain && fd.Kind == binarydiff.Changed {
			if e, err := binarydiff.Explain(old, new, fd); err == nil {
				x.Functions[i].Explain = e
			}
		}
	}
	return x
}

// printChanges lists the changes after the summary: first the functions
// whose code changed (or that reach other callees, or were added or
// removed), most changed first, then the count and a list of those
// changed only by the data they read; each with its explanation if
// explain is set.
func printChanges(w io.Writer, old, new *binarydiff.Binary, res *binarydiff.Result, top int, explain bool) {
	var code, data []binarydiff.FunctionDiff
	for _, fd := range res.Functions {
		switch {
		case fd.Kind == binarydiff.Changed && fd.Cause == binarydiff.CauseData:
			data = append(data, fd)
		case fd.Kind != binarydiff.Identical && fd.Kind != binarydiff.Moved:
			code = append(code, fd)
		}
	}
	// Most changed first: added and removed (similarity 0), then by
	// similarity, larger functions first among equals.
	slices.SortStableFunc(code, func(a, b binarydiff.FunctionDiff) int {
		if a.Similarity != b.Similarity {
			if a.Similarity < b.Similarity {
				return -1
			}
			return 1
		}
		return int(size(b)) - int(size(a))
	})
	list := func(title string, fds []binarydiff.FunctionDiff) {
		if len(fds) == 0 {
			return
		}
		if len(fds) > top {
			fmt.Fprintf(w, "\n%s (%d of %d):\n", title, top, len(fds))
			fds = fds[:top]
		} else {
			fmt.Fprintf(w, "\n%s (%d):\n", title, len(fds))
		}
		for _, fd := range fds {
			fmt.Fprintf(w, "  %-8s %-40s %s\n", fd.Kind, label(fd), detail(fd))
			if !explain || fd.Kind != binarydiff.Changed {
				continue
			}
			e, err := binarydiff.Explain(old, new, fd)
			if err != nil {
				fmt.Fprintf(w, "      (no explanation: %v)\n", err)
				continue
			}
			if fd.Cause == binarydiff.CauseData || fd.Cause == binarydiff.CauseCallee || fd.Cause == binarydiff.CauseCallee|binarydiff.CauseData {
				e.Lines = nil // the code is the same: only the evidence
			}
			for _, line := range strings.Split(strings.TrimRight(e.String(), "\n"), "\n") {
				fmt.Fprintf(w, "      %s\n", line)
			}
		}
	}
	list("code changes", code)
	if len(data) > 0 {
		fmt.Fprintf(w, "\n%d functions changed only by the data they read\n", len(data))
	}
	list("data-only changes", data)
}
