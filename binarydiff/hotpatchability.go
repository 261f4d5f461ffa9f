package binarydiff

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
	"sort"
	"strings"
)

// Verdict is the outcome of a hotpatchability assessment.
type Verdict uint8

const (
	// NotPatchable: at least one Finding.
	NotPatchable Verdict = iota
	// Patchable: only function bodies changed and new functions were added,
	// each changed function has room for a redirecting jump.
	Patchable
)

var verdictNames = [...]string{"not-patchable", "patchable"}

// String implements fmt.Stringer.
func (v Verdict) String() string { return enumString(verdictNames[:], int(v)) }

// MarshalText implements encoding.TextMarshaler.
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (v *Verdict) UnmarshalText(b []byte) error {
	return enumParse(verdictNames[:], "verdict", b, (*uint8)(v))
}

// Rule names a hotpatchability rule; see the list above Verdict.
type Rule uint8

// The rules, in the order findings are sorted; their text forms are the
// IDs findings carry ("data-changed", ...), and the list above Verdict says
// what each checks and why.
const (
	RuleNone              Rule = iota // no rule (the zero value)
	RuleDataChanged                   // data-changed: initialized writable data changed
	RuleDataResized                   // data-resized: a writable data section grew, shrank, appeared or vanished
	RuleRodataChanged                 // rodata-changed: read-only data that unchanged code reads changed
	RuleTLSChanged                    // tls-changed: the TLS template or zero-fill size changed
	RuleImportsChanged                // imports-changed: an import was added or removed
	RuleExportsChanged                // exports-changed: an export was added, removed or retargeted
	RuleEntryChanged                  // entry-changed: the entry point moved or its code changed
	RuleInitChanged                   // init-changed: an initialization routine changed
	RuleNoRoomForJump                 // no-room-for-jump: no room for the redirect of a changed function
	RuleUnpaddedEntry                 // unpadded-entry (warning): no padding before a changed function
	RuleRemovedReferenced             // removed-referenced: a removed function is still referenced
	RuleCHPEImage                     // chpe-image: a CHPE image (a finding for x86 CHPE, a warning for Arm64EC/X)
	RuleHotpatchImage                 // hotpatch-image (warning): an image is itself a hotpatch
	RuleFactsUnavailable              // facts-unavailable (warning): image facts could not be read
)

// ruleCount is the number of rules, RuleNone included.
const ruleCount = int(RuleFactsUnavailable) + 1

var ruleNames = [...]string{"", "data-changed", "data-resized", "rodata-changed", "tls-changed",
	"imports-changed", "exports-changed", "entry-changed", "init-changed", "no-room-for-jump",
	"unpadded-entry", "removed-referenced", "chpe-image", "hotpatch-image", "facts-unavailable"}

// String implements fmt.Stringer.
func (r Rule) String() string { return enumString(ruleNames[:], int(r)) }

// MarshalText implements encoding.TextMarshaler.
func (r Rule) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (r *Rule) UnmarshalText(b []byte) error { return enumParse(ruleNames[:], "rule", b, (*uint8)(r)) }

// Finding is one cause that prevents a hotpatch (or, among an
// Assessment's Warnings, one thing to review).
type Finding struct {
	Rule     Rule   `json:"rule"`
	Image    string `json:"image"`              // "old" or "new": the image RVA and Section refer to
	RVA      uint32 `json:"rva"`                // address of the cause, 0 if none
	Section  string `json:"section,omitempty"`  // section holding RVA
	Function string `json:"function,omitempty"` // function concerned: its name, or sub_<rva>
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
	if f.RVA != 0 || f.Section != "" {
		fmt.Fprintf(&b, " (%s rva %#x", f.Image, f.RVA)
		if f.Section != "" {
			fmt.Fprintf(&b, " in %s", f.Section)
		}
		b.WriteString(")")
	}
	return b.String()
}

// Assessment says whether a diff can be applied as an in-memory hotpatch,
// and why not. It satisfies package eligibility's Assessment interface
// (Patchable and Blockers) without either package importing the other.
type Assessment struct {
	Verdict  Verdict       `json:"verdict"`
	Findings []Finding     `json:"findings,omitempty"` // causes of NotPatchable, by rule then address
	Warnings []Finding     `json:"warnings,omitempty"` // things to review; they do not change the verdict
	Old      *ImageFacts   `json:"old_facts,omitempty"`
	New      *ImageFacts   `json:"new_facts,omitempty"`
	Padding  []PaddingInfo `json:"padding,omitempty"` // room for the redirect of each changed function, in the old image
}

// PaddingInfo is the room a redirecting jump has at one old function.
type PaddingInfo struct {
	RVA    uint32 `json:"rva"`    // entry of the old function
	Size   uint32 `json:"size"`   // its size
	Before uint32 `json:"before"` // 0xCC/0x90 filler bytes right before the entry (at most 64)
	After  uint32 `json:"after"`  // filler bytes (int3, nop, multi-byte nop, zero) right after its body
}

// Patchable reports whether every change can be hotpatched.
func (a *Assessment) Patchable() bool { return a.Verdict == Patchable }

// Blockers describes each Finding in one line; empty when Patchable.
func (a *Assessment) Blockers() []string {
	out := make([]string, len(a.Findings))
	for i, f := range a.Findings {
		out[i] = f.String()
	}
	return out
}

// Rules returns the distinct rules of the Findings, in order.
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

// maxFindingsPerRule bounds the findings of one rule; one more finding
// says how many were left out.
const maxFindingsPerRule = 64

// Hotpatchability assesses whether the change from old to new that r
// describes can be applied in memory by function replacement. old and new
// must be the binaries r was computed from. It reads their image facts
// (imports, exports, TLS, load configuration) again from the images.
//
// The model is in-place function replacement, the mechanism Windows
// hotpatch [S10, S11], Linux livepatch/kpatch and Ksplice share: the
// old image stays loaded with its data; each changed function of the old
// image is redirected, by a jump written at its entry, to its new version
// loaded beside it; new functions are loaded beside it too. Only code is
// replaced. So a change is Patchable when everything that differs is
// function bodies and new functions, and every changed function has room
// for the redirecting jump. Each rule below names what breaks that model
// and why; a Finding carries the rule, the way kpatch's create-diff-object
// names each "unreconcilable difference" [S25].
//
//	data-changed       Initialized writable data changed (bytes, or a pointer now pointing
//	                   at another function or datum). The running image keeps its data:
//	                   "Data stays in the base image; patched functions reach mutable globals
//	                   through __ref_ indirection (no in-place data-layout change)"
//	                   [S12]; kpatch rejects a changed .data/.bss section ("kpatch patches
//	                   functions, not data" [S25]).
//	data-resized       A writable data section (.data, .bss) grew, shrank, appeared or vanished (loader
//	                   metadata aside): globals were added, removed or moved, a data-layout
//	                   change ([S12]; kpatch "object size mismatch", "new globals" [S25]).
//	rodata-changed     Read-only data changed and no changed or added function is the only
//	                   user of it: unchanged code that reads it would keep the old constants,
//	                   so the change cannot be delivered by replacing functions. When only
//	                   changed or added functions refer to it, the patch can carry its own
//	                   copy: a warning with the same rule asks for review.
//	tls-changed        The TLS template or zero-fill size changed: the loader copies it into
//	                   every thread at creation; running threads keep the old one.
//	imports-changed    An import was added or removed. The loader binds imports at load
//	                   time; legacy hotpatching excluded "patches that modify a file's export
//	                   table or import table" [S16].
//	exports-changed    An export was added, removed, renamed, forwarded elsewhere or now
//	                   names another function ([S16]; kpatch "Version disagreement for
//	                   symbol" for exported symbols).
//	entry-changed      The entry point moved to another function, or its code changed: it has
//	                   already run (kpatch: __init functions cannot be patched [S25]).
//	init-changed       An initialization routine (a TLS callback, an ELF .init_array entry or
//	                   DT_INIT, a Go package init) changed, was added or removed: it has
//	                   already run, and its effects stay (kpatch patch author guide [S25]).
//	no-room-for-jump   A changed function has no room for the redirect in the old image: x64
//	                   hotpatch writes a 2-byte short jump at the entry to a 5-byte jump in
//	                   the padding before the function [S11]; MSVC guarantees a 2-byte first
//	                   instruction and /FUNCTIONPADMIN 6 bytes of padding on x64 [S13].
//	                   Failing that, a 5-byte jump (4 bytes on Arm64) must fit in the function
//	                   and the filler after it; a function smaller than that with less than
//	                   5 bytes of padding before it cannot be redirected.
//	unpadded-entry     (warning) The function has less than 5 bytes of padding before it: the
//	                   redirect must overwrite its first instructions in place, which is not
//	                   the atomic two-byte write [S11].
//	removed-referenced A removed function is still referenced by data the old image keeps (a
//	                   pointer in a data section), or by code that is not replaced: the old
//	                   function stays reachable, so its removal is not delivered (kpatch:
//	                   "removed functions remain as dead code" [S25]).
//	chpe-image         (finding for x86 CHPE, warning for Arm64EC/Arm64X) "CHPE binaries on
//	                   Arm64 cannot be serviced by hotpatch" [S1].
//	hotpatch-image     (warning) One of the images is itself a hotpatch image (its load
//	                   configuration has a HotPatchTableOffset [S14]): diff base images.
//	facts-unavailable  (warning) The image facts (imports, exports, TLS, metadata) could not
//	                   be read; the rules that need them were not applied.
//
// Moved functions and whole sections that moved without a change in
// content are not findings: patched code reaches base data through
// indirection [S12], so only the layout inside data matters. Loader
// metadata (export, import, resource, exception, debug directories, unwind
// information, guard tables, base relocations) changes with the code
// layout and is masked from the data rules.
//
// Limits: the assessment sees what the binaries show. It cannot know
// that a change in semantics of data (a struct's meaning) is compatible,
// which kpatch leaves to a human ("Do not blindly apply patches" [S25]); it
// does not model the consistency question (a changed function on some
// thread's stack); Go binaries are NotPatchable whenever code changes,
// because their runtime metadata (pclntab, in read-only data) changes and
// only the unchanged runtime reads it — which is true of the Go runtime.
func (r *Result) Hotpatchability(old, new *Binary) *Assessment {
	h := &assessor{res: r, old: old, new: new, a: &Assessment{}}
	h.run()
	return h.a
}

type assessor struct {
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
	patched []uint64
	meta    map[*Section][]Range // metadata ranges overlapping a section, by section
	sides   [2]sideIndex         // lookups in the old and new image
	counts  [ruleCount]int       // findings per rule so far
	wcounts [ruleCount]int       // warnings per rule so far
	scratch []byte               // for reading padding
}

func (h *assessor) run() {
	h.index()
	var err error
	if h.of, err = h.old.facts(); err != nil {
		h.warn(Finding{Rule: RuleFactsUnavailable, Image: "old", Message: err.Error()})
		h.of = nil
	}
	if h.nf, err = h.new.facts(); err != nil {
		h.warn(Finding{Rule: RuleFactsUnavailable, Image: "new", Message: err.Error()})
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
	h.data()
	h.removed()
	h.room()
	sortFindings(h.a.Findings)
	sortFindings(h.a.Warnings)
	if len(h.a.Findings) == 0 {
		h.a.Verdict = Patchable
	}
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

func (h *assessor) find(f Finding) {
	h.counts[f.Rule]++
	switch n := h.counts[f.Rule]; {
	case n <= maxFindingsPerRule:
		h.a.Findings = append(h.a.Findings, f)
	case n == maxFindingsPerRule+1:
		h.a.Findings = append(h.a.Findings, Finding{Rule: f.Rule, Image: f.Image, RVA: ^uint32(0), Message: "more findings of this rule left out"})
	}
}

func (h *assessor) warn(f Finding) {
	h.wcounts[f.Rule]++
	switch n := h.wcounts[f.Rule]; {
	case n <= maxFindingsPerRule:
		h.a.Warnings = append(h.a.Warnings, f)
	case n == maxFindingsPerRule+1:
		h.a.Warnings = append(h.a.Warnings, Finding{Rule: f.Rule, Image: f.Image, RVA: ^uint32(0), Message: "more warnings of this rule left out"})
	}
}

// shown reports whether the next finding (or warning) of rule r will be
// listed with its message: past maxFindingsPerRule only the count and the
// image matter, and the message need not be made.
func (h *assessor) shown(r Rule, warning bool) bool {
	if warning {
		return h.wcounts[r] < maxFindingsPerRule
	}
	return h.counts[r] < maxFindingsPerRule
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
			h.warn(Finding{Rule: RuleHotpatchImage, Image: side.name, RVA: f.LoadConfig.HotPatchTableOffset, Message: msg + "); diff base images"})
		}
		switch f.CHPE {
		case CHPENone:
		case CHPEX86:
			h.find(Finding{Rule: RuleCHPEImage, Image: side.name, Message: "x86 CHPE image: CHPE binaries on Arm64 cannot be serviced by hotpatch"})
		default:
			h.warn(Finding{Rule: RuleCHPEImage, Image: side.name, Message: fmt.Sprintf("%v image: hybrid Arm64 code; hotpatch support for it is not documented", f.CHPE)})
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
			h.find(Finding{Rule: RuleEntryChanged, Image: "new", RVA: new.Entry, Section: secName(new, new.Entry),
				Message: fmt.Sprintf("entry point %#x → %#x, not both at a known function", old.Entry, new.Entry)})
		}
		return
	}
	fd, ok := h.fdAt(old, old.Entry)
	switch {
	case !ok:
	case fd.New == nil || fd.New.RVA != new.Entry:
		h.find(Finding{Rule: RuleEntryChanged, Image: "new", RVA: new.Entry, Section: secName(new, new.Entry), Function: h.funcName(new, new.Entry),
			Message: fmt.Sprintf("the entry point is now another function (old entry %s)", h.funcName(old, old.Entry))})
	case fd.Kind == Changed:
		h.find(Finding{Rule: RuleEntryChanged, Image: "old", RVA: old.Entry, Section: secName(old, old.Entry), Function: h.funcName(old, old.Entry),
			Message: "the entry point routine changed; it has already run"})
	}
}

func (h *assessor) imports() {
	added, removed := setDiff(h.of.Imports, h.nf.Imports)
	for _, s := range added {
		h.find(Finding{Rule: RuleImportsChanged, Image: "new", Message: "import added: " + s})
	}
	for _, s := range removed {
		h.find(Finding{Rule: RuleImportsChanged, Image: "old", Message: "import removed: " + s})
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
			h.find(Finding{Rule: RuleExportsChanged, Image: "new", RVA: ne.RVA, Section: secName(h.new, ne.RVA), Message: "export added: " + k})
		case oe.Forwarder != ne.Forwarder:
			h.find(Finding{Rule: RuleExportsChanged, Image: "new", RVA: ne.RVA, Message: fmt.Sprintf("export %s forwarded to %q, was %q", k, ne.Forwarder, oe.Forwarder)})
		case ne.Forwarder == "" && !h.sameTarget(oe.RVA, ne.RVA):
			h.find(Finding{Rule: RuleExportsChanged, Image: "new", RVA: ne.RVA, Section: secName(h.new, ne.RVA), Message: fmt.Sprintf("export %s now names other code or data (%#x, was %#x)", k, ne.RVA, oe.RVA)})
		}
	}
	for _, oe := range h.of.Exports {
		if k := exportKey(oe); !seen[k] {
			h.find(Finding{Rule: RuleExportsChanged, Image: "old", RVA: oe.RVA, Section: secName(h.old, oe.RVA), Message: "export removed: " + k})
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
		h.find(Finding{Rule: RuleTLSChanged, Image: "new", Message: "TLS directory added or removed"})
	case o.Template.Size != n.Template.Size || o.ZeroFill != n.ZeroFill:
		h.find(Finding{Rule: RuleTLSChanged, Image: "new", RVA: n.Template.RVA, Section: secName(h.new, n.Template.RVA),
			Message: fmt.Sprintf("TLS template %d+%d bytes, was %d+%d", n.Template.Size, n.ZeroFill, o.Template.Size, o.ZeroFill)})
	case o.Hash != n.Hash:
		h.find(Finding{Rule: RuleTLSChanged, Image: "new", RVA: n.Template.RVA, Section: secName(h.new, n.Template.RVA), Message: "TLS template contents changed"})
	}
}

// init checks the initialization routines the image facts list (TLS
// callbacks, ELF init arrays): same count, each paired and unchanged.
func (h *assessor) init() {
	o, n := h.of.Init, h.nf.Init
	if len(o) != len(n) {
		h.find(Finding{Rule: RuleInitChanged, Image: "new", Message: fmt.Sprintf("%d initialization routines, was %d", len(n), len(o))})
	}
	for k := range min(len(o), len(n)) {
		fd, off, ok := h.fdContaining(h.old, o[k])
		switch {
		case !ok:
		case fd.New == nil || fd.New.RVA+off != n[k]:
			h.find(Finding{Rule: RuleInitChanged, Image: "new", RVA: n[k], Section: secName(h.new, n[k]), Function: h.funcName(h.new, n[k]),
				Message: fmt.Sprintf("initialization routine %d is now another function", k)})
		case fd.Kind == Changed:
			h.find(Finding{Rule: RuleInitChanged, Image: "old", RVA: o[k], Section: secName(h.old, o[k]), Function: h.funcName(h.old, o[k]),
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
			h.find(Finding{Rule: RuleInitChanged, Image: "old", RVA: fd.Old.RVA, Section: secName(h.old, fd.Old.RVA), Function: name,
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

// data applies data-changed, data-resized and rodata-changed to the
// section diffs of the result plus the retargeted pointers.
func (h *assessor) data() {
	for k := range h.res.Sections {
		sd := &h.res.Sections[k]
		if metadataSection(sd.Name) {
			continue
		}
		os, ns := h.sectionPair(sd)
		if os != nil && os.Flags&SectionExec != 0 || ns != nil && ns.Flags&SectionExec != 0 {
			continue
		}
		var retargeted []uint32
		if os != nil && ns != nil {
			retargeted = h.retargeted(os, ns)
			if os.Size == ns.Size && len(sd.Changed) == 0 && len(retargeted) == 0 {
				continue // the common case, decided without the metadata
			}
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
		writable := os != nil && os.Flags&(SectionWrite|SectionBSS) != 0 || ns != nil && ns.Flags&(SectionWrite|SectionBSS) != 0
		var changed []ByteRange
		switch {
		case od == nd:
		case writable && (os == nil || ns == nil):
			what, s, img := "added", ns, "new"
			if ns == nil {
				what, s, img = "removed", os, "old"
			}
			h.find(Finding{Rule: RuleDataResized, Image: img, RVA: s.RVA, Section: sd.Name, Message: fmt.Sprintf("writable data section %s with %d bytes of data", what, max(od, nd))})
			continue
		case writable:
			h.find(Finding{Rule: RuleDataResized, Image: "new", RVA: ns.RVA, Section: sd.Name, Message: fmt.Sprintf("writable data section %s holds %d bytes of data, was %d", sd.Name, nd, od)})
		case ns == nil:
			continue // read-only data no code of the new image can refer to
		case os == nil:
			changed = h.dropPadding(ns, nonMetadata(ns, nm, 0, ns.Size)) // new constants
		case ns.Size > os.Size:
			changed = h.dropPadding(ns, nonMetadata(ns, nm, os.Size, ns.Size)) // constants appended
		}
		if os != nil && ns != nil {
			changed = append(h.changedData(sd, os, ns, om, nm, retargeted), changed...)
		}
		if len(changed) == 0 {
			continue
		}
		if writable {
			r := changed[0]
			h.find(Finding{Rule: RuleDataChanged, Image: "new", RVA: ns.RVA + r.Off, Section: sd.Name,
				Message: fmt.Sprintf("writable data changed: %d bytes in %d ranges from offset %#x", sumBytes(changed), len(changed), r.Off)})
			continue
		}
		h.rodata(sd.Name, os, ns, changed)
	}
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

// changedData returns the changed byte ranges of a section pair that are
// data, not metadata, adding relocated pointers that now point at
// something else (the section diff masks them).
func (h *assessor) changedData(sd *SectionDiff, os, ns *Section, om, nm []Range, retargeted []uint32) []ByteRange {
	common := min(os.Size, ns.Size)
	// Both lists are sorted by offset: merge them.
	in := make([]ByteRange, 0, len(sd.Changed)+len(retargeted))
	ps := h.ptrSize()
	i, j := 0, 0
	for i < len(sd.Changed) || j < len(retargeted) {
		if j == len(retargeted) || i < len(sd.Changed) && sd.Changed[i].Off <= retargeted[j] {
			if r := sd.Changed[i]; r.Off < common { // growth: data-resized decides
				in = append(in, ByteRange{Off: r.Off, Size: min(r.Size, common-r.Off)})
			}
			i++
			continue
		}
		in = append(in, ByteRange{Off: retargeted[j], Size: ps})
		j++
	}
	// Metadata on either side is not data: subtract the old side's, then
	// the new side's, ranges (usually none fall in a data section).
	for _, side := range []struct {
		sec  *Section
		meta []Range
	}{{os, sectionRanges(om, os)}, {ns, sectionRanges(nm, ns)}} {
		if len(side.meta) == 0 {
			continue
		}
		out := make([]ByteRange, 0, len(in))
		for _, r := range in {
			out = subtract(out, r, side.sec.RVA, side.meta)
		}
		in = out
	}
	return mergeByteRanges(in)
}

// sectionRanges returns the ranges of meta that overlap section s.
func sectionRanges(meta []Range, s *Section) []Range {
	return overlapping(meta, uint64(s.RVA), uint64(s.RVA)+uint64(s.Size))
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

// refIndex lists the addresses in one section that the new image's
// functions refer to, and which of them some unchanged function refers to.
type refIndex struct {
	base      uint32   // the section's RVA
	offs      []uint32 // referenced offsets in the section, sorted, unique
	unpatched []uint64 // bit k: some function that is neither changed nor added refers to offs[k]
}

// newRefIndex collects the references into section sec: a pass over all
// the functions' references (the rule asks whether unchanged code uses
// the data, and only these lists tell), marked a byte per offset of a
// small section or radix sorted, and one entry per address.
func (h *assessor) newRefIndex(sec *Section) *refIndex {
	ix := &refIndex{base: sec.RVA}
	if len(h.new.fps) != len(h.new.Functions) {
		return ix
	}
	if uint64(sec.Size) <= 4*uint64(len(h.new.drefs)) {
		ix.fromMarks(h.refMarks(sec))
		return ix
	}
	ix.fromKeys(h.refKeys(sec))
	return ix
}

// eachRefRun calls fn with the references that patched (changed or added)
// functions make, if patched, or else with those the others make, as runs
// of new.drefs. drefs holds every function's references in function order
// (discovery.resolve), so the few patched functions' slices split it: the
// references of thousands of functions are walked as a few flat slices,
// with no look at each function.
func (h *assessor) eachRefRun(patched bool, fn func(refs []uint32)) {
	b, pos := h.new, uint32(0)
	for w, set := range h.patchedSet() {
		for ; set != 0; set &= set - 1 {
			i := w*64 + bits.TrailingZeros64(set)
			fp := &b.fps[i]
			if patched {
				fn(b.dataRefs(i))
			} else {
				fn(b.drefs[pos:fp.drefOff])
			}
			pos = fp.drefOff + fp.drefN
		}
	}
	if !patched {
		fn(b.drefs[pos:])
	}
}

// refMarks returns a byte per offset of sec: 1 if only patched functions
// refer to it, 3 if some other function does; for a section small next to
// the references, where this beats a sort. The others' references, nearly
// all, are plain stores (the mark is final), without a branch: one past
// the end of the marks takes those outside sec.
func (h *assessor) refMarks(sec *Section) []byte {
	lo, size := sec.RVA, sec.Size
	state := make([]byte, size+1)
	h.eachRefRun(true, func(refs []uint32) {
		for _, r := range refs {
			if r-lo < size {
				state[r-lo] = 1
			}
		}
	})
	h.eachRefRun(false, func(refs []uint32) {
		for _, r := range refs {
			state[min(r-lo, size)] = 3
		}
	})
	return state[:size]
}

// fromMarks fills ix from refMarks' bytes.
func (ix *refIndex) fromMarks(state []byte) {
	n := 0
	for _, st := range state {
		if st != 0 {
			n++
		}
	}
	ix.offs = make([]uint32, 0, n)
	ix.unpatched = make([]uint64, n/64+1)
	for off, st := range state {
		if st != 0 {
			if st&2 != 0 {
				ix.unpatched[len(ix.offs)/64] |= 1 << (len(ix.offs) % 64)
			}
			ix.offs = append(ix.offs, uint32(off))
		}
	}
}

// refKeys returns the references into sec as sorted keys: the offset in
// sec shifted left by one, the low bit clear for a reference made by an
// unpatched function, so that one comes first among an address's keys.
func (h *assessor) refKeys(sec *Section) []uint64 {
	lo, size := sec.RVA, sec.Size
	n := 0 // the references into sec, to allocate once
	for _, r := range h.new.drefs {
		if r-lo < size {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	keys := make([]uint64, 0, n)
	add := func(mark uint64) func(refs []uint32) {
		return func(refs []uint32) {
			for _, r := range refs {
				if r-lo < size {
					keys = append(keys, uint64(r-lo)<<1|mark)
				}
			}
		}
	}
	h.eachRefRun(true, add(1))
	h.eachRefRun(false, add(0))
	return radixSort(keys, 0, bits.Len64(uint64(size))+1)
}

// fromKeys fills ix from refKeys' keys: one entry per address.
func (ix *refIndex) fromKeys(keys []uint64) {
	ix.offs = make([]uint32, 0, len(keys))
	for _, k := range keys {
		off := uint32(k >> 1)
		if j := len(ix.offs) - 1; j >= 0 && ix.offs[j] == off {
			continue
		}
		if k&1 == 0 {
			j := len(ix.offs)
			for len(ix.unpatched) <= j/64 {
				ix.unpatched = append(ix.unpatched, 0)
			}
			ix.unpatched[j/64] |= 1 << (j % 64)
		}
		ix.offs = append(ix.offs, off)
	}
}

// isUnpatched reports whether some unchanged function refers to offs[k].
func (ix *refIndex) isUnpatched(k int) bool {
	return k/64 < len(ix.unpatched) && ix.unpatched[k/64]&(1<<(k%64)) != 0
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

// owners returns whether the data at [lo, hi) is referred to at all, and
// whether only by patched functions. The referrers of a changed range are
// the references inside it, or else those of the nearest referenced
// address before it (the start of the datum the range is part of).
func (ix *refIndex) owners(lo, hi, secStart uint32) (referenced, onlyPatched bool) {
	inside := func(a, b uint32) (bool, bool) { // any reference in [a, b), all patched
		any, all := false, true
		for k := ix.search(a); k < len(ix.offs) && ix.base+ix.offs[k] < b; k++ {
			any, all = true, all && !ix.isUnpatched(k)
			if !all {
				break // settled
			}
		}
		return any, all
	}
	if any, all := inside(lo, hi); any {
		return true, all
	}
	if lo == 0 {
		return false, false
	}
	at, ok := ix.before(lo-1, secStart)
	if !ok {
		return false, false
	}
	_, all := inside(at, at+1)
	return true, all
}

// codeWords holds what drop needs of a read-only section pair: both
// sections' bytes over a cluster, a chunk at a time (in place when the
// images are mapped), and the references into the new one.
type codeWords struct {
	h      *assessor
	os, ns *Section
	lo, hi uint32 // section offsets of the current cluster, word aligned
	base   uint32 // section offset of ob and nb
	ob, nb []byte // both sections' bytes over part of the cluster
	// obuf and nbuf back ob and nb when the images are not mapped.
	obuf, nbuf []byte
	bad        bool // the cluster's bytes could not be read
	refs       *refIndex
	// budget bounds the words checked per section: code-derived words
	// (jump tables) are few; past the budget, changed words count as data.
	budget int
}

// maxDerivedWords is the budget of a codeWords.
const maxDerivedWords = 1 << 16

// wordChunk is how many bytes of a cluster codeWords reads at a time: the
// budget may run out long before the end of a large cluster.
const wordChunk = 16 << 10

// load starts the cluster [lo, hi), word aligned; its bytes are read as
// the words are checked.
func (c *codeWords) load(lo, hi uint32) {
	c.lo = lo &^ 3
	c.hi = min((hi+3)&^3, c.os.Size, c.ns.Size)
	c.base, c.ob, c.nb, c.bad = c.lo, c.ob[:0], c.nb[:0], false
}

// words returns both sections' bytes of the word at offset off of the
// cluster, reading the next chunk if needed; nil outside the cluster.
func (c *codeWords) words(off uint32) (o, n []byte) {
	if c.bad || off < c.lo || uint64(off)+4 > uint64(c.hi) {
		return nil, nil
	}
	if off < c.base || uint64(off-c.base)+4 > uint64(len(c.ob)) {
		size := min(c.hi-off, wordChunk)
		c.base = off
		// Buffers of the chunk's size, not sectionChunkAt's default of a
		// sectionChunk: most clusters are a few words.
		c.obuf, c.nbuf = slices.Grow(c.obuf[:0], int(size)), slices.Grow(c.nbuf[:0], int(size))
		var oerr, nerr error
		c.ob, oerr = sectionChunkAt(c.h.old, c.os, &c.obuf, off, size)
		c.nb, nerr = sectionChunkAt(c.h.new, c.ns, &c.nbuf, off, size)
		if oerr != nil || nerr != nil {
			c.bad = true
			return nil, nil
		}
	}
	return c.ob[off-c.base:], c.nb[off-c.base:]
}

// derived reports whether the 32-bit word at offset off holds a code
// address that changed only because the code moved: an image-relative RVA
// (MSVC jump tables, SEH scope tables) or an offset relative to the start
// of its table (GCC jump tables), the table being the nearest address
// before the word that code refers to.
func (c *codeWords) derived(off uint32) bool {
	if c.os == nil || c.budget <= 0 {
		return false
	}
	op, np := c.words(off)
	if op == nil {
		return false
	}
	c.budget--
	h := c.h
	ov, nv := binary.LittleEndian.Uint32(op), binary.LittleEndian.Uint32(np)
	if h.functionIndex(h.old, ov) >= 0 && h.sameTarget(ov, nv) {
		return true
	}
	base, ok := c.refs.before(c.ns.RVA+off, c.ns.RVA)
	if !ok {
		return false
	}
	to, tn := c.os.RVA+(base-c.ns.RVA)+ov, base+nv // wrapping adds a signed offset
	return h.functionIndex(h.old, to) >= 0 && h.sameTarget(to, tn)
}

// drop returns the parts of r whose words are not code-derived.
func (c *codeWords) drop(out []ByteRange, r ByteRange) []ByteRange {
	for w := r.Off &^ 3; w < r.Off+r.Size; w += 4 {
		if c.budget <= 0 {
			// No word is derived past the budget: the rest is kept whole,
			// as the word by word pieces would merge into.
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

// rodata reports the changed ranges of a read-only section (os is nil for
// an added section) as rodata-changed findings, or warnings when only
// changed or added code refers to them, cluster by cluster, after
// dropping code-derived words. It stops once the rule's findings are
// capped: the verdict is settled and the rest would not be shown.
func (h *assessor) rodata(name string, os, ns *Section, changed []ByteRange) {
	c := &codeWords{h: h, os: os, ns: ns, refs: h.newRefIndex(ns), budget: maxDerivedWords}
	var kept []ByteRange
	for i := 0; i < len(changed); {
		// A cluster: ranges less than clusterGap apart.
		j := i + 1
		for j < len(changed) && changed[j].Off-(changed[j-1].Off+changed[j-1].Size) <= clusterGap {
			j++
		}
		kept = kept[:0]
		if os != nil && c.budget > 0 {
			c.load(changed[i].Off, changed[j-1].Off+changed[j-1].Size)
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
		n := sumBytes(kept)
		referenced, onlyPatched := c.refs.owners(ns.RVA+lo, ns.RVA+hi, ns.RVA)
		f := Finding{Rule: RuleRodataChanged, Image: "new", RVA: ns.RVA + lo, Section: name}
		if referenced && onlyPatched {
			f.Message = fmt.Sprintf("%d bytes of read-only data changed in [%#x,%#x), referred to only by changed or added code: the patch must carry them", n, lo, hi)
			h.warn(f)
		} else {
			f.Message = fmt.Sprintf("%d bytes of read-only data changed in [%#x,%#x), not referred to by changed code only: unchanged code would keep the old values", n, lo, hi)
			h.find(f)
		}
		// Stop once nothing more would be shown and the verdict is settled.
		if nf, nw := h.counts[RuleRodataChanged], h.wcounts[RuleRodataChanged]; nf > maxFindingsPerRule || nf > 0 && nw > maxFindingsPerRule {
			return
		}
	}
}

// removed flags removed functions still reachable in the old image: from
// pointers in its data, or from old code that is not replaced.
func (h *assessor) removed() {
	old := h.old
	var gone []int // indices of the removed old functions, sorted
	for _, k := range h.removedFD {
		if i := h.oldIndex(int(k)); i >= 0 {
			gone = append(gone, i)
		}
	}
	if len(gone) == 0 {
		return
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
	for k := 0; k < len(relocs); k++ {
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
			h.find(Finding{Rule: RuleRemovedReferenced, Image: "old", RVA: rva, Section: sec.Name, Function: h.funcName(old, old.Functions[i].RVA),
				Message: "a removed function is still pointed to by data of the old image"})
		}
	}
	if len(old.fps) != len(old.Functions) {
		return
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
		return
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
				h.find(Finding{Rule: RuleRemovedReferenced, Image: "old", RVA: old.Functions[c].RVA, Section: secName(old, old.Functions[c].RVA),
					Function: h.funcName(old, old.Functions[c].RVA), Message: fmt.Sprintf("a removed function is still called by unchanged %s", h.funcName(old, old.Functions[i].RVA))})
			}
		}
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
// short jump at an entry that hops into the padding [S11].
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
				if h.shown(f.Rule, true) {
					f.RVA, f.Section, f.Function = p.RVA, secName(old, p.RVA), h.funcName(old, p.RVA)
					f.Message = fmt.Sprintf("%d bytes of padding before the entry: the redirect overwrites the first %d bytes in place", p.Before, jump)
				}
				h.warn(f)
			}
		default:
			f := Finding{Rule: RuleNoRoomForJump, Image: "old"}
			if h.shown(f.Rule, false) {
				f.RVA, f.Section, f.Function = p.RVA, secName(old, p.RVA), h.funcName(old, p.RVA)
				f.Message = fmt.Sprintf("%d bytes with %d bytes of filler after and %d before: no room for a %d-byte jump", p.Size, p.After, p.Before, jump)
			}
			h.find(f)
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
