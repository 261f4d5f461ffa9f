package binarydiff

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"iter"
	"math/bits"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"weak"

	"github.com/zeebo/xxh3"
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
)

// ruleCount is the number of rules, RuleNone included.
const ruleCount = int(RuleFactsUnavailable) + 1

var ruleNames = [...]string{"", "data-changed", "data-resized", "const-pointer-changed", "rodata-changed",
	"rodata-private", "rodata-unattributed", "go-types-changed", "metadata-changed", "tls-changed",
	"imports-changed", "exports-changed", "entry-changed", "init-changed", "no-room-for-jump",
	"unpadded-entry", "removed-referenced", "function-added", "chpe-image", "hotpatch-image", "facts-unavailable"}

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
func nBytes(n uint32) string {
	if n == 1 {
		return "1 byte"
	}
	return fmt.Sprintf("%d bytes", n)
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
// is done.
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
// stack).
func (r *Result) HotpatchabilityContext(ctx context.Context, old, new *Binary) (*Assessment, error) {
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
	goMeta   [2][]Range           // Go runtime metadata ranges of the old and new image (pclntab, findfunctab, funcdata)
	goMetaOK [2]bool
	goTypes  [2]Range  // the Go type descriptors of the old and new image
	goFunc   [2]uint32 // the start of the Go funcdata (go:func.*) of the old and new image, 0 if unknown
	// metaChanged are notes of metadata ranges inside data sections that
	// changed, which data() set aside.
	metaChanged []Finding
	aligns      map[*Section]*dataAlign // alignments of data section pairs, by new section
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
	case RuleDataChanged, RuleConstPointer, RuleRodataChanged, RuleDataResized:
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
	case RuleDataChanged, RuleConstPointer, RuleRodataChanged:
		return fmt.Sprintf("the change to %s of %s at rva %#x", nBytes(f.Size), f.Section, f.RVA)
	case RuleDataResized:
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
	msg := fmt.Sprintf("%d changed and %d added functions", s.Changed, s.Added)
	if n := h.counts[RuleRodataPrivate]; n > 0 {
		msg += fmt.Sprintf(", %d changes of constants only they read", n)
	}
	if n := h.counts[RuleMetadataChanged]; n > 0 {
		msg += fmt.Sprintf(", %d metadata regions regenerated", n)
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

func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if a.Rule != b.Rule {
			return int(a.Rule) - int(b.Rule)
		}
		if a.Image != b.Image {
			return strings.Compare(a.Image, b.Image)
		}
		return cmpU32(a.RVA, b.RVA)
	})
}

// index lists the diffs that are not Identical or Moved, in one pass
// over the result that reads only their kinds.
func (h *assessor) index() {
	for i, fd := range h.res.Functions {
		switch fd.Kind {
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
		var rvas []uint32
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
func (h *assessor) fdAt(b *Binary, rva uint32) (FunctionDiff, bool) {
	k := b.functionStart(rva)
	if k < 0 {
		return FunctionDiff{}, false
	}
	return h.fdOf(b, k)
}

// fdOf returns the diff of function k of side b.
func (h *assessor) fdOf(b *Binary, k int) (FunctionDiff, bool) {
	i := 0
	if b == h.new {
		i = h.newDiff(k)
	} else {
		i = h.oldDiff(k)
	}
	if i < 0 {
		return FunctionDiff{}, false
	}
	return h.res.Functions[i], true
}

// sideIndex speeds up the section and function lookups the rules make
// in one image, by the thousand on a large one, answering exactly as
// Binary.Section and Binary.FunctionAt do.
type sideIndex struct {
	checked  bool
	disjoint bool     // sections sorted by address and not overlapping: a cached hit is the answer
	last     *Section // the section of the last lookup
	lookups  int      // function lookups so far
	pages    []int32  // once many: for each 4 KB page of the code, the first function that ends after its start
	pageLo   uint32   // RVA of pages[0]
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
func (h *assessor) fdContaining(b *Binary, rva uint32) (FunctionDiff, uint32, bool) {
	i := h.functionIndex(b, rva)
	if i < 0 {
		return FunctionDiff{}, 0, false
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

// goRuntime locates the Go runtime's tables in image b through its
// moduledata (the runtime's table of its tables, in writable data): the
// pclntab, the findfunctab, the type descriptors, and the moduledata
// itself, which holds the sizes of the others. It returns the ranges
// (metadata: the linker regenerates them) and the type range, or nothing
// for an image that is not Go or whose moduledata is not recognized.
func (h *assessor) goRuntime(b *Binary) (meta []Range, types Range) {
	side := btoi(b == h.new)
	if h.goMetaOK[side] {
		return h.goMeta[side], h.goTypes[side]
	}
	h.goMetaOK[side] = true
	if h.ptrSize() != 8 {
		return nil, Range{}
	}
	va := func(v uint64) (uint32, bool) {
		if v < b.ImageBase || v-b.ImageBase >= 1<<32 {
			return 0, false
		}
		return uint32(v - b.ImageBase), true
	}
	for i := range b.Sections {
		s := &b.Sections[i]
		if s.Flags&SectionWrite == 0 || s.Flags&SectionExec != 0 || s.FileSize == 0 {
			continue
		}
		for r := range goPointerSlots(b, s) {
			var hdr [8]byte
			var md [goModuledataWords * 8]byte
			if !h.readRVA(b, md[:8], r) {
				continue
			}
			pc, ok := va(binary.LittleEndian.Uint64(md[:8]))
			if !ok || !h.readRVA(b, hdr[:], pc) || !goPclnMagic(hdr[:]) || !h.readRVA(b, md[:], r) {
				continue
			}
			w := func(k int) uint64 { return binary.LittleEndian.Uint64(md[8*k:]) }
			text, etext := w(22), w(23)
			if w(20) != text || etext <= text { // minpc is the start of the text
				continue
			}
			var ms rangeList
			ms.add(r, goModuledataSize)
			if ftab, ok := va(w(16)); ok {
				// The pclntab runs from its header past the function table.
				if end := uint64(ftab) + w(17)*8; end > uint64(pc) && end-uint64(pc) < 1<<31 {
					ms.add(pc, uint32(end-uint64(pc)))
				}
			}
			for _, k := range []int{1, 4, 7, 10, 13} { // funcnametab, cutab, filetab, pctab, pclntable
				if lo, ok := va(w(k)); ok && w(k+1) < 1<<31 {
					size := w(k + 1)
					if k == 4 {
						size *= 4
					}
					ms.add(lo, uint32(size))
				}
			}
			if ff, ok := va(w(19)); ok {
				// findfunctab: a bucket of 4+16 bytes per 4 KiB of text.
				// The funcdata (go:func.*, at gofunc) lies between the
				// pclntab's tables and it: all of it is the pclntab's.
				end := uint64(ff) + min((etext-text+4095)/4096*20, 1<<30)
				if gf, ok := va(w(40)); ok && gf > pc && gf < ff && end-uint64(pc) < 1<<31 {
					ms.add(pc, uint32(end-uint64(pc)))
				} else {
					ms.add(ff, uint32(end-uint64(ff)))
				}
			}
			// Since Go 1.22 epclntab follows gofunc, then the textsectmap,
			// typelinks ([]int32) and itablinks ([]*itab) slices: lists
			// the linker makes of the types and itabs.
			if ep, ok := va(w(41)); ok && ep > pc && h.section(b, ep) == h.section(b, pc) {
				var more [9 * 8]byte
				if h.readRVA(b, more[:], r+42*8) {
					m := func(k int) uint64 { return binary.LittleEndian.Uint64(more[8*(k-42):]) }
					for _, sl := range [][3]uint64{{m(45), m(46), 4}, {m(48), m(49), 8}} {
						if lo, ok := va(sl[0]); ok && sl[1] < 1<<26 {
							ms.add(lo, uint32(sl[1]*sl[2]))
						}
					}
				}
			}
			for _, br := range h.goBuildInfo(b) {
				ms.add(br.RVA, br.Size)
			}
			t, ok1 := va(w(37))
			et, ok2 := va(w(38))
			if ok1 && ok2 && et > t {
				types = Range{RVA: t, Size: et - t}
			}
			if gf, ok := va(w(40)); ok {
				h.goFunc[side] = gf
			}
			h.goMeta[side], h.goTypes[side] = mergeRanges(ms), types
			return h.goMeta[side], types
		}
	}
	return nil, Range{}
}

// goBuildInfoMagic starts the build information a Go linker records (the
// blob named go:buildinfo, at the start of the writable data).
const goBuildInfoMagic = "\xff Go buildinf:"

// goBuildInfo returns the ranges of b's Go build information: the blob
// named go:buildinfo (version and module information, inline since Go
// 1.18) and the copy of the module information that runtime.modinfo
// points to in read-only data. It is what the build recorded (module
// paths and versions, settings), not program data.
func (h *assessor) goBuildInfo(b *Binary) []Range {
	for i := range b.Sections {
		s := &b.Sections[i]
		var hdr [32]byte
		if s.Flags&SectionWrite == 0 || s.FileSize < 64 || !h.readRVA(b, hdr[:], s.RVA) || string(hdr[:len(goBuildInfoMagic)]) != goBuildInfoMagic || hdr[15]&2 == 0 {
			continue
		}
		// Two varint-prefixed strings follow: the Go version and the
		// module information.
		p := make([]byte, min(s.FileSize, 1<<16))
		if !h.readRVA(b, p, s.RVA) {
			return nil
		}
		off := 32
		var mod []byte
		for k := 0; k < 2; k++ {
			n, w := binary.Uvarint(p[off:])
			if w <= 0 || n > uint64(len(p)-off-w) {
				return nil
			}
			if k == 1 {
				mod = p[off+w : off+w+int(n)]
			}
			off += w + int(n)
		}
		out := []Range{{RVA: s.RVA, Size: uint32(off)}}
		if len(mod) >= 32 {
			if c := h.findBytes(b, mod); len(c) > 0 {
				out = append(out, c[0])
				// runtime.modinfo, the string header pointing to that copy.
				out = append(out, h.findStringHeader(b, uint64(c[0].RVA)+b.ImageBase, uint64(len(mod)))...)
			}
		}
		return out
	}
	return nil
}

// findStringHeader returns the range of the first string header (address
// and length words) for the string at va of n bytes in b's writable data.
func (h *assessor) findStringHeader(b *Binary, va, n uint64) []Range {
	for i := range b.Sections {
		s := &b.Sections[i]
		if s.Flags&SectionWrite == 0 || s.Flags&SectionExec != 0 || s.FileSize == 0 {
			continue
		}
		p, err := b.bytesAt(s.RVA, uint32(min(int64(s.FileSize), maxModuledataScan, b.size)))
		if err != nil {
			continue
		}
		for off := 0; off+16 <= len(p); off += 8 {
			if binary.LittleEndian.Uint64(p[off:]) == va && binary.LittleEndian.Uint64(p[off+8:]) == n {
				return []Range{{RVA: s.RVA + uint32(off), Size: 16}}
			}
		}
	}
	return nil
}

// findBytes returns the range of the first copy of p in b's read-only
// data, if any.
func (h *assessor) findBytes(b *Binary, p []byte) []Range {
	for i := range b.Sections {
		s := &b.Sections[i]
		if s.Flags&(SectionWrite|SectionExec|SectionBSS) != 0 || s.FileSize == 0 || metadataSection(s.Name) {
			continue
		}
		data, err := b.bytesAt(s.RVA, uint32(min(int64(s.FileSize), b.size)))
		if err != nil {
			continue
		}
		if k := bytes.Index(data, p); k >= 0 {
			return []Range{{RVA: s.RVA + uint32(k), Size: uint32(len(p))}}
		}
	}
	return nil
}

// maxModuledataScan bounds how far into a writable section of an image
// without relocations goPointerSlots looks for the moduledata (it sits in
// the first part of the data, after the build information).
const maxModuledataScan = 4 << 20

// goPointerSlots yields the RVAs in writable section s that may hold the
// moduledata's first pointer: the relocated pointers, or in an image
// without relocations (a Go executable that is not position
// independent) every aligned word holding an address in the image.
func goPointerSlots(b *Binary, s *Section) iter.Seq[uint32] {
	return func(yield func(uint32) bool) {
		if len(b.relocs.rvas) > 0 {
			for _, r := range b.relocs.in(s.RVA, s.RVA+s.FileSize) {
				if !yield(r) {
					return
				}
			}
			return
		}
		p, err := b.bytesAt(s.RVA, uint32(min(int64(s.FileSize), maxModuledataScan, b.size)))
		if err != nil {
			return
		}
		for off := 0; off+8 <= len(p); off += 8 {
			if v := binary.LittleEndian.Uint64(p[off:]); v > b.ImageBase && v-b.ImageBase < uint64(b.size)<<1 && !yield(s.RVA+uint32(off)) {
				return
			}
		}
	}
}

// goModuledataWords is how many words of a moduledata goRuntime reads:
// up to the type range and epclntab (Go 1.22 and later: pcHeader, five tables, ftab,
// findfunctab, minpc, maxpc, text, etext, the data, bss and coverage
// bounds, end, gcdata, gcbss, types, etypes, rodata, gofunc, epclntab).
const goModuledataWords = 42

// goModuledataSize is the size of a moduledata (Go 1.22 to 1.26): all of
// it is linker-made metadata (the bounds of the tables, their lengths).
const goModuledataSize = 608

// maxAttribution is how far before a changed range the reference it is
// attributed to may be (the start of the datum it is part of).
const maxAttribution = 4096

// goPclnMagic reports whether p starts a Go 1.18+ pclntab header for a
// 64-bit image.
func goPclnMagic(p []byte) bool {
	m := binary.LittleEndian.Uint32(p)
	return (m == go120PclntabMagic || m == go118PclntabMagic) && p[4] == 0 && p[5] == 0 && (p[6] == 1 || p[6] == 2 || p[6] == 4) && p[7] == 8
}

// sectionMetadata returns the metadata ranges of side b that overlap its
// section s (sorted, merged), or nil. Only the sections the data rules
// look at are asked for: computing the metadata of the whole image would
// walk every unwind record.
func (h *assessor) sectionMetadata(b *Binary, s *Section) []Range {
	f := h.facts(b)
	if f == nil || s == nil {
		return nil
	}
	if m, ok := h.meta[s]; ok {
		return m
	}
	m := f.metadataIn(uint64(s.RVA), uint64(s.RVA)+uint64(s.Size))
	if gm, _ := h.goRuntime(b); len(gm) > 0 {
		m = mergeRanges(append(slices.Clone(m), overlapping(gm, uint64(s.RVA), uint64(s.RVA)+uint64(s.Size))...))
	}
	if h.meta == nil {
		h.meta = map[*Section][]Range{}
	}
	h.meta[s] = m
	return m
}

// dataBytes counts the bytes of s that are not loader metadata.
func dataBytes(s *Section, meta []Range) uint64 {
	n := uint64(s.Size)
	end := uint64(s.RVA) + uint64(s.Size)
	for _, m := range meta {
		lo, hi := max(uint64(m.RVA), uint64(s.RVA)), min(uint64(m.RVA)+uint64(m.Size), end)
		if lo < hi {
			n -= hi - lo
		}
	}
	return n
}

// sectionPair finds the old and new Section of a SectionDiff.
func (h *assessor) sectionPair(sd *SectionDiff) (os, ns *Section) {
	if sd.Old != nil {
		os = h.old.Section(sd.Old.RVA)
	}
	if sd.New != nil {
		ns = h.new.Section(sd.New.RVA)
	}
	return os, ns
}

// data applies the data rules (data-changed, data-resized and the
// read-only data rules) to the section diffs of the result plus the
// retargeted pointers. Changes inside metadata ranges are noted, never
// judged as data.
func (h *assessor) data() error {
	defer h.freeAligns()
	for k := range h.res.Sections {
		if err := h.ctx.Err(); err != nil {
			return err
		}
		sd := &h.res.Sections[k]
		if metadataSection(sd.Name) {
			continue // metadataNotes
		}
		os, ns := h.sectionPair(sd)
		if os != nil && os.Flags&SectionExec != 0 || ns != nil && ns.Flags&SectionExec != 0 {
			continue
		}
		if os != nil && ns != nil && os.Size == ns.Size && len(sd.Changed) == 0 && len(h.retargeted(os, ns)) == 0 {
			continue // the common case, decided without the metadata
		}
		h.prepareMetadata(h.old, h.new)
		om, nm := h.sectionMetadata(h.old, os), h.sectionMetadata(h.new, ns)
		var od, nd uint64
		if os != nil {
			od = dataBytes(os, om)
		}
		if ns != nil {
			nd = dataBytes(ns, nm)
		}
		// RELRO sections (.data.rel.ro*) are read-only once relocated.
		writable := (os != nil && os.Flags&(SectionWrite|SectionBSS) != 0 || ns != nil && ns.Flags&(SectionWrite|SectionBSS) != 0) &&
			!strings.HasPrefix(sd.Name, ".data.rel.ro")
		var changed []ByteRange
		switch {
		case od == nd:
		case writable && (os == nil || ns == nil):
			what, s, img := "added", ns, "new"
			if ns == nil {
				what, s, img = "removed", os, "old"
			}
			h.add(Finding{Rule: RuleDataResized, Image: img, RVA: s.RVA, Size: uint32(max(od, nd)), Section: sd.Name,
				Message: fmt.Sprintf("writable data section %s with %d bytes of data: new or removed mutable state", what, max(od, nd))})
			continue
		case writable && (os.Size == ns.Size || metadataBytes(os, om) != metadataBytes(ns, nm) && max(od, nd)-min(od, nd) <= maxMetadataPadding):
			// Only metadata (build information) changed size, and the
			// section's alignment padding with it: the data moved, which
			// a patch does not see (the alignment judges its contents).
		case writable:
			h.add(Finding{Rule: RuleDataResized, Image: "new", RVA: ns.RVA, Section: sd.Name,
				Message: fmt.Sprintf("writable data section %s holds %d bytes of data, was %d: globals added, removed or resized", sd.Name, nd, od)})
		case ns == nil:
			continue // read-only data no code of the new image can refer to
		case os == nil:
			changed = h.dropPadding(ns, nonMetadata(ns, nm, 0, ns.Size)) // new constants
		}
		var al *dataAlign
		if os != nil && ns != nil {
			al = h.align(os, ns)
			ch := mergePointers(al.changed(nm), h.pointersChanged(al), h.ptrSize())
			ch = h.dropInferredPointers(al, ch)
			ch = h.dropMetadata(sd.Name, ns, nm, ch)
			if n := metadataBytes(ns, nm); n > 0 {
				h.metaChanged = append(h.metaChanged, Finding{Rule: RuleMetadataChanged, Image: "new", RVA: ns.RVA, Section: sd.Name,
					Message: fmt.Sprintf("%d bytes of metadata inside %s (unwind, debug, import or Go runtime tables) not compared: regenerated by the patch tooling", n, sd.Name)})
			}
			// Past the old size, zero runs are alignment padding (see
			// dropPadding); the appended bytes come from the alignment.
			k := sort.Search(len(ch), func(k int) bool { return ch[k].Off+ch[k].Size > os.Size })
			changed = append(ch[:k:k], h.dropPadding(ns, ch[k:])...)
		}
		if len(changed) > 0 {
			if writable {
				h.writableData(sd.Name, os, ns, changed)
			} else {
				h.rodata(sd.Name, os, ns, al, changed)
			}
		}
	}
	return nil
}

// dataAlign pairs the bytes of an old and a new data section, so that
// data that merely moved (because data was inserted or removed before
// it) is not taken for changed data: each new byte is compared with the
// old byte the shift of the nearest anchors (words unique on both sides,
// in the same order, and the common prefix and suffix) puts it on.
// Relocated pointers read as what they point to (a paired function, or
// the data there), so a pointer to moved data is unchanged.
type dataAlign struct {
	os, ns  *Section
	dm      *dataMap
	ob, nb  []byte
	anchors []dataAnchor // by new offset, the prefix and suffix included
}

// align returns the alignment of old section os and new section ns,
// made on first need and kept until the data rules are done (pointers of
// other sections are judged through it).
func (h *assessor) align(os, ns *Section) *dataAlign {
	if al, ok := h.aligns[ns]; ok {
		return al
	}
	// Relocated pointers read as what they point to: a paired function
	// (the same on both sides), an unpaired one (never equal), or the
	// section of the data (pointersChanged judges where in it).
	id := func(b *Binary) func(rva uint32) uint64 {
		return func(rva uint32) uint64 {
			k := b.functionStart(rva)
			if k < 0 {
				if i := b.sectionIndex(rva); i >= 0 {
					return xxh3.HashString(b.Sections[i].Name) | 1
				}
				return 1
			}
			if fd, ok := h.fdOf(b, k); ok && fd.Kind != Added && fd.Kind != Removed {
				return uint64(fd.Old.RVA) + 1 // a pair: the same on both sides
			}
			return uint64(k) + 1<<40 + uint64(len(b.Functions))<<41*btoi(b == h.new)
		}
	}
	// The two sides of large sections are read concurrently, as the diff
	// reads them.
	both := func(f, g func()) {
		if uint64(os.FileSize)+uint64(ns.FileSize) < concurrentAlignBytes {
			f()
			g()
			return
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			f()
		}()
		g()
		<-done
	}
	dm := newSectionPair(h.old, h.new, os, ns, id(h.old), id(h.new), both)
	al := &dataAlign{dm: dm, ob: dm.ob, nb: dm.nb, os: os, ns: ns}
	if as, ok := diffAnchors(h.res)[[2]uint32{os.RVA, ns.RVA}]; ok {
		dm.anchors = as // the diff's, found on the same bytes but for its pointers' names
	} else if p := int(dm.prefix); p < min(len(al.ob), len(al.nb)) {
		// Sparser than the diff's anchors: they need only tell where
		// the shift changes, and the bytes between are compared anyway.
		n := max(len(al.ob), len(al.nb)) - p - min(int(dm.suffix), len(al.ob)-p, len(al.nb)-p)
		dm.buildAnchorsAt(min(sampleRate(n)+alignSparsity, 9))
	}
	al.anchors = append(al.anchors, dataAnchor{0, 0})
	for _, a := range dm.anchors {
		if a.old >= dm.prefix && a.new >= dm.prefix && int(a.new)+8 <= len(al.nb)-int(dm.suffix) {
			al.anchors = append(al.anchors, a)
		}
	}
	sfx := min(int(dm.suffix), len(al.ob), len(al.nb))
	al.anchors = append(al.anchors, dataAnchor{uint32(len(al.ob) - sfx), uint32(len(al.nb) - sfx)})
	if h.aligns == nil {
		h.aligns = map[*Section]*dataAlign{}
	}
	h.aligns[ns] = al
	return al
}

// pointersChanged returns the offsets in new section ns of relocated
// pointers to data that do not point to the aligned place of what the old
// pointer at the aligned offset pointed to (the alignment reads every
// pointer into a section as equal: this tells them apart).
func (h *assessor) pointersChanged(al *dataAlign) []uint32 {
	os, ns := al.os, al.ns
	ps := h.ptrSize()
	var out []uint32
	as, k := al.anchors, 0
	ow, nw := window{b: h.old, s: os}, window{b: h.new, s: ns}
	for _, r := range h.new.relocs.in(ns.RVA, ns.RVA+uint32(len(al.nb))) {
		n := r - ns.RVA
		for k+1 < len(as) && as[k+1].new <= n { // relocations come in address order
			k++
		}
		o := int64(n) - int64(as[k].new) + int64(as[k].old)
		if o < 0 || uint64(n)+uint64(ps) > uint64(len(al.nb)) || uint64(o)+uint64(ps) > uint64(len(al.ob)) {
			continue
		}
		op, np := ow.at(uint32(o), ps), nw.at(n, ps)
		if op == nil || np == nil {
			continue
		}
		ov, nv := leUint(op), leUint(np)
		if ov < h.old.ImageBase || nv < h.new.ImageBase || ov-h.old.ImageBase >= 1<<32 || nv-h.new.ImageBase >= 1<<32 {
			continue
		}
		ot, nt := uint32(ov-h.old.ImageBase), uint32(nv-h.new.ImageBase)
		if h.old.functionStart(ot) >= 0 || h.new.functionStart(nt) >= 0 {
			continue // the alignment compared these
		}
		ts, tn := h.section(h.old, ot), h.section(h.new, nt)
		if ts == nil || tn == nil || ts.Name != tn.Name || ts.Flags&SectionExec != 0 {
			continue // another section: the alignment compared these
		}
		if !h.alignedPointer(ts, tn, ot-ts.RVA, nt-tn.RVA) {
			out = append(out, n)
		}
	}
	return out
}

// alignedPointer reports whether new offset nt of section tn is where the
// alignment of (ts, tn) puts old offset ot: either neighbouring anchor's
// shift, the one the alignment compares bytes with.
func (h *assessor) alignedPointer(ts, tn *Section, ot, nt uint32) bool {
	if ts.FileSize == 0 || tn.FileSize == 0 || ot >= ts.FileSize || nt >= tn.FileSize {
		return ot == nt || int64(nt)-int64(ot) == int64(tn.Size)-int64(ts.Size) // uninitialized: no bytes to align by
	}
	al := h.align(ts, tn)
	as := al.anchors
	k := sort.Search(len(as), func(k int) bool { return as[k].new > nt }) - 1
	for _, j := range []int{k, k + 1} {
		if j >= 0 && j < len(as) && int64(nt)-int64(as[j].new) == int64(ot)-int64(as[j].old) {
			return true
		}
	}
	return false
}

// resultAnchors holds, for each Result of Diff still alive, the anchors of
// the data maps the diff built (words unique on both sides, in order), by
// old and new section RVA: the assessment aligns the data sections by
// them instead of finding them again. They stay out of Result, whose
// fields are all exported (go-cmp compares them), and go with it.
var resultAnchors sync.Map // weak.Pointer[Result] → map[[2]uint32][]dataAnchor

// keepAnchors records the anchors of r's data maps until r is collected.
func keepAnchors(r *Result, anchors map[[2]uint32][]dataAnchor) {
	if len(anchors) == 0 {
		return
	}
	wp := weak.Make(r)
	resultAnchors.Store(wp, anchors)
	runtime.AddCleanup(r, func(wp weak.Pointer[Result]) { resultAnchors.Delete(wp) }, wp)
}

// diffAnchors returns the anchors keepAnchors recorded for r, or nil (a
// Result read from JSON, or made otherwise).
func diffAnchors(r *Result) map[[2]uint32][]dataAnchor {
	if v, ok := resultAnchors.Load(weak.Make(r)); ok {
		return v.(map[[2]uint32][]dataAnchor)
	}
	return nil
}

// concurrentAlignBytes is the size of a section pair from which its two
// sides are read concurrently.
const concurrentAlignBytes = 1 << 20

// alignSparsity is how many times sparser (as a power of two) than the
// diff's data maps an assessment samples anchor words.
const alignSparsity = 3

func btoi(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// freeAligns releases the alignments' copies of the sections.
func (h *assessor) freeAligns() {
	for _, al := range h.aligns {
		al.dm.free()
	}
	h.aligns = nil
}

// changed returns the new offsets whose byte is not the old byte that
// either neighbouring anchor's shift puts it on, as ranges, outside the
// ranges skip (RVAs, sorted).
func (al *dataAlign) changed(skip []Range) []ByteRange {
	var out []ByteRange
	ob, nb, as := al.ob, al.nb, al.anchors
	k := 0 // as[k] is the last anchor at or before n
	start := int(al.dm.prefix)
	end := len(nb) - min(int(al.dm.suffix), len(ob), len(nb))
	base := int64(al.ns.RVA)
	for n := start; n < end; {
		// Metadata (sorted RVA ranges) is skipped: it is not judged.
		for len(skip) > 0 && int64(skip[0].RVA)+int64(skip[0].Size)-base <= int64(n) {
			skip = skip[1:]
		}
		if len(skip) > 0 && int64(skip[0].RVA)-base <= int64(n) {
			n = int(int64(skip[0].RVA) + int64(skip[0].Size) - base)
			continue
		}
		for k+1 < len(as) && int(as[k+1].new) <= n {
			k++
		}
		// Eight bytes at a time while they are where the anchor before
		// puts them (most bytes), then byte by byte.
		if o := n - int(as[k].new) + int(as[k].old); o >= 0 && n+8 <= end && o+8 <= len(ob) &&
			(k+1 >= len(as) || n+8 <= int(as[k+1].new)) &&
			binary.LittleEndian.Uint64(nb[n:]) == binary.LittleEndian.Uint64(ob[o:]) {
			n += 8
			continue
		}
		if !al.sameAt(n, as[k]) && !(k+1 < len(as) && al.sameAt(n, as[k+1])) {
			out = appendRange(out, ByteRange{Off: uint32(n), Size: 1})
		}
		n++
	}
	return out
}

// sameAt reports whether new byte n equals the old byte anchor a's shift
// puts it on.
func (al *dataAlign) sameAt(n int, a dataAnchor) bool {
	o := n - int(a.new) + int(a.old)
	return o >= 0 && o < len(al.ob) && al.ob[o] == al.nb[n]
}

// oldOffset returns the old offset the shift of the anchor before new
// offset n puts it on.
func (al *dataAlign) oldOffset(n uint32) (uint32, bool) {
	as := al.anchors
	k := sort.Search(len(as), func(k int) bool { return as[k].new > n }) - 1
	if k < 0 {
		return 0, false
	}
	o := int64(n) - int64(as[k].new) + int64(as[k].old)
	if o < 0 || o >= int64(len(al.ob)) {
		return 0, false
	}
	return uint32(o), true
}

// dropInferredPointers removes from changed (offsets in al's new section)
// the aligned words that hold, in images without relocations (whose
// pointers the alignment cannot tell), addresses of the same function or
// of data where the alignments put it: pointers to things that moved.
func (h *assessor) dropInferredPointers(al *dataAlign, changed []ByteRange) []ByteRange {
	if len(h.old.relocs.rvas) > 0 || len(h.new.relocs.rvas) > 0 || h.ptrSize() != 8 || len(changed) == 0 {
		return changed
	}
	var out []ByteRange
	for _, r := range changed {
		for w := r.Off &^ 7; w < r.Off+r.Size; w += 8 {
			lo, hi := max(w, r.Off), min(w+8, r.Off+r.Size)
			if !h.samePointer(al, w) {
				out = appendRange(out, ByteRange{Off: lo, Size: hi - lo})
			}
		}
	}
	return out
}

// samePointer reports whether the word at new offset n of al's section
// and the word the alignment puts it on in the old section both hold
// addresses in their images that denote the same thing.
func (h *assessor) samePointer(al *dataAlign, n uint32) bool {
	o, ok := al.oldOffset(n)
	if !ok || uint64(n)+8 > uint64(len(al.nb)) || uint64(o)+8 > uint64(len(al.ob)) {
		return false
	}
	ov, nv := binary.LittleEndian.Uint64(al.ob[o:]), binary.LittleEndian.Uint64(al.nb[n:])
	if ov < h.old.ImageBase || nv < h.new.ImageBase || ov-h.old.ImageBase >= 1<<32 || nv-h.new.ImageBase >= 1<<32 {
		return false
	}
	ot, nt := uint32(ov-h.old.ImageBase), uint32(nv-h.new.ImageBase)
	if h.functionIndex(h.old, ot) >= 0 {
		return h.sameTarget(ot, nt)
	}
	ts, tn := h.section(h.old, ot), h.section(h.new, nt)
	if ts == nil || tn == nil || ts.Name != tn.Name || ts.Flags&SectionExec != 0 {
		return false
	}
	return h.alignedPointer(ts, tn, ot-ts.RVA, nt-tn.RVA)
}

// maxMetadataPadding is how far the data of a writable section may seem
// to grow or shrink when metadata inside it changed size: the alignment
// padding after the metadata (Go aligns what follows its build
// information to 32 bytes).
const maxMetadataPadding = 64

// metadataBytes counts the bytes of section s the metadata ranges cover.
func metadataBytes(s *Section, meta []Range) uint64 {
	return uint64(s.Size) - dataBytes(s, meta)
}

// mergePointers merges the sorted ranges rs and the sorted offsets of
// changed pointers of ps bytes into sorted, merged ranges.
func mergePointers(rs []ByteRange, ptrs []uint32, ps uint32) []ByteRange {
	if len(ptrs) == 0 {
		return rs
	}
	out := make([]ByteRange, 0, len(rs)+len(ptrs))
	i := 0
	for _, p := range ptrs {
		for i < len(rs) && rs[i].Off <= p {
			out = append(out, rs[i])
			i++
		}
		out = append(out, ByteRange{Off: p, Size: ps})
	}
	return mergeByteRanges(append(out, rs[i:]...))
}

// dropMetadata removes from changed (offsets in new section ns) the
// metadata ranges nm, noting what fell in them.
func (h *assessor) dropMetadata(name string, ns *Section, nm []Range, changed []ByteRange) []ByteRange {
	if len(nm) == 0 || len(changed) == 0 {
		return changed
	}
	before := sumBytes(changed)
	var out []ByteRange
	for _, r := range changed {
		out = subtract(out, r, ns.RVA, nm)
	}
	if after := sumBytes(out); after < before {
		h.metaChanged = append(h.metaChanged, Finding{Rule: RuleMetadataChanged, Image: "new", RVA: ns.RVA, Section: name,
			Message: fmt.Sprintf("%d changed pointer bytes in metadata inside %s: regenerated by the patch tooling", before-after, name)})
	}
	return out
}

// writableData reports the changed ranges of a writable section as
// data-changed findings, a cluster of nearby ranges each, with the
// functions that refer to them.
func (h *assessor) writableData(name string, os, ns *Section, changed []ByteRange) {
	cl := clusters(changed)
	var spans []span
	for _, c := range cl {
		if len(spans) >= maxFindingsPerRule {
			break
		}
		spans = append(spans, span{lo: ns.RVA + c.Off, hi: ns.RVA + c.Off + c.Size})
	}
	h.readers(ns, spans)
	for i, c := range cl {
		f := Finding{Rule: RuleDataChanged, Image: "new", RVA: ns.RVA + c.Off, Size: c.Size, Section: name}
		if i < len(spans) {
			f.Readers = h.names(h.new, spans[i].all)
			f.OldBytes, f.NewBytes = h.shownBytes(os, ns, c)
			f.Message = fmt.Sprintf("%s of initialized writable data changed at %s+%#x: the running process keeps the old values", nBytes(c.Size), name, c.Off)
		}
		h.add(f)
	}
}

// clusters merges changed ranges less than clusterGap apart: one finding
// each.
func clusters(changed []ByteRange) []ByteRange {
	var out []ByteRange
	for _, r := range changed {
		if k := len(out) - 1; k >= 0 && r.Off-(out[k].Off+out[k].Size) <= clusterGap {
			out[k].Size = r.Off + r.Size - out[k].Off
			continue
		}
		out = append(out, r)
	}
	return out
}

// span is an RVA range of data whose readers are wanted, and what
// readers found.
type span struct {
	lo, hi    uint32
	all       []int32 // new functions referring into [lo, hi), at most maxReaders+1
	unpatched []int32 // of which neither changed nor added
	patched   bool    // some changed or added function refers into it
	via       uint32  // when the readers are those of a pointer to it (throughPointers), the pointer's RVA
}

// readers fills the readers of spans (sorted by lo, in section s of the
// new image): one pass over every function's data references.
func (h *assessor) readers(s *Section, spans []span) {
	b := h.new
	if len(spans) == 0 || len(b.fps) != len(b.Functions) {
		return
	}
	ps := h.patchedSet()
	// Most references miss every span: one range check rejects them.
	lo, size := spans[0].lo, uint32(0)
	for _, sp := range spans {
		lo = min(lo, sp.lo)
	}
	for _, sp := range spans {
		size = max(size, sp.hi-lo)
	}
	size = min(size, s.RVA+s.Size-min(lo, s.RVA+s.Size))
	for i := range b.Functions {
		fp := &b.fps[i]
		refs := b.drefs[fp.drefOff : fp.drefOff+fp.drefN]
		for _, r := range refs {
			if r-lo >= size {
				continue
			}
			k := sort.Search(len(spans), func(k int) bool { return spans[k].hi > r })
			for ; k < len(spans) && spans[k].lo <= r; k++ {
				sp := &spans[k]
				if j := len(sp.all) - 1; j >= 0 && sp.all[j] == int32(i) {
					continue
				}
				if len(sp.all) <= maxReaders {
					sp.all = append(sp.all, int32(i))
				}
				if ps[i/64]&(1<<(i%64)) != 0 {
					sp.patched = true
				} else if len(sp.unpatched) <= maxReaders {
					sp.unpatched = append(sp.unpatched, int32(i))
				}
			}
		}
	}
}

// maxHops bounds the pointers throughPointers follows.
const maxHops = 4096

// throughPointers finds readers for the spans (of one section of the new
// image, sorted) that no function's code refers to: the readers of the
// relocated pointers to them, one hop away (a table of strings, a
// structure pointing to its constants). Spans in the Go type descriptors
// are left alone: the runtime reaches those through its own tables.
func (h *assessor) throughPointers(spans []span) {
	_, types := h.goRuntime(h.new)
	var todo []int
	for k := range spans {
		if len(spans[k].all) == 0 && !(types.Size > 0 && spans[k].lo-types.RVA < types.Size) {
			todo = append(todo, k)
		}
	}
	if len(todo) == 0 {
		return
	}
	b, ps := h.new, h.ptrSize()
	lo, hi := spans[todo[0]].lo, spans[todo[len(todo)-1]].hi
	type hop struct {
		k    int    // the span pointed into
		slot uint32 // the pointer's RVA
	}
	var hops []hop
	var sec *Section
	var win window
	relocs := b.relocs.rvas
	for i := 0; i < len(relocs) && len(hops) < maxHops; i++ {
		r := relocs[i]
		if sec == nil || !sec.Contains(r) {
			sec, win = h.section(b, r), window{b: b, s: h.section(b, r)}
			if sec != nil && (sec.Flags&SectionExec != 0 || metadataSection(sec.Name)) {
				// Code or metadata: skip the section's relocations (sorted).
				end := uint64(sec.RVA) + uint64(sec.Size)
				i += sort.Search(len(relocs)-i, func(j int) bool { return uint64(relocs[i+j]) >= end }) - 1
				continue
			}
		}
		if sec == nil {
			continue
		}
		p := win.at(r-sec.RVA, ps)
		if p == nil {
			continue
		}
		v := leUint(p)
		if v < b.ImageBase || v-b.ImageBase >= 1<<32 {
			continue
		}
		t := uint32(v - b.ImageBase)
		if t+maxStringReach < lo || t >= hi {
			continue
		}
		j := sort.Search(len(todo), func(j int) bool { return spans[todo[j]].hi > t })
		if j < len(todo) && (spans[todo[j]].lo <= t || h.sameString(t, spans[todo[j]].lo)) {
			hops = append(hops, hop{todo[j], r})
		}
	}
	// The readers of each pointer, section by section (hops come in
	// address order): those referring to it, or to the datum it is part of.
	for i := 0; i < len(hops); {
		s := h.section(b, hops[i].slot)
		j := i
		for j < len(hops) && s.Contains(hops[j].slot) {
			j++
		}
		ix := h.newRefIndex(s)
		slots := make([]span, j-i)
		for k, hp := range hops[i:j] {
			start := hp.slot
			if at, ok := ix.before(hp.slot, s.RVA); ok && hp.slot-at <= maxAttribution {
				start = at
			}
			slots[k] = span{lo: start, hi: hp.slot + ps}
		}
		h.readers(s, slots)
		for k, hp := range hops[i:j] {
			sp, from := &spans[hp.k], &slots[k]
			if len(from.all) == 0 {
				continue
			}
			if sp.via == 0 {
				sp.via = hp.slot
			}
			sp.all = appendReaders(sp.all, from.all)
			sp.unpatched = appendReaders(sp.unpatched, from.unpatched)
			sp.patched = sp.patched || from.patched
		}
		i = j
	}
}

// maxStringReach is how far before a changed range a pointer may point
// and still be to the string holding it.
const maxStringReach = 256

// sameString reports whether the new image's bytes from t up to lo hold no
// NUL: a pointer to t points to the string that goes on to lo.
func (h *assessor) sameString(t, lo uint32) bool {
	if lo < t || lo-t > maxStringReach {
		return false
	}
	var buf [maxStringReach]byte
	p := buf[:lo-t]
	return h.readRVA(h.new, p, t) && bytes.IndexByte(p, 0) < 0
}

// appendReaders adds the functions of more to fs that are not in it, up
// to maxReaders+1.
func appendReaders(fs, more []int32) []int32 {
	for _, f := range more {
		if len(fs) > maxReaders {
			break
		}
		if !slices.Contains(fs, f) {
			fs = append(fs, f)
		}
	}
	return fs
}

// names names functions of b for a finding: at most maxReaders, then "…".
func (h *assessor) names(b *Binary, fs []int32) []string {
	var out []string
	for k, i := range fs {
		if k == maxReaders {
			out = append(out, "…")
			break
		}
		out = append(out, funcLabel(&b.Functions[i]))
	}
	return out
}

// funcLabel is a function's name, or sub_<rva>.
func funcLabel(f *Function) string {
	if f.Name != "" {
		return f.Name
	}
	return fmt.Sprintf("sub_%x", f.RVA)
}

// shownBytes returns the old and new bytes of range r (section offsets)
// in hex when it is small; "" for a side that lacks them.
func (h *assessor) shownBytes(os, ns *Section, r ByteRange) (string, string) {
	if r.Size > maxShownBytes {
		return "", ""
	}
	var buf [maxShownBytes]byte
	read := func(b *Binary, s *Section) string {
		if s == nil || uint64(r.Off)+uint64(r.Size) > uint64(s.Size) {
			return ""
		}
		p := buf[:r.Size]
		if !h.readRVA(b, p, s.RVA+r.Off) {
			return ""
		}
		return hex.EncodeToString(p)
	}
	return read(h.old, os), read(h.new, ns)
}

// nonMetadata returns the offsets in [lo, hi) of section s that are not
// loader metadata, as ranges.
func nonMetadata(s *Section, meta []Range, lo, hi uint32) []ByteRange {
	return subtract(nil, ByteRange{Off: lo, Size: hi - lo}, s.RVA, meta)
}

// maxPadding is the longest run of zero bytes between pieces of metadata
// taken for alignment padding rather than data.
const maxPadding = 16

// dropPadding removes from ranges of section s of the new image the short
// runs of zero bytes that alignment leaves before loader metadata or the
// section end.
func (h *assessor) dropPadding(s *Section, rs []ByteRange) []ByteRange {
	var buf [maxPadding]byte
	out := rs[:0]
	for _, r := range rs {
		if r.Size < maxPadding && h.new.readRVA(buf[:r.Size], s.RVA+r.Off) == nil {
			zero := true
			for _, c := range buf[:r.Size] {
				zero = zero && c == 0
			}
			if zero {
				continue
			}
		}
		out = append(out, r)
	}
	return out
}

// subtract appends to out the parts of r (offsets from a section at
// secRVA) that no range of meta (sorted, merged RVAs) covers.
func subtract(out []ByteRange, r ByteRange, secRVA uint32, meta []Range) []ByteRange {
	lo, hi := uint64(secRVA)+uint64(r.Off), uint64(secRVA)+uint64(r.Off)+uint64(r.Size)
	i := sort.Search(len(meta), func(i int) bool { return uint64(meta[i].RVA)+uint64(meta[i].Size) > lo })
	for ; i < len(meta) && lo < hi; i++ {
		mlo, mhi := uint64(meta[i].RVA), uint64(meta[i].RVA)+uint64(meta[i].Size)
		if mlo >= hi {
			break
		}
		if mlo > lo {
			out = appendRange(out, ByteRange{Off: uint32(lo - uint64(secRVA)), Size: uint32(mlo - lo)})
		}
		lo = max(lo, mhi)
	}
	if lo < hi {
		out = appendRange(out, ByteRange{Off: uint32(lo - uint64(secRVA)), Size: uint32(hi - lo)})
	}
	return out
}

// appendRange appends r, merging it with the last range if they touch.
func appendRange(out []ByteRange, r ByteRange) []ByteRange {
	if k := len(out) - 1; k >= 0 && out[k].Off+out[k].Size == r.Off {
		out[k].Size += r.Size
		return out
	}
	return append(out, r)
}

func sumBytes(rs []ByteRange) uint64 {
	var n uint64
	for _, r := range rs {
		n += uint64(r.Size)
	}
	return n
}

// mergeByteRanges merges sorted ranges that overlap or touch.
func mergeByteRanges(rs []ByteRange) []ByteRange {
	out := rs[:0]
	for _, r := range rs {
		if k := len(out) - 1; k >= 0 && uint64(r.Off) <= uint64(out[k].Off)+uint64(out[k].Size) {
			out[k].Size = max(out[k].Off+out[k].Size, r.Off+r.Size) - out[k].Off
			continue
		}
		out = append(out, r)
	}
	return out
}

// ptrSize is the size of an absolute address in the images.
func (h *assessor) ptrSize() uint32 {
	if h.old.Arch == Arch386 {
		return 4
	}
	return 8
}

// retargeted returns the offsets in a section pair of relocated pointers
// present at the same offset on both sides whose targets differ. It reads
// every such pair, changed bytes or not: a pointer whose bytes are equal
// points elsewhere when the code under it moved, and the section diff
// masks relocated pointers. The reads go a window at a time, and targets
// past the last function (data, in most images) need no function search.
func (h *assessor) retargeted(os, ns *Section) []uint32 {
	orel := h.old.relocs.in(os.RVA, os.RVA+os.Size)
	nrel := h.new.relocs.in(ns.RVA, ns.RVA+ns.Size)
	if len(orel) == 0 || len(nrel) == 0 {
		return nil
	}
	ps := h.ptrSize()
	// Read the two sections a window at a time: there may be many
	// pointers, in a few parts of large sections.
	ow, nw := window{b: h.old, s: os}, window{b: h.new, s: ns}
	var out []uint32
	for len(orel) > 0 && len(nrel) > 0 {
		oo, no := orel[0]-os.RVA, nrel[0]-ns.RVA
		switch {
		case oo < no:
			orel = orel[1:]
			continue
		case no < oo:
			nrel = nrel[1:]
			continue
		}
		orel, nrel = orel[1:], nrel[1:]
		op, np := ow.at(oo, ps), nw.at(no, ps)
		if ow.bad || nw.bad {
			return nil
		}
		if op == nil || np == nil {
			continue
		}
		ov, nv := leUint(op), leUint(np)
		if ov < h.old.ImageBase || nv < h.new.ImageBase || ov-h.old.ImageBase >= 1<<32 || nv-h.new.ImageBase >= 1<<32 {
			if ov-h.old.ImageBase != nv-h.new.ImageBase {
				out = append(out, oo)
			}
			continue
		}
		if !h.sameTarget(uint32(ov-h.old.ImageBase), uint32(nv-h.new.ImageBase)) {
			out = append(out, oo)
		}
	}
	return out
}

func leUint(p []byte) uint64 {
	var v uint64
	for i := len(p) - 1; i >= 0; i-- {
		v = v<<8 | uint64(p[i])
	}
	return v
}

// refIndex lists the addresses in one section of the new image that
// functions refer to: the starts of the data they read, by which a
// changed range is attributed to the datum it is part of.
type refIndex struct {
	base uint32   // the section's RVA
	offs []uint32 // referenced offsets in the section, sorted, unique
}

// newRefIndex collects the references into section sec in one pass over
// every function's references: marked a byte per offset of a small
// section, or radix sorted.
func (h *assessor) newRefIndex(sec *Section) *refIndex {
	ix := &refIndex{base: sec.RVA}
	b := h.new
	if len(b.fps) != len(b.Functions) {
		return ix
	}
	lo, size := sec.RVA, sec.Size
	if uint64(size) <= 4*uint64(len(b.drefs)) {
		// One past the end of the marks takes the references outside
		// sec, without a branch.
		marks := make([]bool, size+1)
		for _, r := range b.drefs {
			marks[min(r-lo, size)] = true
		}
		for off, m := range marks[:size] {
			if m {
				ix.offs = append(ix.offs, uint32(off))
			}
		}
		return ix
	}
	var keys []uint64
	for _, r := range b.drefs {
		if r-lo < size {
			keys = append(keys, uint64(r-lo))
		}
	}
	for _, k := range radixSort(keys, 0, max(bits.Len64(uint64(size)), 1)) {
		if n := len(ix.offs); n == 0 || ix.offs[n-1] != uint32(k) {
			ix.offs = append(ix.offs, uint32(k))
		}
	}
	return ix
}

// search returns the index of the first referenced offset at or after
// rva's.
func (ix *refIndex) search(rva uint32) int {
	if rva < ix.base {
		return 0
	}
	i, _ := slices.BinarySearch(ix.offs, rva-ix.base)
	return i
}

// before returns the nearest referenced address at or before rva, not
// before lo.
func (ix *refIndex) before(rva, lo uint32) (uint32, bool) {
	if rva < ix.base {
		return 0, false
	}
	i, found := slices.BinarySearch(ix.offs, rva-ix.base)
	if found {
		i++
	}
	if i == 0 {
		return 0, false
	}
	best := ix.base + ix.offs[i-1]
	if best < lo {
		return 0, false
	}
	return best, true
}

// maxDerivedWords bounds the words of a section checked for code
// addresses: code-derived words (jump tables) are few; past the budget,
// changed words count as data.
const maxDerivedWords = 1 << 16

// derivedWords holds what drop needs of a read-only section pair: the
// aligned bytes and the references into the new section.
type derivedWords struct {
	h      *assessor
	os, ns *Section
	al     *dataAlign
	refs   *refIndex
	budget int
}

// derived reports whether the 32-bit word at new offset off holds a code
// address that changed only because the code moved: an image-relative RVA
// (MSVC jump tables, SEH scope tables) or an offset relative to the start
// of its table (GCC jump tables), the table being the nearest address
// before the word that code refers to.
func (c *derivedWords) derived(off uint32) bool {
	if c.budget <= 0 || c.al == nil || uint64(off)+4 > uint64(len(c.al.nb)) {
		return false
	}
	o, ok := c.al.oldOffset(off)
	if !ok || uint64(o)+4 > uint64(len(c.al.ob)) {
		return false
	}
	c.budget--
	h := c.h
	ov, nv := binary.LittleEndian.Uint32(c.al.ob[o:]), binary.LittleEndian.Uint32(c.al.nb[off:])
	if h.functionIndex(h.old, ov) >= 0 && h.sameTarget(ov, nv) || h.sameCode(ov, nv) {
		return true
	}
	base, ok := c.refs.before(c.ns.RVA+off, c.ns.RVA)
	if !ok {
		return false
	}
	ob, ok := c.al.oldOffset(base - c.ns.RVA)
	if !ok {
		return false
	}
	to, tn := c.os.RVA+ob+ov, base+nv // wrapping adds a signed offset
	return h.functionIndex(h.old, to) >= 0 && h.sameTarget(to, tn)
}

// sameCodeBytes is how many bytes of code sameCode compares.
const sameCodeBytes = 16

// sameCode reports whether old RVA a and new RVA b, both in code no
// function covers (exception filters, handler fragments), are code that
// moved: they start the same bytes, or they moved as far as the function
// before a did.
func (h *assessor) sameCode(a, b uint32) bool {
	os, ns := h.section(h.old, a), h.section(h.new, b)
	if os == nil || ns == nil || os.Flags&SectionExec == 0 || ns.Flags&SectionExec == 0 || h.functionIndex(h.old, a) >= 0 {
		return false
	}
	var x, y [sameCodeBytes]byte
	if h.readRVA(h.old, x[:], a) && h.readRVA(h.new, y[:], b) && x == y {
		return true
	}
	fs := h.old.Functions
	k := sort.Search(len(fs), func(k int) bool { return fs[k].RVA > a }) - 1
	if k < 0 {
		return false
	}
	fd, ok := h.fdOf(h.old, k)
	return ok && fd.New != nil && int64(fd.New.RVA)-int64(fd.Old.RVA) == int64(b)-int64(a)
}

// drop returns the parts of r whose words are not code-derived.
func (c *derivedWords) drop(out []ByteRange, r ByteRange) []ByteRange {
	for w := r.Off &^ 3; w < r.Off+r.Size; w += 4 {
		if c.budget <= 0 {
			lo := max(w, r.Off)
			return appendRange(out, ByteRange{Off: lo, Size: r.Off + r.Size - lo})
		}
		if !c.derived(w) {
			lo, hi := max(w, r.Off), min(w+4, r.Off+r.Size)
			out = appendRange(out, ByteRange{Off: lo, Size: hi - lo})
		}
	}
	return out
}

// clusterGap is how far apart two changed byte ranges of one section may
// be and still be reported as one finding.
const clusterGap = 16

// rodata judges the changed ranges of a read-only section (os is nil for
// an added section), cluster by cluster, after dropping code-derived
// words: a cluster holding a pointer to writable data is
// const-pointer-changed; else, by the functions that refer to it, it is
// rodata-private (only changed or added ones), rodata-changed (some
// unchanged one, named) or rodata-unattributed (none). It stops once the
// blockers are capped: the verdict is settled and the rest would not be
// listed.
func (h *assessor) rodata(name string, os, ns *Section, al *dataAlign, changed []ByteRange) {
	c := &derivedWords{h: h, os: os, ns: ns, al: al, refs: h.newRefIndex(ns), budget: maxDerivedWords}
	var kept, cl []ByteRange
	var parts [][]ByteRange // the changed ranges of each cluster
	for i := 0; i < len(changed); {
		// A cluster: ranges less than clusterGap apart.
		j := i + 1
		for j < len(changed) && changed[j].Off-(changed[j-1].Off+changed[j-1].Size) <= clusterGap {
			j++
		}
		kept = kept[:0]
		if os != nil && c.budget > 0 {
			for _, r := range changed[i:j] {
				kept = c.drop(kept, r)
			}
		} else {
			kept = append(kept, changed[i:j]...)
		}
		i = j
		if len(kept) == 0 {
			continue
		}
		lo, hi := kept[0].Off, kept[len(kept)-1].Off+kept[len(kept)-1].Size
		cl = append(cl, ByteRange{Off: lo, Size: hi - lo})
		parts = append(parts, slices.Clone(kept))
		if len(cl) >= 4*maxFindingsPerRule {
			h.atLeast[RuleRodataChanged], h.atLeast[RuleRodataPrivate], h.atLeast[RuleRodataUnattributed] = true, true, true
			break
		}
	}
	if len(cl) == 0 {
		return
	}
	// The readers of each cluster: the references inside it, or else
	// those of the nearest referenced address before it (the start of the
	// datum it is part of).
	spans := make([]span, len(cl))
	for k, r := range cl {
		lo, hi := ns.RVA+r.Off, ns.RVA+r.Off+r.Size
		if k := c.refs.search(lo); k >= len(c.refs.offs) || c.refs.base+c.refs.offs[k] >= hi {
			if at, ok := c.refs.before(lo-1, ns.RVA); ok && lo > ns.RVA && lo-at <= maxAttribution && !h.metadataBetween(ns, at, lo) {
				lo = at
			}
		}
		spans[k] = span{lo: lo, hi: hi}
	}
	h.readers(ns, spans)
	h.throughPointers(spans)
	for k, r := range cl {
		sp := &spans[k]
		f := Finding{Rule: RuleRodataChanged, Image: "new", RVA: ns.RVA + r.Off, Size: r.Size, Section: name}
		f.OldBytes, f.NewBytes = h.shownBytes(os, ns, r)
		where := fmt.Sprintf("%s of read-only data at %s+%#x", nBytes(r.Size), name, r.Off)
		if target, ok := h.mutableTarget(ns, parts[k]); ok {
			f.Rule = RuleConstPointer
			f.Readers = h.names(h.new, sp.all)
			f.Message = fmt.Sprintf("%s changed, holding a pointer to mutable data at %s: constant data pointing to mutable globals cannot be hotpatched", where, target)
			h.add(f)
			continue
		}
		_, types := h.goRuntime(h.new)
		switch {
		case types.Size > 0 && f.RVA >= types.RVA && f.RVA-types.RVA < types.Size && len(sp.unpatched) > 0 || types.Size > 0 && len(sp.all) == 0 && f.RVA >= types.RVA && f.RVA-types.RVA < types.Size:
			f.Rule = RuleGoTypesChanged
			f.Readers = h.names(h.new, sp.all)
			f.Message = where + " changed, inside the Go type descriptors (runtime.types): offsets between them are re-encoded when data moves; whether a type's meaning changed is not checked"
		case len(sp.all) == 0 && h.goFunc[1] != 0 && f.RVA >= h.goFunc[1] && h.section(h.new, h.goFunc[1]) == ns:
			f.Rule = RuleMetadataChanged
			f.Message = where + " changed, past the Go funcdata start (go:func.*) and referred to by no code: taken for funcdata, which the pclntab refers to"
		case len(sp.all) == 0:
			f.Rule = RuleRodataUnattributed
			f.Message = where + " changed; no function's code refers to it: who reads it is not known"
		case len(sp.unpatched) == 0:
			f.Rule = RuleRodataPrivate
			f.Readers = h.names(h.new, sp.all)
			f.Message = where + " changed, read only by changed or added code: the patch carries it"
		default:
			f.Readers = h.names(h.new, sp.unpatched)
			f.Message = where + " changed, read by unchanged code, which would keep the old values"
		}
		if sp.via != 0 && f.Rule != RuleRodataUnattributed {
			f.Message += fmt.Sprintf(" (read through the pointer at %s+%#x)", secName(h.new, sp.via), sp.via-h.section(h.new, sp.via).RVA)
		}
		h.add(f)
	}
}

// metadataBetween reports whether metadata of the new image lies in
// [lo, hi) of section s: a datum does not span it.
func (h *assessor) metadataBetween(s *Section, lo, hi uint32) bool {
	return len(overlapping(h.sectionMetadata(h.new, s), uint64(lo), uint64(hi))) > 0
}

// mutableTarget reports whether a relocated pointer of read-only section
// s of the new image whose bytes changed (it overlaps one of the ranges,
// section offsets) points into writable data, and names where.
func (h *assessor) mutableTarget(s *Section, changed []ByteRange) (string, bool) {
	ps := h.ptrSize()
	for _, r := range changed {
		lo := s.RVA + r.Off
		for _, rva := range h.new.relocs.in(lo-min(lo-s.RVA, ps-1), lo+r.Size) {
			var buf [8]byte
			if !h.readRVA(h.new, buf[:ps], rva) {
				continue
			}
			v := leUint(buf[:ps])
			if v < h.new.ImageBase || v-h.new.ImageBase >= 1<<32 {
				continue
			}
			t := h.section(h.new, uint32(v-h.new.ImageBase))
			if t != nil && t.Flags&(SectionWrite|SectionBSS) != 0 && t.Flags&SectionExec == 0 {
				return fmt.Sprintf("%s+%#x", t.Name, uint32(v-h.new.ImageBase)-t.RVA), true
			}
		}
	}
	return "", false
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
		v := leUint(p)
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
			Message: fmt.Sprintf("a removed function is still pointed to by %d words of data of the old image (the first at %s+%#x)", p.n, p.sec, p.first-old.Section(p.first).RVA)})
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
	for i := range old.Functions {
		fp := &old.fps[i]
		if k, _ := slices.BinarySearch(hits, fp.callOff); k == len(hits) || hits[k] >= fp.callOff+fp.callN {
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
	for _, k := range h.changedFD {
		i := h.oldIndex(int(k))
		if i < 0 {
			continue
		}
		p := h.padding(old, i)
		h.a.Padding = append(h.a.Padding, p)
		padded := old.Arch != ArchARM64 && p.Before >= jumpSizeX86 && p.Size >= shortJumpSize
		switch {
		case padded:
		case p.Size+p.After >= jump:
			if old.Arch != ArchARM64 {
				f := Finding{Rule: RuleUnpaddedEntry, Image: "old"}
				if h.shown(f.Rule) {
					f.RVA, f.Section, f.Function = p.RVA, secName(old, p.RVA), h.funcName(old, p.RVA)
					f.Message = fmt.Sprintf("%d bytes of padding before the entry: the redirect overwrites the first %d bytes in place", p.Before, jump)
				}
				h.add(f)
			}
		default:
			f := Finding{Rule: RuleNoRoomForJump, Image: "old"}
			if h.shown(f.Rule) {
				f.RVA, f.Section, f.Function = p.RVA, secName(old, p.RVA), h.funcName(old, p.RVA)
				f.Message = fmt.Sprintf("%d bytes with %d bytes of filler after and %d before: no room for a %d-byte jump", p.Size, p.After, p.Before, jump)
			}
			h.add(f)
		}
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
	lo := s.RVA
	if i > 0 && b.Functions[i-1].RVA+b.Functions[i-1].Size > lo && b.Functions[i-1].RVA < f.RVA {
		lo = b.Functions[i-1].RVA + b.Functions[i-1].Size
	}
	if f.RVA > lo {
		n := min(f.RVA-lo, maxPadScan)
		buf := h.scratch[:n]
		if h.readRVA(b, buf, f.RVA-n) {
			for k := len(buf) - 1; k >= 0 && (buf[k] == 0xCC || buf[k] == 0x90); k-- {
				p.Before++
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
		buf := h.scratch[:n]
		if h.readRVA(b, buf, end) {
			p.After = fillerLen(buf)
		}
	}
	return p
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
