package binarydiff

import (
	"context"
	"fmt"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Verdict is the outcome of a hotpatchability assessment.
type Verdict uint8

const (
	// Unknown: no rule blocks the change, but the model cannot tell for
	// some of it (a finding whose rule is Undecided says what). The zero
	// value: an assessment not made says nothing.
	Unknown Verdict = iota
	// NotPatchable: at least one finding of a rule that Blocks.
	NotPatchable
	// Patchable: every change is a function body, a new function, data
	// the patch may carry, or regenerated metadata, and each changed
	// function can be redirected.
	Patchable
)

var verdictNames = [...]string{"unknown", "not-patchable", "patchable"}

// String implements fmt.Stringer.
func (v Verdict) String() string { return enumString(verdictNames[:], int(v)) }

// MarshalText implements encoding.TextMarshaler.
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (v *Verdict) UnmarshalText(b []byte) error {
	return enumParse(verdictNames[:], "verdict", b, (*uint8)(v))
}

// Rule names a hotpatchability rule; [Rule.Info] gives its effect on the
// verdict, its basis and its source (the table is in the package
// documentation).
type Rule uint8

// The rules, in the order findings are sorted; their text forms are the
// IDs findings carry ("data-changed", ...).
const (
	RuleNone               Rule = iota // no rule (the zero value)
	RuleDataChanged                    // data-changed: initialized writable data changed
	RuleDataResized                    // data-resized: writable data grew, shrank, appeared or vanished
	RuleConstPointer                   // const-pointer-changed: changed constant data points to mutable data
	RuleRodataChanged                  // rodata-changed: read-only data that unchanged code reads changed
	RuleRodataPrivate                  // rodata-private: read-only data read only by changed or added code changed
	RuleRodataUnattributed             // rodata-unattributed: read-only data no code refers to changed
	RuleGoTypesChanged                 // go-types-changed: Go type descriptors changed
	RuleMetadataChanged                // metadata-changed: regenerated metadata changed
	RuleTLSChanged                     // tls-changed: the TLS template or zero-fill size changed
	RuleImportsChanged                 // imports-changed: an import was added or removed
	RuleExportsChanged                 // exports-changed: an export was added, removed or retargeted
	RuleEntryChanged                   // entry-changed: the entry point moved or its code changed
	RuleInitChanged                    // init-changed: an initialization routine changed
	RuleNoRoomForJump                  // no-room-for-jump: no room for the redirect of a changed function
	RuleUnpaddedEntry                  // unpadded-entry: no padding before a changed function
	RuleRemovedReferenced              // removed-referenced: a removed function is still referenced
	RuleFunctionAdded                  // function-added: a new function the patch carries
	RuleCHPEImage                      // chpe-image: a CHPE image
	RuleHotpatchImage                  // hotpatch-image: an image is itself a hotpatch
	RuleFactsUnavailable               // facts-unavailable: image facts could not be read
	RuleGoTypeLayout                   // go-type-layout-changed: a Go type's size or pointer layout changed
)

// ruleCount is the number of rules, RuleNone included.
const ruleCount = int(RuleGoTypeLayout) + 1

var ruleNames = [...]string{"", "data-changed", "data-resized", "const-pointer-changed", "rodata-changed",
	"rodata-private", "rodata-unattributed", "go-types-changed", "metadata-changed", "tls-changed",
	"imports-changed", "exports-changed", "entry-changed", "init-changed", "no-room-for-jump",
	"unpadded-entry", "removed-referenced", "function-added", "chpe-image", "hotpatch-image", "facts-unavailable",
	"go-type-layout-changed"}

// String implements fmt.Stringer.
func (r Rule) String() string { return enumString(ruleNames[:], int(r)) }

// MarshalText implements encoding.TextMarshaler.
func (r Rule) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (r *Rule) UnmarshalText(b []byte) error { return enumParse(ruleNames[:], "rule", b, (*uint8)(r)) }

// Finding is one thing an assessment found: a cause that blocks a
// hotpatch, leaves it undecided, asks for review, or is allowed (which
// list of the Assessment holds it says which).
type Finding struct {
	Rule    Rule   `json:"rule"`
	Image   string `json:"image"`             // "old" or "new": the image RVA and Section refer to
	RVA     uint32 `json:"rva"`               // address of the cause, 0 if none
	Size    uint32 `json:"size,omitempty"`    // bytes of data concerned, 0 for a function or a table entry
	Section string `json:"section,omitempty"` // section holding RVA
	// Function is the function concerned (its name, or sub_<rva>): the
	// changed, added or removed one for a rule about functions.
	Function string `json:"function,omitempty"`
	// Readers are the functions of the new image whose code refers to the
	// data concerned (for rodata-changed, the unchanged ones, which would
	// keep the old values); at most maxReaders, then "…".
	Readers []string `json:"readers,omitempty"`
	// OldBytes and NewBytes are the data concerned, in hex, when it is
	// small (at most maxShownBytes bytes).
	OldBytes string `json:"oldBytes,omitempty"`
	NewBytes string `json:"newBytes,omitempty"`
	Message  string `json:"message"`
}

// String implements fmt.Stringer.
func (f Finding) String() string {
	var b strings.Builder
	b.WriteString(f.Rule.String())
	b.WriteString(": ")
	if f.Function != "" {
		fmt.Fprintf(&b, "%s: ", f.Function)
	}
	b.WriteString(f.Message)
	if len(f.Readers) > 0 {
		fmt.Fprintf(&b, "; read by %s", strings.Join(f.Readers, ", "))
	}
	if f.OldBytes != "" || f.NewBytes != "" {
		fmt.Fprintf(&b, "; bytes %s → %s", cmpOr(f.OldBytes, "-"), cmpOr(f.NewBytes, "-"))
	}
	if f.RVA != 0 || f.Section != "" {
		fmt.Fprintf(&b, " (%s rva %#x", f.Image, f.RVA)
		if f.Section != "" {
			fmt.Fprintf(&b, " in %s", f.Section)
		}
		b.WriteString(")")
	}
	return b.String()
}

// nBytes says "1 byte" or "n bytes".
func nBytes(n uint32) string { return counted(int(n), "byte", "bytes") }

// counted says "1 thing" or "n things".
func counted(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// RuleCount is how many findings of one rule an assessment made.
type RuleCount struct {
	Rule   Rule   `json:"rule"`
	Effect Effect `json:"effect"`
	Basis  Basis  `json:"basis"`
	Count  int    `json:"count"`  // findings of the rule
	Listed int    `json:"listed"` // of which the assessment lists (at most maxFindingsPerRule)
	// AtLeast: the rule stopped looking once the verdict was settled and
	// nothing more would be listed; Count is a lower bound.
	AtLeast bool `json:"atLeast,omitempty"`
}

// Assessment says whether a diff can be applied as an in-memory hotpatch,
// and why. It satisfies package eligibility's Assessment interface
// (Patchable and Blockers) without either package importing the other.
type Assessment struct {
	Verdict Verdict `json:"verdict"`
	// Reason says in one line why the verdict is what it is.
	Reason string `json:"reason"`
	// Revert is the one change which, reverted, would leave the rest
	// without blockers, when there is exactly one (nil otherwise).
	Revert *Finding `json:"revert,omitempty"`
	// ByRule counts the findings per rule, in rule order.
	ByRule []RuleCount `json:"byRule,omitempty"`
	// Findings are the blockers (rules that Block), by rule then address.
	Findings []Finding `json:"findings,omitempty"`
	// Unknowns are the findings of Undecided rules.
	Unknowns []Finding `json:"unknowns,omitempty"`
	// Warnings are things to review; they do not change the verdict.
	Warnings []Finding `json:"warnings,omitempty"`
	// Notes are the changes the rules allow, for the record.
	Notes   []Finding     `json:"notes,omitempty"`
	Old     *ImageFacts   `json:"oldFacts,omitempty"`
	New     *ImageFacts   `json:"newFacts,omitempty"`
	Padding []PaddingInfo `json:"padding,omitempty"` // room for the redirect of each changed function, in the old image
}

// PaddingInfo is the room a redirecting jump has at one old function.
type PaddingInfo struct {
	RVA    uint32 `json:"rva"`    // entry of the old function
	Size   uint32 `json:"size"`   // its size
	Before uint32 `json:"before"` // 0xCC/0x90 filler bytes right before the entry (at most 64)
	After  uint32 `json:"after"`  // filler bytes (int3, nop, multi-byte nop, zero) right after its body
}

// Patchable reports whether every change can be hotpatched (the verdict
// is Patchable; Unknown is not).
func (a *Assessment) Patchable() bool { return a.Verdict == Patchable }

// Undecided reports whether the verdict is Unknown: no blocker, but the
// model cannot tell for some change (package eligibility reads it).
func (a *Assessment) Undecided() bool { return a.Verdict == Unknown }

// Blockers describes each blocking Finding in one line; when the verdict
// is Unknown, the undecided ones instead; empty when Patchable.
func (a *Assessment) Blockers() []string {
	fs := a.Findings
	if a.Verdict == Unknown {
		fs = a.Unknowns
	}
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.String()
	}
	return out
}

// Rules returns the distinct rules of the Findings (the blockers), in
// order.
func (a *Assessment) Rules() []Rule {
	var rs []Rule
	for _, f := range a.Findings {
		if !slices.Contains(rs, f.Rule) {
			rs = append(rs, f.Rule)
		}
	}
	slices.Sort(rs)
	return rs
}

// maxFindingsPerRule bounds the findings of one rule an assessment lists;
// RuleCount.Count has them all.
const maxFindingsPerRule = 256

// maxReaders bounds Finding.Readers; maxShownBytes bounds the data shown.
const (
	maxReaders    = 8
	maxShownBytes = 16
)

// Hotpatchability is [Result.HotpatchabilityContext] without a context.
func (r *Result) Hotpatchability(old, new *Binary) *Assessment {
	a, _ := r.HotpatchabilityContext(context.Background(), old, new)
	return a
}

// HotpatchabilityContext assesses whether the change from old to new
// that r describes can be applied in memory by function replacement. old
// and new must be the binaries r was computed from. It reads their image
// facts (imports, exports, TLS, load configuration) again from the
// images. It stops early with ctx's error, and a nil Assessment, when ctx
// is done, and fails with an error wrapping ErrFileChanged when a mapped
// image shrank under it (see Open).
//
// The model is the one Windows hotpatching rests on: the base image stays
// loaded with its data; each changed function is redirected, by a jump
// written at its entry, to its new version loaded beside it; new
// functions and the constants only they read come with the patch. Every
// rule of the table in the package documentation names its basis (MS,
// MS-eng, legacy or inferred) and its public source. The verdict is
// NotPatchable when a rule that Blocks fires, else Unknown when one that
// is Undecided does, else Patchable.
//
// Limits: the assessment sees what the binaries show. It cannot know
// that a change in the meaning of data is compatible, and it does not
// model the consistency question (a changed function on some thread's
// stack). A changed layout of objects on the heap or the stack shows only
// for Go, whose type descriptors record each type's size and pointers
// (when the alignment pairs the new descriptor with the old one of the
// same name); C, C++ and Rust binaries record no types.
func (r *Result) HotpatchabilityContext(ctx context.Context, old, new *Binary) (_ *Assessment, err error) {
	defer catchFault(debug.SetPanicOnFault(true), &err) // see Open
	h := &assessor{ctx: ctx, res: r, old: old, new: new, a: &Assessment{}}
	if err := h.run(); err != nil {
		return nil, fmt.Errorf("binarydiff: hotpatchability: %w", err)
	}
	return h.a, nil
}

type assessor struct {
	ctx      context.Context
	res      *Result
	old, new *Binary
	a        *Assessment
	of, nf   *ImageFacts
	// changedFD, addedFD and removedFD list the indices in res.Functions of the
	// diffs of each kind: the rules about functions go through these, not
	// through every function.
	changedFD, addedFD, removedFD []int32
	oldFD                         []int32 // old function index → index in res.Functions, -1 if none; built if needed (oldDiff)
	newFD                         []int32 // the same for the new side; built on first use
	// patched marks the new functions that are Changed or Added (a bit
	// per function), built on first use.
	patched  []uint64
	meta     map[*Section][]Range // metadata ranges overlapping a section, by section
	sides    [2]sideIndex         // lookups in the old and new image
	counts   [ruleCount]int       // findings per rule so far
	atLeast  [ruleCount]bool      // the rule stopped counting
	scratch  []byte               // for reading padding
	stream   padStream            // reads padding a chunk of code at a time while room runs, when dense
	goMeta   [2][]Range           // Go runtime metadata ranges of the old and new image (pclntab, findfunctab, funcdata)
	goMetaOK [2]bool
	goTypes  [2]Range        // runtime.types to etypes of the old and new image: the type descriptors, and the read-only data after them
	goFunc   [2]uint32       // the start of the Go funcdata (go:func.*) of the old and new image, 0 if unknown
	goMinor  [2]int          // the Go release (minor) of the old and new image, 0 if unknown
	goTypeIx [2]*goTypeIndex // the Go type descriptors of the old and new image (typeIndex)
	// metaChanged are notes of metadata ranges inside data sections that
	// changed, which data() set aside.
	metaChanged []Finding
	aligns      map[*Section]*dataAlign // alignments of data section pairs, by new section
	inferred    struct {                // the new image's pointer slots when it has no relocation (inferredSlots)
		done  bool
		slots []uint32
	}
	shifts struct { // see refShifts
		ns *Section
		of map[int32][]dataAnchor
	}
}

func (h *assessor) run() error {
	h.index()
	var err error
	if h.of, err = h.old.facts(); err != nil {
		h.add(Finding{Rule: RuleFactsUnavailable, Image: "old", Message: err.Error()})
		h.of = nil
	}
	if h.nf, err = h.new.facts(); err != nil {
		h.add(Finding{Rule: RuleFactsUnavailable, Image: "new", Message: err.Error()})
		h.nf = nil
	}
	h.a.Old, h.a.New = h.of, h.nf
	h.imageKinds()
	h.entry()
	if h.of != nil && h.nf != nil {
		h.imports()
		h.exports()
		h.tls()
		h.init()
	}
	h.initByName()
	if err := h.ctx.Err(); err != nil {
		return err
	}
	if err := h.data(); err != nil {
		return err
	}
	if err := h.removed(); err != nil {
		return err
	}
	h.room()
	h.added()
	h.metadataNotes()
	h.conclude()
	return nil
}

// add files finding f under its rule's effect, listing it while the rule
// has fewer than maxFindingsPerRule listed.
func (h *assessor) add(f Finding) {
	h.addAs(f, f.Rule.Info().Effect)
}

// addAs files f with effect e (a rule whose effect depends on the case).
func (h *assessor) addAs(f Finding, e Effect) {
	h.counts[f.Rule]++
	if h.counts[f.Rule] > maxFindingsPerRule {
		return
	}
	switch e {
	case Blocks:
		h.a.Findings = append(h.a.Findings, f)
	case Undecided:
		h.a.Unknowns = append(h.a.Unknowns, f)
	case Warns:
		h.a.Warnings = append(h.a.Warnings, f)
	default:
		h.a.Notes = append(h.a.Notes, f)
	}
}

// shown reports whether the next finding of rule r will be listed: past
// maxFindingsPerRule only the count matters, and the message need not be
// made.
func (h *assessor) shown(r Rule) bool { return h.counts[r] < maxFindingsPerRule }

// conclude sorts the lists, counts the rules, and sets the verdict, its
// reason and the single change to revert.
func (h *assessor) conclude() {
	a := h.a
	for _, fs := range [][]Finding{a.Findings, a.Unknowns, a.Warnings, a.Notes} {
		sortFindings(fs)
	}
	listed := [ruleCount]int{}
	effect := [ruleCount]Effect{}
	for _, l := range []struct {
		fs []Finding
		e  Effect
	}{{a.Findings, Blocks}, {a.Unknowns, Undecided}, {a.Warnings, Warns}, {a.Notes, Allows}} {
		for _, f := range l.fs {
			listed[f.Rule]++
			effect[f.Rule] = max(effect[f.Rule], l.e)
		}
	}
	for r := 1; r < ruleCount; r++ {
		if h.counts[r] == 0 {
			continue
		}
		ri := Rule(r).Info()
		e := ri.Effect
		if listed[r] > 0 {
			e = effect[r]
		}
		a.ByRule = append(a.ByRule, RuleCount{Rule: Rule(r), Effect: e, Basis: ri.Basis, Count: h.counts[r], Listed: listed[r], AtLeast: h.atLeast[r]})
	}
	switch {
	case len(a.Findings) > 0:
		a.Verdict = NotPatchable
		a.Reason = h.blockReason()
	case len(a.Unknowns) > 0:
		a.Verdict = Unknown
		a.Reason = fmt.Sprintf("no blocker, but %s", countRules(a.ByRule, Undecided))
	default:
		a.Verdict = Patchable
		a.Reason = h.patchableReason()
	}
}

// blockReason says what blocks, and which single change to revert when
// every blocker has one cause.
func (h *assessor) blockReason() string {
	a := h.a
	msg := "blocked by " + countRules(a.ByRule, Blocks)
	key := causeKey(a.Findings[0])
	for _, f := range a.Findings[1:] {
		if causeKey(f) != key {
			return msg
		}
	}
	for _, rc := range a.ByRule {
		if rc.Effect == Blocks && (rc.Count > rc.Listed || rc.AtLeast) {
			return msg // some blockers are not listed: their causes are unknown
		}
	}
	f := a.Findings[0]
	a.Revert = &f
	rest := "patchable"
	if len(a.Unknowns) > 0 {
		rest = "unknown (" + countRules(a.ByRule, Undecided) + ")"
	}
	return fmt.Sprintf("%s; reverting %s would leave the rest %s", msg, describeCause(f), rest)
}

// causeKey identifies the change behind a blocker: findings with equal
// keys go away together when that change is reverted.
func causeKey(f Finding) string {
	switch f.Rule {
	case RuleDataChanged, RuleConstPointer, RuleRodataChanged, RuleDataResized, RuleGoTypeLayout:
		return fmt.Sprintf("data %s %s %#x", f.Image, f.Section, f.RVA)
	case RuleImportsChanged, RuleExportsChanged:
		return f.Message
	}
	if f.Function != "" {
		return "func " + f.Function
	}
	return fmt.Sprintf("%v %s %#x %s", f.Rule, f.Image, f.RVA, f.Message)
}

// describeCause names the change behind a blocker in a few words.
func describeCause(f Finding) string {
	switch f.Rule {
	case RuleDataChanged, RuleConstPointer, RuleRodataChanged, RuleGoTypeLayout:
		return fmt.Sprintf("the change to %s of %s at rva %#x", nBytes(f.Size), f.Section, f.RVA)
	case RuleDataResized:
		switch {
		case f.Size > 0 && f.Image == "old":
			return fmt.Sprintf("the removal of %s of %s at rva %#x", nBytes(f.Size), f.Section, f.RVA)
		case f.Size > 0:
			return fmt.Sprintf("the %s added to %s at rva %#x", nBytes(f.Size), f.Section, f.RVA)
		}
		return fmt.Sprintf("the size change of %s", f.Section)
	case RuleImportsChanged, RuleExportsChanged:
		return "the change (" + f.Message + ")"
	}
	if f.Function != "" {
		return "the change to " + f.Function
	}
	return f.Message
}

// patchableReason counts what a Patchable change consists of.
func (h *assessor) patchableReason() string {
	s := h.res.Summary
	msg := fmt.Sprintf("%d changed and %s", s.Changed, counted(s.Added, "added function", "added functions"))
	if n := h.counts[RuleRodataPrivate]; n > 0 {
		msg += ", " + counted(n, "change of constants only they read", "changes of constants only they read")
	}
	if n := h.counts[RuleMetadataChanged]; n > 0 {
		msg += ", " + counted(n, "metadata region regenerated", "metadata regions regenerated")
	}
	if s.Changed+s.Added+s.Removed == 0 && h.counts[RuleRodataPrivate] == 0 {
		return "nothing to patch: no function changed"
	}
	return msg
}

// countRules says "N rule (k), M rule2 (j)" for the rules of effect e.
func countRules(rs []RuleCount, e Effect) string {
	var parts []string
	for _, rc := range rs {
		if rc.Effect == e {
			n := fmt.Sprint(rc.Count)
			if rc.AtLeast {
				n = "≥" + n
			}
			parts = append(parts, fmt.Sprintf("%s (%s)", rc.Rule, n))
		}
	}
	return strings.Join(parts, ", ")
}

// sortFindings sorts fs by rule, image and RVA, keeping the order of
// equal ones. Lists mostly come sorted (a rule's findings are made in
// address order): those are left as they are, without moving a finding.
func sortFindings(fs []Finding) {
	cmp := func(a, b *Finding) int {
		if a.Rule != b.Rule {
			return int(a.Rule) - int(b.Rule)
		}
		if a.Image != b.Image {
			return strings.Compare(a.Image, b.Image)
		}
		return cmpU32(a.RVA, b.RVA)
	}
	for i := 1; i < len(fs); i++ {
		if cmp(&fs[i-1], &fs[i]) > 0 {
			slices.SortStableFunc(fs, func(a, b Finding) int { return cmp(&a, &b) })
			return
		}
	}
}

// index lists the diffs that are not Identical or Moved, in one pass
// over the result that reads only their kinds.
func (h *assessor) index() {
	var n [256]int // by Kind (any byte: a Result may come from JSON)
	fds := h.res.Functions
	for i := range fds {
		n[fds[i].Kind]++
	}
	// One array for the three lists, each filled within its capacity.
	all := make([]int32, 0, n[Changed]+n[Added]+n[Removed])
	h.changedFD = all[:0:n[Changed]]
	h.addedFD = all[n[Changed] : n[Changed] : n[Changed]+n[Added]]
	h.removedFD = all[n[Changed]+n[Added] : n[Changed]+n[Added] : cap(all)]
	for i := range fds {
		switch fds[i].Kind {
		case Changed:
			h.changedFD = append(h.changedFD, int32(i))
		case Added:
			h.addedFD = append(h.addedFD, int32(i))
		case Removed:
			h.removedFD = append(h.removedFD, int32(i))
		}
	}
}

// oldIndex returns the index of the old function of diff i, or -1. A
// result from Diff lists the old functions first, in order: diff i is
// then about old function i, which one comparison confirms.
func (h *assessor) oldIndex(i int) int {
	fd := &h.res.Functions[i]
	if fd.Old == nil {
		return -1
	}
	if i < len(h.old.Functions) && h.old.Functions[i].RVA == fd.Old.RVA {
		return i
	}
	return h.old.functionStart(fd.Old.RVA)
}

// indexOld builds oldFD.
func (h *assessor) indexOld() {
	olds := h.old.Functions
	h.oldFD = make([]int32, len(olds))
	for i := range h.oldFD {
		h.oldFD[i] = -1
	}
	o := 0 // old functions come in address order in the result
	for i, fd := range h.res.Functions {
		if fd.Old == nil {
			continue
		}
		for o < len(olds) && olds[o].RVA < fd.Old.RVA {
			o++
		}
		if o < len(olds) && olds[o].RVA == fd.Old.RVA {
			h.oldFD[o] = int32(i)
		} else if k := h.old.functionStart(fd.Old.RVA); k >= 0 {
			h.oldFD[k] = int32(i)
		}
	}
}

// indexNew builds newFD.
func (h *assessor) indexNew() {
	h.newFD = make([]int32, len(h.new.Functions))
	for i := range h.newFD {
		h.newFD[i] = -1
	}
	n := 0
	for i, fd := range h.res.Functions {
		if fd.New == nil {
			continue
		}
		// New functions are mostly in the order of their partners.
		if n < len(h.new.Functions) && h.new.Functions[n].RVA == fd.New.RVA {
			h.newFD[n] = int32(i)
			n++
		} else if k := h.new.functionStart(fd.New.RVA); k >= 0 {
			h.newFD[k] = int32(i)
			n = k + 1
		}
	}
}

// oldDiff returns the index in res.Functions of the diff of old function
// k, or -1: k itself when diff k is about it, as in a result from Diff
// (where each function has one diff); else from the whole index.
func (h *assessor) oldDiff(k int) int {
	if h.oldFD == nil {
		if fds := h.res.Functions; k < len(fds) && fds[k].Old != nil && fds[k].Old.RVA == h.old.Functions[k].RVA {
			return k
		}
		h.indexOld()
	}
	return int(h.oldFD[k])
}

// newDiff returns the index in res.Functions of the diff of new function
// k, or -1.
func (h *assessor) newDiff(k int) int {
	if h.newFD == nil {
		h.indexNew()
	}
	return int(h.newFD[k])
}

// patchedSet returns h.patched, building it on first use: bit k is set
// when new function k is Changed or Added, so that the patch carries its
// code. Only the changed and added functions are looked up (a result from
// Diff has one diff per function), so the cost is in the changes, not in
// the image.
func (h *assessor) patchedSet() []uint64 {
	if h.patched == nil {
		h.patched = make([]uint64, len(h.new.Functions)/64+1)
		rvas := make([]uint32, 0, len(h.changedFD)+len(h.addedFD))
		for _, list := range [][]int32{h.changedFD, h.addedFD} {
			for _, i := range list {
				if fd := &h.res.Functions[i]; fd.New != nil {
					rvas = append(rvas, fd.New.RVA)
				}
			}
		}
		// Mostly in address order already; then one walk over the
		// functions finds them all.
		slices.Sort(rvas)
		fs, j := h.new.Functions, 0
		for _, rva := range rvas {
			for j < len(fs) && fs[j].RVA < rva {
				j++
			}
			if j < len(fs) && fs[j].RVA == rva {
				h.patched[j/64] |= 1 << (j % 64)
			}
		}
	}
	return h.patched
}

// fdAt returns the diff of the function of side b starting at rva.
func (h *assessor) fdAt(b *Binary, rva uint32) (*FunctionDiff, bool) {
	k := b.functionStart(rva)
	if k < 0 {
		return nil, false
	}
	return h.fdOf(b, k)
}

// fdOf returns the diff of function k of side b (in the result: it is
// looked up per pointer, and a FunctionDiff is large to copy).
func (h *assessor) fdOf(b *Binary, k int) (*FunctionDiff, bool) {
	i := 0
	if b == h.new {
		i = h.newDiff(k)
	} else {
		i = h.oldDiff(k)
	}
	if i < 0 {
		return nil, false
	}
	return &h.res.Functions[i], true
}

// sideIndex speeds up the section and function lookups the rules make
// in one image, by the thousand on a large one, answering exactly as
// Binary.Section and Binary.FunctionAt do.
type sideIndex struct {
	checked   bool
	disjoint  bool     // sections sorted by address and not overlapping: a cached hit is the answer
	last      *Section // the section of the last lookup
	lookups   int      // function lookups so far
	pages     []int32  // once many: for each 4 KB page of the code, the first function that ends after its start
	pageLo    uint32   // RVA of pages[0]
	idLookups int      // functionID lookups so far
	// metaBatched is set once sectionMetadata has answered for the
	// changed data sections of the image at once.
	metaBatched bool
	funcIDs     []uint64 // once many: functionID of each function
}

// side returns the lookup index of b.
func (h *assessor) side(b *Binary) *sideIndex {
	if b == h.new {
		return &h.sides[1]
	}
	return &h.sides[0]
}

// section is b.Section(rva), from the section of the previous lookup when
// it holds rva and no two sections overlap.
func (h *assessor) section(b *Binary, rva uint32) *Section {
	x := h.side(b)
	if !x.checked {
		x.checked, x.disjoint = true, true
		for i := 1; i < len(b.Sections); i++ {
			if p, s := &b.Sections[i-1], &b.Sections[i]; uint64(p.RVA)+uint64(p.Size) > uint64(s.RVA) {
				x.disjoint = false
			}
		}
	}
	if x.disjoint && x.last != nil && x.last.Contains(rva) {
		return x.last
	}
	s := b.Section(rva)
	x.last = s
	return s
}

// pageShift is the size of a page of sideIndex.pages.
const pageShift = 12

// minPagedLookups is how many function lookups in one image go by binary
// search before sideIndex.pages is built: it costs a pass over the
// functions, worth it only for many lookups.
const minPagedLookups = 4096

// functionIndex is b.FunctionAt(rva), through a page table once the
// lookups are many.
func (h *assessor) functionIndex(b *Binary, rva uint32) int {
	fs := b.Functions
	if len(fs) == 0 || rva < fs[0].RVA {
		return -1
	}
	if l := &fs[len(fs)-1]; rva >= l.RVA {
		if rva-l.RVA < l.Size {
			return len(fs) - 1
		}
		return -1
	}
	x := h.side(b)
	if x.pages == nil {
		if x.lookups++; x.lookups <= minPagedLookups {
			return b.FunctionAt(rva)
		}
		x.pages = []int32{} // disabled unless the functions are sorted and disjoint
		for i := 1; i < len(fs); i++ {
			if uint64(fs[i-1].RVA)+uint64(fs[i-1].Size) > uint64(fs[i].RVA) {
				return b.FunctionAt(rva)
			}
		}
		x.pageLo = fs[0].RVA &^ (1<<pageShift - 1)
		n := (fs[len(fs)-1].RVA-x.pageLo)>>pageShift + 1
		x.pages = make([]int32, n+1)
		k := 0
		for p := range x.pages {
			start := uint64(x.pageLo) + uint64(p)<<pageShift
			for k < len(fs) && uint64(fs[k].RVA)+uint64(fs[k].Size) <= start {
				k++ // ends before the page
			}
			x.pages[p] = int32(k)
		}
	}
	if len(x.pages) == 0 {
		return b.FunctionAt(rva)
	}
	// FunctionAt is the last function starting at or before rva: it is
	// at or after the first one reaching into rva's page (functions are
	// sorted and do not overlap), and before the next page's.
	p := (rva - x.pageLo) >> pageShift
	lo, hi := int(x.pages[p]), min(int(x.pages[p+1])+1, len(fs))
	i := lo + sort.Search(hi-lo, func(i int) bool { return fs[lo+i].RVA > rva }) - 1
	if i >= 0 && i >= lo && rva-fs[i].RVA < fs[i].Size {
		return i
	}
	if i < lo {
		return b.FunctionAt(rva) // before the window: let the search decide
	}
	return -1
}

// fdContaining returns the diff of the function of side b containing rva,
// and the offset of rva in it.
func (h *assessor) fdContaining(b *Binary, rva uint32) (*FunctionDiff, uint32, bool) {
	i := h.functionIndex(b, rva)
	if i < 0 {
		return nil, 0, false
	}
	fd, ok := h.fdOf(b, i)
	return fd, rva - b.Functions[i].RVA, ok
}

// funcName names function i of b for a finding.
func (h *assessor) funcName(b *Binary, rva uint32) string {
	if fd, ok := h.fdAt(b, rva); ok {
		ref := fd.Old
		if b == h.new {
			ref = fd.New
		}
		if ref != nil && ref.Name != "" {
			return ref.Name
		}
	}
	return fmt.Sprintf("sub_%x", rva)
}

func secName(b *Binary, rva uint32) string {
	if s := b.Section(rva); s != nil {
		return s.Name
	}
	return ""
}

func (h *assessor) imageKinds() {
	for _, side := range []struct {
		name string
		f    *ImageFacts
	}{{"old", h.of}, {"new", h.nf}} {
		f := side.f
		if f == nil {
			continue
		}
		if f.IsHotpatch() {
			msg := fmt.Sprintf("the %s image is itself a hotpatch image (hotpatch table at %#x", side.name, f.LoadConfig.HotPatchTableOffset)
			if f.HotPatch != nil {
				msg += fmt.Sprintf(", sequence %d, %d base images", f.HotPatch.SequenceNumber, len(f.HotPatch.Bases))
			}
			h.add(Finding{Rule: RuleHotpatchImage, Image: side.name, RVA: f.LoadConfig.HotPatchTableOffset, Message: msg + "); diff base images"})
		}
		switch f.CHPE {
		case CHPENone:
		case CHPEX86:
			h.add(Finding{Rule: RuleCHPEImage, Image: side.name, Message: "x86 CHPE image: CHPE binaries on Arm64 cannot be serviced by hotpatch"})
		default:
			h.addAs(Finding{Rule: RuleCHPEImage, Image: side.name, Message: fmt.Sprintf("%v image: hybrid Arm64 code; hotpatch support for it is not documented", f.CHPE)}, Warns)
		}
	}
}

func (h *assessor) entry() {
	old, new := h.old, h.new
	if old.Entry == 0 && new.Entry == 0 {
		return
	}
	oi, ni := old.functionStart(old.Entry), new.functionStart(new.Entry)
	if oi < 0 || ni < 0 {
		if (oi < 0) != (ni < 0) || old.Entry != new.Entry {
			h.add(Finding{Rule: RuleEntryChanged, Image: "new", RVA: new.Entry, Section: secName(new, new.Entry),
				Message: fmt.Sprintf("entry point %#x → %#x, not both at a known function", old.Entry, new.Entry)})
		}
		return
	}
	fd, ok := h.fdAt(old, old.Entry)
	switch {
	case !ok:
	case fd.New == nil || fd.New.RVA != new.Entry:
		h.add(Finding{Rule: RuleEntryChanged, Image: "new", RVA: new.Entry, Section: secName(new, new.Entry), Function: h.funcName(new, new.Entry),
			Message: fmt.Sprintf("the entry point is now another function (old entry %s)", h.funcName(old, old.Entry))})
	case fd.Kind == Changed:
		h.add(Finding{Rule: RuleEntryChanged, Image: "old", RVA: old.Entry, Section: secName(old, old.Entry), Function: h.funcName(old, old.Entry),
			Message: "the entry point routine changed; it has already run"})
	}
}

func (h *assessor) imports() {
	added, removed := setDiff(h.of.Imports, h.nf.Imports)
	for _, s := range added {
		h.add(Finding{Rule: RuleImportsChanged, Image: "new", Message: "import added: " + s})
	}
	for _, s := range removed {
		h.add(Finding{Rule: RuleImportsChanged, Image: "old", Message: "import removed: " + s})
	}
}

// setDiff returns the strings only in b (added) and only in a (removed);
// both are sorted.
func setDiff(a, b []string) (added, removed []string) {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i] < b[j]:
			removed = append(removed, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			added = append(added, b[j])
			j++
		default:
			i++
			j++
		}
	}
	return added, removed
}

func exportKey(e Export) string {
	if e.Name != "" {
		return e.Name
	}
	return fmt.Sprintf("#%d", e.Ordinal)
}

func (h *assessor) exports() {
	om := map[string]Export{}
	for _, e := range h.of.Exports {
		om[exportKey(e)] = e
	}
	seen := map[string]bool{}
	for _, ne := range h.nf.Exports {
		k := exportKey(ne)
		seen[k] = true
		oe, ok := om[k]
		switch {
		case !ok:
			h.add(Finding{Rule: RuleExportsChanged, Image: "new", RVA: ne.RVA, Section: secName(h.new, ne.RVA), Message: "export added: " + k})
		case oe.Forwarder != ne.Forwarder:
			h.add(Finding{Rule: RuleExportsChanged, Image: "new", RVA: ne.RVA, Message: fmt.Sprintf("export %s forwarded to %q, was %q", k, ne.Forwarder, oe.Forwarder)})
		case ne.Forwarder == "" && !h.sameTarget(oe.RVA, ne.RVA):
			h.add(Finding{Rule: RuleExportsChanged, Image: "new", RVA: ne.RVA, Section: secName(h.new, ne.RVA), Message: fmt.Sprintf("export %s now names other code or data (%#x, was %#x)", k, ne.RVA, oe.RVA)})
		}
	}
	for _, oe := range h.of.Exports {
		if k := exportKey(oe); !seen[k] {
			h.add(Finding{Rule: RuleExportsChanged, Image: "old", RVA: oe.RVA, Section: secName(h.old, oe.RVA), Message: "export removed: " + k})
		}
	}
}

// pointedToMessage is the message of a removed-referenced finding about
// n words of data of the old image pointing to a removed function, the
// first at offset off of section sec.
func pointedToMessage(n int, sec string, off uint32) string {
	if n == 1 {
		return fmt.Sprintf("a removed function is still pointed to by a word of data of the old image (at %s+%#x)", sec, off)
	}
	return fmt.Sprintf("a removed function is still pointed to by %d words of data of the old image (the first at %s+%#x)", n, sec, off)
}

// sameTarget reports whether old address a and new address b denote the
// same thing: the same offset in paired functions, or the same offset in
// data sections of the same name.
func (h *assessor) sameTarget(a, b uint32) bool {
	if fd, off, ok := h.fdContaining(h.old, a); ok {
		return fd.New != nil && b == fd.New.RVA+off
	}
	if h.functionIndex(h.new, b) >= 0 {
		return false
	}
	os, ns := h.section(h.old, a), h.section(h.new, b)
	if os == nil || ns == nil {
		return a == b
	}
	return os.Name == ns.Name && a-os.RVA == b-ns.RVA
}

func (h *assessor) tls() {
	o, n := h.of.TLS, h.nf.TLS
	switch {
	case o == nil && n == nil:
	case o == nil || n == nil:
		h.add(Finding{Rule: RuleTLSChanged, Image: "new", Message: "TLS directory added or removed"})
	case o.Template.Size != n.Template.Size || o.ZeroFill != n.ZeroFill:
		h.add(Finding{Rule: RuleTLSChanged, Image: "new", RVA: n.Template.RVA, Section: secName(h.new, n.Template.RVA),
			Message: fmt.Sprintf("TLS template %d+%d bytes, was %d+%d", n.Template.Size, n.ZeroFill, o.Template.Size, o.ZeroFill)})
	case o.Hash != n.Hash:
		h.add(Finding{Rule: RuleTLSChanged, Image: "new", RVA: n.Template.RVA, Section: secName(h.new, n.Template.RVA), Message: "TLS template contents changed"})
	}
}

// init checks the initialization routines the image facts list (TLS
// callbacks, ELF init arrays): same count, each paired and unchanged.
func (h *assessor) init() {
	o, n := h.of.Init, h.nf.Init
	if len(o) != len(n) {
		h.add(Finding{Rule: RuleInitChanged, Image: "new", Message: fmt.Sprintf("%d initialization routines, was %d", len(n), len(o))})
	}
	for k := range min(len(o), len(n)) {
		fd, off, ok := h.fdContaining(h.old, o[k])
		switch {
		case !ok:
		case fd.New == nil || fd.New.RVA+off != n[k]:
			h.add(Finding{Rule: RuleInitChanged, Image: "new", RVA: n[k], Section: secName(h.new, n[k]), Function: h.funcName(h.new, n[k]),
				Message: fmt.Sprintf("initialization routine %d is now another function", k)})
		case fd.Kind == Changed:
			h.add(Finding{Rule: RuleInitChanged, Image: "old", RVA: o[k], Section: secName(h.old, o[k]), Function: h.funcName(h.old, o[k]),
				Message: fmt.Sprintf("initialization routine %d changed; it has already run", k)})
		}
	}
}

// isInitName reports whether a function name is an initializer by
// convention: Go package initializers (pkg.init, pkg.init.0), C++ static
// constructors (_GLOBAL__sub_I_*), ELF _init.
func isInitName(name string) bool {
	if strings.HasPrefix(name, "_GLOBAL__sub_I_") || name == "_init" {
		return true
	}
	// The other forms end in "init" or a digit: most names are rejected
	// by their last byte, without a search (a name per changed function).
	if n := len(name); n == 0 || name[n-1] != 't' && (name[n-1] < '0' || name[n-1] > '9') {
		return false
	}
	i := strings.LastIndex(name, ".init")
	if i <= 0 {
		return false
	}
	rest := name[i+len(".init"):]
	if rest == "" {
		return true
	}
	if rest[0] != '.' || len(rest) == 1 {
		return false
	}
	for _, c := range rest[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func (h *assessor) initByName() {
	for _, k := range h.changedFD {
		fd := &h.res.Functions[k]
		name := h.old.Functions[max(0, h.oldIndex(int(k)))].Name
		if isInitName(name) {
			h.add(Finding{Rule: RuleInitChanged, Image: "old", RVA: fd.Old.RVA, Section: secName(h.old, fd.Old.RVA), Function: name,
				Message: "an initializer changed; it has already run"})
		}
	}
}

// facts returns the facts of side b, or nil.
func (h *assessor) facts(b *Binary) *ImageFacts {
	if b == h.new {
		return h.nf
	}
	return h.of
}

// prepareMetadata reads, for the sides given, what the metadata ranges
// of any section need (and warn about), once.
func (h *assessor) prepareMetadata(sides ...*Binary) {
	for _, b := range sides {
		if f := h.facts(b); f != nil {
			f.prepareMetadata()
		}
	}
}

// removed flags removed functions still reachable in the old image: from
// pointers in its data, or from old code that is not replaced.
func (h *assessor) removed() error {
	old := h.old
	var gone []int // indices of the removed old functions, sorted
	for _, k := range h.removedFD {
		if i := h.oldIndex(int(k)); i >= 0 {
			gone = append(gone, i)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	if !slices.IsSorted(gone) {
		slices.Sort(gone)
	}
	gone = slices.Compact(gone)
	goneSet := make([]uint64, len(old.Functions)/64+1)
	for _, i := range gone {
		goneSet[i/64] |= 1 << (i % 64)
	}
	isGone := func(i int) bool { return goneSet[i/64]&(1<<(i%64)) != 0 }
	// goneAt returns the removed function FunctionAt(rva) finds, or -1:
	// a search among the removed functions, then one to confirm a hit.
	first, last := &old.Functions[gone[0]], &old.Functions[gone[len(gone)-1]]
	goneAt := func(rva uint32) int {
		if rva < first.RVA || rva-last.RVA >= last.Size && rva >= last.RVA {
			return -1 // most pointers: not into a removed function, found without a search
		}
		k := sort.Search(len(gone), func(k int) bool { return old.Functions[gone[k]].RVA > rva }) - 1
		if k < 0 || rva-old.Functions[gone[k]].RVA >= old.Functions[gone[k]].Size || h.functionIndex(old, rva) != gone[k] {
			return -1
		}
		return gone[k]
	}
	h.prepareMetadata(old)
	// Every pointer of the old image's data is read: any of them may hold
	// a removed function's address, and nothing short of reading it tells.
	// The reads go a window at a time, not a copy of each section.
	ps := h.ptrSize()
	var sec *Section
	var om []Range
	var win window
	relocs := old.relocs.rvas
	type pointers struct {
		first uint32 // RVA of the first pointer
		sec   string
		n     int
	}
	pointedTo := map[int]*pointers{} // by removed function
	var order []int
	for k := 0; k < len(relocs); k++ {
		if k%(1<<16) == 0 {
			if err := h.ctx.Err(); err != nil {
				return err
			}
		}
		rva := relocs[k]
		if sec == nil || !sec.Contains(rva) {
			sec, om = old.Section(rva), nil
			win = window{buf: win.buf[:0]} // its memory serves the next section
			if sec != nil && sec.Flags&SectionExec == 0 && !metadataSection(sec.Name) {
				win.b, win.s = old, sec
				om = h.sectionMetadata(old, sec)
			}
		}
		if win.s == nil && sec != nil {
			// Code or metadata: skip the section's relocations (sorted).
			end := uint64(sec.RVA) + uint64(sec.Size)
			k += sort.Search(len(relocs)-k, func(j int) bool { return uint64(relocs[k+j]) >= end }) - 1
			continue
		}
		if win.s == nil || inRanges(om, rva) {
			continue
		}
		p := win.at(rva-sec.RVA, ps)
		if p == nil {
			continue
		}
		v := old.pointerIn(rva, p)
		if v < old.ImageBase || v-old.ImageBase >= 1<<32 {
			continue
		}
		if i := goneAt(uint32(v - old.ImageBase)); i >= 0 {
			if pointedTo[i] == nil {
				pointedTo[i] = &pointers{first: rva, sec: sec.Name}
				order = append(order, i)
			}
			pointedTo[i].n++
		}
	}
	// One finding per removed function, at its first pointer.
	for _, i := range order {
		p := pointedTo[i]
		h.add(Finding{Rule: RuleRemovedReferenced, Image: "old", RVA: p.first, Section: p.sec, Function: h.funcName(old, old.Functions[i].RVA),
			Message: pointedToMessage(p.n, p.sec, p.first-old.Section(p.first).RVA)})
	}
	if len(old.fps) != len(old.Functions) {
		return nil
	}
	// Every function's callees are a slice of old.calls: the positions
	// there of calls to removed functions (usually none) tell which
	// functions to look at, without reading every function's calls.
	var hits []uint32
	for p, c := range old.calls {
		if c >= 0 && isGone(int(c)) {
			hits = append(hits, uint32(p))
		}
	}
	if len(hits) == 0 {
		return nil
	}
	// The functions' slices of old.calls follow each other in function
	// order, so one walk along hits finds those holding one.
	k := 0
	for i := range old.Functions {
		fp := &old.fps[i]
		for k < len(hits) && hits[k] < fp.callOff {
			k++
		}
		if k == len(hits) {
			break
		}
		if hits[k] >= fp.callOff+fp.callN {
			continue // no call to a removed function
		}
		d := h.oldDiff(i)
		if d < 0 || h.res.Functions[d].Kind == Changed || h.res.Functions[d].Kind == Removed {
			continue
		}
		for _, c := range old.callees(i) {
			if c >= 0 && isGone(int(c)) {
				h.add(Finding{Rule: RuleRemovedReferenced, Image: "old", RVA: old.Functions[c].RVA, Section: secName(old, old.Functions[c].RVA),
					Function: h.funcName(old, old.Functions[c].RVA), Message: fmt.Sprintf("a removed function is still called by unchanged %s", h.funcName(old, old.Functions[i].RVA))})
			}
		}
	}
	return nil
}

// added notes the new functions: the patch carries them. A new function
// that unchanged code calls would have made that code Changed, so each is
// reached only from changed code, or from data the data rules judge.
func (h *assessor) added() {
	for _, k := range h.addedFD {
		fd := &h.res.Functions[k]
		if fd.New == nil {
			continue
		}
		f := Finding{Rule: RuleFunctionAdded, Image: "new", RVA: fd.New.RVA}
		if h.shown(f.Rule) {
			f.Section, f.Function = secName(h.new, fd.New.RVA), h.funcName(h.new, fd.New.RVA)
			f.Message = fmt.Sprintf("new function of %d bytes: the patch carries it beside the base image", fd.New.Size)
		}
		h.add(f)
	}
}

// metadataNotes notes the metadata that changed: whole metadata sections,
// the PE header fields a rebuild rewrites, and the metadata ranges inside
// data sections whose change data() set aside.
func (h *assessor) metadataNotes() {
	for k := range h.res.Sections {
		sd := &h.res.Sections[k]
		if !metadataSection(sd.Name) || sd.Kind == Identical || sd.Kind == Moved {
			continue
		}
		f := Finding{Rule: RuleMetadataChanged, Image: "new", Section: sd.Name,
			Message: fmt.Sprintf("metadata section %s %v (%d bytes differ): regenerated by the patch tooling", sd.Name, sd.Kind, sd.ChangedBytes)}
		if sd.New != nil {
			f.RVA = sd.New.RVA
		}
		h.add(f)
	}
	if o, n := h.of, h.nf; o != nil && n != nil && o.Format == FormatPE {
		if o.TimeDateStamp != n.TimeDateStamp {
			h.add(Finding{Rule: RuleMetadataChanged, Image: "new", Message: fmt.Sprintf("TimeDateStamp %#x → %#x: a patch names its base image by it", o.TimeDateStamp, n.TimeDateStamp)})
		}
		if o.CheckSum != n.CheckSum {
			h.add(Finding{Rule: RuleMetadataChanged, Image: "new", Message: fmt.Sprintf("CheckSum %#x → %#x: a patch names its base image by it", o.CheckSum, n.CheckSum)})
		}
	}
	for _, m := range h.metaChanged {
		h.add(m)
	}
}

// windowSize is how many bytes of a section a window holds.
const windowSize = 64 << 10

// window reads the file bytes of one section a piece at a time, for
// scans in address order that need a few bytes here and there.
type window struct {
	b   *Binary
	s   *Section
	off uint32 // section offset of buf
	buf []byte
	bad bool // the section could not be read
}

// at returns the n bytes at section offset off, or nil if they are not
// all in the section's file data or cannot be read.
func (w *window) at(off, n uint32) []byte {
	if w.bad || uint64(off)+uint64(n) > uint64(w.s.FileSize) {
		return nil
	}
	if v, ok := w.b.r.(viewer); ok { // a mapped image: in place, the section known
		return v.view(w.s.Offset+int64(off), int64(n))
	}
	if off < w.off || uint64(off)+uint64(n) > uint64(w.off)+uint64(len(w.buf)) {
		size := min(w.s.FileSize-off, max(windowSize, n))
		if cap(w.buf) < int(size) {
			w.buf = make([]byte, size)
		}
		w.off, w.buf = off, w.buf[:size]
		if readSection(w.b, w.s, w.buf, off) != nil {
			w.bad = true
			return nil
		}
	}
	return w.buf[off-w.off : off-w.off+n]
}

// Redirect sizes: a rel32 jump on x86, a B imm26 on Arm64, and the 2-byte
// short jump at an entry that hops into the padding ("Patch or attack?
// Inside the Windows Secure Hotpatch Report", see the package
// documentation's sources).
const (
	jumpSizeX86   = 5
	jumpSizeArm64 = 4
	shortJumpSize = 2
	maxPadScan    = 64
)

func (h *assessor) room() {
	old := h.old
	jump := uint32(jumpSizeX86)
	if old.Arch == ArchARM64 {
		jump = jumpSizeArm64
	}
	// The padding of every changed function first, then the findings,
	// their lists grown once: there may be one per changed function.
	start := len(h.a.Padding)
	pads := slices.Grow(h.a.Padding, len(h.changedFD)) // stored once, after
	var unpadded, noRoom int
	if h.side(old).disjoint && denseChanges(h.res.Functions, h.changedFD) {
		chunk := streamChunks.Get().(*[streamChunk]byte)
		defer streamChunks.Put(chunk)
		h.stream = padStream{buf: chunk[:]}
	}
	for _, k := range h.changedFD {
		if i := h.oldIndex(int(k)); i >= 0 {
			p := h.padding(old, i)
			pads = append(pads, p)
			switch room(old.Arch, p, jump) {
			case RuleUnpaddedEntry:
				unpadded++
			case RuleNoRoomForJump:
				noRoom++
			}
		}
	}
	h.stream = padStream{}
	h.a.Padding = pads
	if len(h.a.Padding) == 0 {
		h.a.Padding = nil // no changed function: as it was
	}
	h.a.Warnings = slices.Grow(h.a.Warnings, min(unpadded, maxFindingsPerRule))
	h.a.Findings = slices.Grow(h.a.Findings, min(noRoom, maxFindingsPerRule))
	// The messages of the listed findings are written into one string
	// first, each a piece of it: one allocation, not one per function.
	left := [2]int{max(maxFindingsPerRule-h.counts[RuleUnpaddedEntry], 0), max(maxFindingsPerRule-h.counts[RuleNoRoomForJump], 0)}
	listed := min(unpadded, left[0]) + min(noRoom, left[1])
	var msgs strings.Builder
	msgs.Grow(listed * 96)
	ends := make([]int32, 0, listed)
	var num [10]byte
	put := func(n uint32) { msgs.Write(strconv.AppendUint(num[:0], uint64(n), 10)) }
	for _, p := range h.a.Padding[start:] {
		r := room(old.Arch, p, jump)
		k := 0
		if r == RuleNoRoomForJump {
			k = 1
		}
		if r == 0 || left[k] == 0 {
			continue
		}
		left[k]--
		if r == RuleUnpaddedEntry {
			put(p.Before)
			msgs.WriteString(" bytes of padding before the entry: the redirect overwrites the first ")
			put(jump)
			msgs.WriteString(" bytes in place")
		} else {
			put(p.Size)
			msgs.WriteString(" bytes with ")
			put(p.After)
			msgs.WriteString(" bytes of filler after and ")
			put(p.Before)
			msgs.WriteString(" before: no room for a ")
			put(jump)
			msgs.WriteString("-byte jump")
		}
		ends = append(ends, int32(msgs.Len()))
	}
	all, m := msgs.String(), 0
	for _, p := range h.a.Padding[start:] {
		r := room(old.Arch, p, jump)
		if r == 0 {
			continue
		}
		f := Finding{Rule: r, Image: "old"}
		if h.shown(f.Rule) {
			f.RVA, f.Function = p.RVA, h.funcName(old, p.RVA)
			if s := h.section(old, p.RVA); s != nil {
				f.Section = s.Name
			}
			lo := 0
			if m > 0 {
				lo = int(ends[m-1])
			}
			f.Message = all[lo:ends[m]]
			m++
		}
		h.add(f)
	}
}

// room returns the rule a changed function's padding p breaks, or 0: an
// x86 entry with the filler a short jump hops from is padded; else a
// jump of jump bytes overwrites the entry in place (unpadded-entry on
// x86) if the body and the filler after it hold one, and there is no
// room for it otherwise.
func room(arch Arch, p PaddingInfo, jump uint32) Rule {
	switch {
	case arch != ArchARM64 && p.Before >= jumpSizeX86 && p.Size >= shortJumpSize:
		return 0
	case p.Size+p.After >= jump:
		if arch != ArchARM64 {
			return RuleUnpaddedEntry
		}
		return 0
	default:
		return RuleNoRoomForJump
	}
}

// padding measures the filler around function i: single-byte int3 (0xCC)
// or nop (0x90) before its entry, up to the previous function or 64
// bytes; filler of any kind (int3, nop, multi-byte nop, zero) after its
// body up to the next function or the section end.
func (h *assessor) padding(b *Binary, i int) PaddingInfo {
	if h.scratch == nil {
		h.scratch = make([]byte, maxPadScan)
	}
	f := &b.Functions[i]
	p := PaddingInfo{RVA: f.RVA, Size: f.Size}
	s := h.section(b, f.RVA)
	if s == nil {
		return p
	}
	// Read a few bytes first where more read the same bytes: with
	// disjoint sections, one section holds every read around the entry.
	// With disjoint sections, s holds every byte read (from lo to hi):
	// read from it, not through readRVA, which would find it again.
	probe, in := uint32(maxPadScan), (*Section)(nil)
	if h.side(b).disjoint {
		probe, in = padProbe, s
	}
	lo := s.RVA
	if i > 0 && b.Functions[i-1].RVA+b.Functions[i-1].Size > lo && b.Functions[i-1].RVA < f.RVA {
		lo = b.Functions[i-1].RVA + b.Functions[i-1].Size
	}
	if f.RVA > lo {
		// The last bytes first: filler before an entry is mostly short,
		// and the rest is read only when they are all filler.
		n := min(f.RVA-lo, maxPadScan)
		for m := min(n, probe); ; m = n {
			buf := h.scratch[:m]
			p.Before = 0
			ok := h.stream.read(h, b, in, buf, f.RVA-m)
			if ok {
				for k := len(buf) - 1; k >= 0 && (buf[k] == 0xCC || buf[k] == 0x90); k-- {
					p.Before++
				}
			}
			if m == n || ok && p.Before < m {
				break
			}
		}
	}
	end := f.RVA + f.Size
	for _, fr := range f.Fragments { // a chained fragment right after the body is more of it
		if fr.RVA == end {
			end = fr.End()
		}
	}
	p.Size = end - f.RVA
	hi := min(s.RVA+s.FileSize, s.RVA+s.Size)
	if i+1 < len(b.Functions) && b.Functions[i+1].RVA < hi && b.Functions[i+1].RVA >= end {
		hi = b.Functions[i+1].RVA
	}
	if hi > end {
		n := min(hi-end, maxPadScan)
		for m := min(n, probe); ; m = n {
			buf := h.scratch[:m]
			p.After = 0
			ok := h.stream.read(h, b, in, buf, end)
			if ok {
				p.After = fillerLen(buf)
			}
			if m == n || ok && fillerEnds(buf, p.After) {
				break
			}
		}
	}
	return p
}

// streamChunk is how many bytes of code the redirect room reads at a
// time when the changed functions are dense, and denseProbeSpan how many
// bytes of code per changed function they may span to be dense: right
// after a diff the bytes around the entries are mostly not in the cache,
// and reading 1 KB in address order (which the hardware prefetches)
// costs less than the two cache misses of one function's padding reads.
const (
	streamChunk     = 16 << 10
	denseProbeSpan  = 1 << 10
	denseMinChanges = 32
)

// streamChunks holds the chunk buffers of padStream.
var streamChunks = sync.Pool{New: func() any { return new([streamChunk]byte) }}

// denseChanges reports whether the changed functions (diffs fds[k] for k
// in changed, in address order) are many (a chunk read for a few would
// read more than it saves) and lie a function per denseProbeSpan bytes of
// code or closer.
func denseChanges(fds []FunctionDiff, changed []int32) bool {
	if len(changed) < denseMinChanges {
		return false
	}
	first, last := fds[changed[0]].Old, fds[changed[len(changed)-1]].Old
	if first == nil || last == nil || last.RVA < first.RVA {
		return false
	}
	return uint64(last.RVA-first.RVA) <= uint64(len(changed))*denseProbeSpan
}

// padStream reads section bytes through a chunk of them, read whole;
// with no chunk buffer it reads each request directly (readIn).
type padStream struct {
	buf    []byte
	s      *Section // the section the chunk is from, nil before the first
	lo, hi uint32   // the chunk's RVAs
}

// read reads p at rva, all of it within section s, and reports success.
func (st *padStream) read(h *assessor, b *Binary, s *Section, p []byte, rva uint32) bool {
	if st.buf == nil || s == nil {
		return h.readIn(b, s, p, rva)
	}
	if st.s != s || rva < st.lo || uint64(rva)+uint64(len(p)) > uint64(st.hi) {
		// The chunk starts at rva and ends at most at the section's end:
		// its bytes are what readIn reads there (zeros past the file data).
		st.s, st.lo = nil, rva
		if uint64(rva)+uint64(len(p)) > uint64(s.RVA)+uint64(s.Size) {
			return h.readIn(b, s, p, rva)
		}
		n := uint32(min(uint64(len(st.buf)), uint64(s.RVA)+uint64(s.Size)-uint64(rva)))
		if !h.readIn(b, s, st.buf[:n], rva) {
			return h.readIn(b, s, p, rva)
		}
		st.s, st.hi = s, rva+n
	}
	copy(p, st.buf[rva-st.lo:])
	return true
}

// padProbe is how many bytes around an entry padding reads first.
const padProbe = 16

// fillerEnds reports whether the filler fillerLen found in p, n bytes,
// ends there whatever follows p: the byte after it starts no multi-byte
// nop (whose length fillerLen may need bytes past p to see).
func fillerEnds(p []byte, n uint32) bool {
	if int(n) >= len(p) {
		return false
	}
	switch p[n] {
	case 0x66, 0x2E, 0x0F:
		return false
	}
	return true
}

// readIn is readRVA from section s, which holds all of p, or readRVA if
// s is nil.
func (h *assessor) readIn(b *Binary, s *Section, p []byte, rva uint32) bool {
	if s == nil {
		return h.readRVA(b, p, rva)
	}
	return readSection(b, s, p, rva-s.RVA) == nil
}

// readRVA is b.readRVA, through the section cache; it reports success.
func (h *assessor) readRVA(b *Binary, p []byte, rva uint32) bool {
	s := h.section(b, rva)
	if s == nil {
		return false
	}
	off := rva - s.RVA
	if uint64(off)+uint64(len(p)) > uint64(s.Size) {
		return false
	}
	return readSection(b, s, p, off) == nil
}

// fillerLen returns the length of the run of padding at the start of p:
// int3, nop, zero bytes and the multi-byte nops compilers align with
// (66* [2E] 0F 1F modrm …, 66 90).
func fillerLen(p []byte) uint32 {
	n := 0
	for n < len(p) {
		c := p[n]
		if c == 0xCC || c == 0x90 || c == 0x00 {
			n++
			continue
		}
		k := n
		for k < len(p) && (p[k] == 0x66 || p[k] == 0x2E) {
			k++
		}
		if k < len(p) && p[k] == 0x90 && k > n {
			n = k + 1
			continue
		}
		if k+2 < len(p) && p[k] == 0x0F && p[k+1] == 0x1F {
			modrm := p[k+2]
			l := k + 3
			if modrm>>6 != 3 && modrm&7 == 4 {
				l++ // SIB
			}
			switch modrm >> 6 {
			case 1:
				l++
			case 2:
				l += 4
			}
			if l > len(p) {
				break
			}
			n = l
			continue
		}
		break
	}
	return uint32(n)
}
