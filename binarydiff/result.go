package binarydiff

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Kind classifies a function (or section) of the old and new binaries.
type Kind uint8

const (
	// Identical: paired, same normalized code, same RVA.
	Identical Kind = iota
	// Moved: paired, same normalized code, different RVA. Code that only
	// shifted, or whose callees or data moved, is Identical or Moved.
	Moved
	// Changed: paired, and the normalized code differs (an immediate, a
	// register, an instruction inserted or deleted), or a callee or a data
	// reference differs; FunctionDiff.Cause says which.
	Changed
	// Added: only in the new binary.
	Added
	// Removed: only in the old binary.
	Removed
)

var kindNames = [...]string{"identical", "moved", "changed", "added", "removed"}

// String implements fmt.Stringer.
func (k Kind) String() string { return enumString(kindNames[:], int(k)) }

// MarshalText implements encoding.TextMarshaler.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *Kind) UnmarshalText(b []byte) error { return enumParse(kindNames[:], "kind", b, (*uint8)(k)) }

// Pass names the matching pass that paired two functions. Passes run from
// most to least certain; each sees only what earlier passes left unpaired.
type Pass uint8

const (
	PassNone       Pass = iota // unpaired (added or removed)
	PassName                   // same name on both sides, unique among the unpaired
	PassExact                  // same raw bytes, unique
	PassNormalized             // same normalized code, unique
	PassStructural             // same structural key (operand-free code, strings, shape), unique
	PassCallGraph              // callee or caller of a paired function, unique among its unpaired neighbours
	PassAlignment              // between two paired neighbours, in address order
	PassSimilarity             // best similarity among a small candidate set
)

var passNames = [...]string{"", "name", "exact", "normalized", "structural", "callgraph", "alignment", "similarity"}

// String implements fmt.Stringer.
func (p Pass) String() string { return enumString(passNames[:], int(p)) }

// MarshalText implements encoding.TextMarshaler.
func (p Pass) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (p *Pass) UnmarshalText(b []byte) error { return enumParse(passNames[:], "pass", b, (*uint8)(p)) }

// Result is the outcome of Diff. It round-trips through encoding/json; the
// schema is documented in the package documentation.
type Result struct {
	Old       ImageInfo      `json:"old"`
	New       ImageInfo      `json:"new"`
	Functions []FunctionDiff `json:"functions"` // every function of both sides exactly once
	Summary   Summary        `json:"summary"`
	Sections  []SectionDiff  `json:"sections"` // non-code sections
}

// ImageInfo describes one side of a diff.
type ImageInfo struct {
	Format    Format `json:"format"`
	Arch      Arch   `json:"arch"`
	ImageBase uint64 `json:"imageBase"`
	Entry     uint32 `json:"entry"`
	Functions int    `json:"functions"`
	Warnings  int    `json:"warnings"`
	// Degraded is Binary.Degraded: why damage cost the image most of its
	// functions, so that its Removed or Added counts say little; "" when
	// it did not.
	Degraded string `json:"degraded,omitempty"`
}

// FunctionDiff is one function pair, or one unpaired function.
type FunctionDiff struct {
	Kind       Kind     `json:"kind"`
	Old        *FuncRef `json:"old,omitempty"` // nil for Added
	New        *FuncRef `json:"new,omitempty"` // nil for Removed
	Similarity float64  `json:"similarity"`    // 1 for Identical and Moved, [0,1) for Changed, 0 for Added and Removed
	Pass       Pass     `json:"pass"`          // PassNone for Added and Removed
	// Cause says why a Changed pair is Changed; it is empty exactly when
	// Kind is not Changed.
	Cause Cause `json:"cause,omitempty"`
	// Refs lists the callees and data references that differ in a Changed
	// pair whose normalized code is equal (Cause without CauseCode), in
	// the function's order, at most maxChangedRefs of them. [Explain]
	// shows their sites and bytes.
	Refs []ChangedRef `json:"refs,omitempty"`
}

// Name returns the function's name: the new side's if it has one, else
// the old side's; "" when neither is named (stripped images, or
// Options.IgnoreSymbols).
func (d FunctionDiff) Name() string {
	if d.New != nil && d.New.Name != "" {
		return d.New.Name
	}
	if d.Old != nil {
		return d.Old.Name
	}
	return ""
}

// Cause is a set of reasons a pair of functions is Changed.
type Cause uint8

const (
	// CauseCode: the normalized instructions differ (an opcode, a
	// register, an immediate, an instruction inserted or deleted).
	CauseCode Cause = 1 << iota
	// CauseCallee: a call, tail call or function pointer reaches a function
	// that is not the partner of the old target (another function, or an
	// added one, or none).
	CauseCallee
	// CauseData: a data reference reads different bytes (relocated
	// pointers compared by what they point to), or, in writable or
	// uninitialized data, was retargeted to other data.
	CauseData
)

var causeNames = [...]string{"code", "callee", "data"}

// Has reports whether c includes every cause of x.
func (c Cause) Has(x Cause) bool { return c&x == x }

// Strings returns the names of the causes in c, in the order code,
// callee, data.
func (c Cause) Strings() []string {
	var out []string
	for i, n := range causeNames {
		if c&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// String implements fmt.Stringer: the names joined by "+", "" for none.
func (c Cause) String() string { return strings.Join(c.Strings(), "+") }

// MarshalJSON encodes c as a list of names, such as ["callee","data"].
func (c Cause) MarshalJSON() ([]byte, error) {
	names := c.Strings()
	if names == nil {
		names = []string{}
	}
	return json.Marshal(names)
}

// UnmarshalJSON decodes a list of names.
func (c *Cause) UnmarshalJSON(b []byte) error {
	var names []string
	if err := json.Unmarshal(b, &names); err != nil {
		return err
	}
	*c = 0
	for _, n := range names {
		i := slices.Index(causeNames[:], n)
		if i < 0 {
			return fmt.Errorf("binarydiff: unknown cause %q", n)
		}
		*c |= 1 << i
	}
	return nil
}

// ChangedRef is one reference of a Changed pair that differs: a callee
// (CauseCallee) or a data reference (CauseData).
type ChangedRef struct {
	Cause Cause `json:"cause"`
	// Index is the reference's position among the function's callees
	// (direct calls in call-site order, then tail calls and code addresses
	// taken) or among its data references, in instruction order.
	Index int `json:"index"`
	// Old and New are the RVAs the reference reaches on each side; 0 when
	// the side has no such reference.
	Old uint32 `json:"old"`
	New uint32 `json:"new"`
	// Retargeted is set for a data reference that reads the same bytes
	// but other data (writable or uninitialized data, whose identity
	// matters): the data check found it no longer refers to the same item.
	Retargeted bool `json:"retargeted,omitempty"`
}

// maxChangedRefs bounds FunctionDiff.Refs per pair.
const maxChangedRefs = 32

// FuncRef identifies a function on one side of a diff.
type FuncRef struct {
	RVA  uint32 `json:"rva"`
	Size uint32 `json:"size"`
	Name string `json:"name,omitempty"`
}

// Summary counts function diffs per kind.
type Summary struct {
	Identical int `json:"identical"`
	Moved     int `json:"moved"`
	Changed   int `json:"changed"`
	Added     int `json:"added"`
	Removed   int `json:"removed"`
	// DataOnly counts the Changed pairs whose only cause is CauseData:
	// the code and callees are the same, the data it reads differs.
	DataOnly int `json:"dataOnly"`
}

func (s *Summary) add(fd *FunctionDiff) {
	if fd.Cause == CauseData {
		s.DataOnly++
	}
	switch fd.Kind {
	case Identical:
		s.Identical++
	case Moved:
		s.Moved++
	case Changed:
		s.Changed++
	case Added:
		s.Added++
	case Removed:
		s.Removed++
	}
}

// Count returns the number of function diffs of kind k.
func (s Summary) Count(k Kind) int {
	switch k {
	case Identical:
		return s.Identical
	case Moved:
		return s.Moved
	case Changed:
		return s.Changed
	case Added:
		return s.Added
	case Removed:
		return s.Removed
	}
	return 0
}

// SectionDiff compares one non-code section of the two images. Sections
// pair by name (and by position among equal names).
type SectionDiff struct {
	Name string `json:"name"`
	Kind Kind   `json:"kind"`          // Identical, Moved (same bytes, other RVA), Changed, Added or Removed
	Old  *Range `json:"old,omitempty"` // RVA and virtual size; nil for Added
	New  *Range `json:"new,omitempty"` // nil for Removed
	// Changed covers the differing bytes once relocated pointers are masked,
	// exactly unless there would be more than 4096 ranges: then neighbours
	// are merged across the smallest gaps and ranges may include equal
	// bytes.
	Changed []ByteRange `json:"changed,omitempty"`
	// ChangedBytes is the exact number of differing bytes.
	ChangedBytes uint32 `json:"changedBytes"`
}

// ByteRange is a range of offsets from the start of a section. Offsets are
// the same on both sides; bytes past the end of the shorter section count
// as changed.
type ByteRange struct {
	Off  uint32 `json:"off"`
	Size uint32 `json:"size"`
}
