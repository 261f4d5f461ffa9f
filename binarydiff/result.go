package binarydiff

// Kind classifies a function (or section) of the old and new binaries.
type Kind uint8

const (
	// Identical: paired, same normalized code, same RVA.
	Identical Kind = iota
	// Moved: paired, same normalized code, different RVA. Code that only
	// shifted, or whose callees or data moved, is Identical or Moved.
	Moved
	// Changed: paired, normalized code differs (an immediate, a register,
	// an instruction inserted or deleted, a call to a different function).
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
	ImageBase uint64 `json:"image_base"`
	Entry     uint32 `json:"entry"`
	Functions int    `json:"functions"`
	Warnings  int    `json:"warnings"`
}

// FunctionDiff is one function pair, or one unpaired function.
type FunctionDiff struct {
	Kind       Kind     `json:"kind"`
	Old        *FuncRef `json:"old,omitempty"` // nil for Added
	New        *FuncRef `json:"new,omitempty"` // nil for Removed
	Similarity float64  `json:"similarity"`    // 1 for Identical and Moved, [0,1) for Changed, 0 for Added and Removed
	Pass       Pass     `json:"pass"`          // PassNone for Added and Removed
}

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
}

func (s *Summary) add(k Kind) {
	switch k {
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
	ChangedBytes uint32 `json:"changed_bytes"`
}

// ByteRange is a range of offsets from the start of a section. Offsets are
// the same on both sides; bytes past the end of the shorter section count
// as changed.
type ByteRange struct {
	Off  uint32 `json:"off"`
	Size uint32 `json:"size"`
}
