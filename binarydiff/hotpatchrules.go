package binarydiff

// Effect is what a rule's finding does to the verdict of an assessment.
type Effect uint8

const (
	// Allows: the change is hotpatchable; the finding is a note, for the
	// record (a new function, a private constant, regenerated metadata).
	Allows Effect = iota
	// Warns: something to review; the verdict does not change.
	Warns
	// Undecided: the model cannot tell; the verdict is Unknown unless a
	// blocker makes it NotPatchable.
	Undecided
	// Blocks: the change cannot be delivered by function replacement; the
	// verdict is NotPatchable.
	Blocks
)

var effectNames = [...]string{"allows", "warns", "undecided", "blocks"}

// String implements fmt.Stringer.
func (e Effect) String() string { return enumString(effectNames[:], int(e)) }

// MarshalText implements encoding.TextMarshaler.
func (e Effect) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (e *Effect) UnmarshalText(b []byte) error {
	return enumParse(effectNames[:], "effect", b, (*uint8)(e))
}

// Basis is how well a rule is founded: whose word it rests on.
type Basis uint8

const (
	// BasisInferred: derived by this package from the mechanism; no
	// source states it.
	BasisInferred Basis = iota
	// BasisMS: Microsoft documentation.
	BasisMS
	// BasisMSEng: a Microsoft engineer's public writing or
	// Microsoft-contributed code (LLVM), not product documentation.
	BasisMSEng
	// BasisLegacy: Microsoft's documentation of the Windows Server 2003
	// hotpatching engine; today's engine may differ.
	BasisLegacy
)

var basisNames = [...]string{"inferred", "MS", "MS-eng", "legacy"}

// String implements fmt.Stringer.
func (b Basis) String() string { return enumString(basisNames[:], int(b)) }

// MarshalText implements encoding.TextMarshaler.
func (b Basis) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (b *Basis) UnmarshalText(p []byte) error {
	return enumParse(basisNames[:], "basis", p, (*uint8)(b))
}

// RuleSource is a public document a rule rests on.
type RuleSource struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// The public sources of the rules.
var (
	srcSecureHotpatch = RuleSource{"Patch or attack? Inside the Windows Secure Hotpatch Report (Windows Secure Kernel team member's blog, 2026-07-31; _posts/2026-07-31-secure-hotpatch-report.md)",
		"https://github.com/CodeMaxx/CodeMaxx.github.io"}
	srcLLVM = RuleSource{"LLVM WindowsSecureHotPatching.cpp: support for Windows hotpatching (Microsoft-contributed)",
		"https://github.com/llvm/llvm-project/blob/main/llvm/lib/CodeGen/WindowsSecureHotPatching.cpp"}
	srcLegacy = RuleSource{"Limitations and Compatibility Issues (Windows Server 2003 hotpatching)",
		"https://learn.microsoft.com/en-us/previous-versions/windows/it-pro/windows-server-2003/cc778993(v=ws.10)"}
	srcPackage = RuleSource{"Hotpatch Package Structure (Windows Server 2003 hotpatching)",
		"https://learn.microsoft.com/en-us/previous-versions/windows/it-pro/windows-server-2003/cc782258(v=ws.10)"}
	srcHotpatchDocs = RuleSource{"Hotpatch updates (Windows Autopatch)",
		"https://learn.microsoft.com/windows/deployment/windows-autopatch/manage/windows-autopatch-hotpatch-updates"}
	srcFunctionPad = RuleSource{"/FUNCTIONPADMIN (Create hotpatchable image)",
		"https://learn.microsoft.com/cpp/build/reference/functionpadmin-create-hotpatchable-image"}
	srcWinnt = RuleSource{"winnt.h, IMAGE_LOAD_CONFIG_DIRECTORY.HotPatchTableOffset (Windows SDK 10.0.26100.0)",
		"https://github.com/microsoft/win32metadata"}
	srcKpatch = RuleSource{"kpatch patch author guide (for contrast: init code has already run)",
		"https://github.com/dynup/kpatch/blob/master/doc/patch-author-guide.md"}
)

// RuleInfo describes a rule: what its findings do to the verdict, what
// it rests on, and why.
type RuleInfo struct {
	Rule   Rule       `json:"rule"`
	Effect Effect     `json:"effect"`
	Basis  Basis      `json:"basis"`
	Source RuleSource `json:"source"`
	Why    string     `json:"why"`
}

// ruleInfos is the rule table, indexed by Rule; the package
// documentation shows it.
var ruleInfos = [ruleCount]RuleInfo{
	RuleDataChanged: {Effect: Blocks, Basis: BasisLegacy, Source: srcLegacy,
		Why: `initialized writable data changed, or constant data a mutable global points to: mutable globals stay in the base image (patched code reaches them through __ref_ pointers, LLVM), so the running process keeps the old values; legacy "Global state changes"`},
	RuleDataResized: {Effect: Blocks, Basis: BasisLegacy, Source: srcLegacy,
		Why: `writable data grew, shrank, appeared or vanished: new mutable state or a changed layout of existing globals; legacy "Data structure changes"`},
	RuleConstPointer: {Effect: Blocks, Basis: BasisMSEng, Source: srcLLVM,
		Why: "changed constant data that points to mutable globals: such constants cannot be carried by the patch"},
	RuleRodataChanged: {Effect: Blocks, Basis: BasisInferred, Source: srcLLVM,
		Why: "read-only data changed that unchanged code reads: the patch carries its own constants, so the functions it does not replace keep the old values"},
	RuleRodataPrivate: {Effect: Allows, Basis: BasisMSEng, Source: srcLLVM,
		Why: "pointer-free read-only data changed or added and read only by changed or added code: the patch carries it privately (sourced mechanism; applying it to this change is inferred)"},
	RuleRodataUnattributed: {Effect: Undecided, Basis: BasisInferred, Source: srcLLVM,
		Why: "read-only data changed that no function's code refers to directly (reached through pointers or tables the model does not follow): who reads it is unknown"},
	RuleGoTypesChanged: {Effect: Undecided, Basis: BasisInferred, Source: srcLLVM,
		Why: "Go type descriptors changed and unchanged code (the runtime, reflection) reads them: their name and type offsets are re-encoded whenever data before them moves, which is harmless, but a changed type would not be; the model does not tell these apart"},
	RuleMetadataChanged: {Effect: Allows, Basis: BasisInferred, Source: srcSecureHotpatch,
		Why: "metadata the patch tooling regenerates (exception and unwind tables, debug directory, Go pclntab and funcdata, checksum, timestamp) changed: not program data; the patch image is a whole binary (inferred)"},
	RuleTLSChanged: {Effect: Undecided, Basis: BasisInferred, Source: srcSecureHotpatch,
		Why: "the TLS template or zero-fill size changed: running threads keep the old one; no source says how hotpatching treats TLS"},
	RuleImportsChanged: {Effect: Blocks, Basis: BasisLegacy, Source: srcLegacy,
		Why: `an import was added or removed: legacy "Dependency changes" (today's engine may differ)`},
	RuleExportsChanged: {Effect: Blocks, Basis: BasisLegacy, Source: srcLegacy,
		Why: `an export was added, removed or retargeted: legacy "Additions or changes to exports" (today's engine may differ)`},
	RuleEntryChanged: {Effect: Blocks, Basis: BasisLegacy, Source: srcLegacy,
		Why: `the entry point moved or its code changed: it has already run, and its frame persists on the main thread; legacy "Infinite loops and persistent stack frames"`},
	RuleInitChanged: {Effect: Undecided, Basis: BasisInferred, Source: srcKpatch,
		Why: "an initialization routine changed, was added or removed: it has already run in the process being patched; whether that matters needs review"},
	RuleNoRoomForJump: {Effect: Blocks, Basis: BasisMSEng, Source: srcSecureHotpatch,
		Why: "a changed function has no room for the redirect: x64 writes a 2-byte jump at the entry to a slot in the padding before the function"},
	RuleUnpaddedEntry: {Effect: Warns, Basis: BasisMS, Source: srcFunctionPad,
		Why: "less than 5 bytes of padding before a changed function (MSVC /FUNCTIONPADMIN gives 6 on x64): the redirect must overwrite its first instructions in place; the image was not built hotpatchable"},
	RuleRemovedReferenced: {Effect: Blocks, Basis: BasisInferred, Source: srcPackage,
		Why: "a removed function is still reachable from data or unchanged code of the base image that stays loaded: its removal is not delivered"},
	RuleFunctionAdded: {Effect: Allows, Basis: BasisInferred, Source: srcPackage,
		Why: "a new function, reachable only from changed code: the patch carries it beside the base image (inferred; no source)"},
	RuleCHPEImage: {Effect: Blocks, Basis: BasisMS, Source: srcHotpatchDocs,
		Why: "CHPE binaries on Arm64 cannot be serviced by hotpatch (a warning for Arm64EC/Arm64X, which the statement may not cover)"},
	RuleHotpatchImage: {Effect: Warns, Basis: BasisMS, Source: srcWinnt,
		Why: "an image is itself a hotpatch (its load configuration has a HotPatchTableOffset): diff base images"},
	RuleGoTypeLayout: {Effect: Blocks, Basis: BasisLegacy, Source: srcLegacy,
		Why: `a Go type's size or pointer layout changed (its type descriptor says so): objects of the old layout live on in the running process, and patched code would read them with the new one; legacy "Data structure changes"`},
	RuleFactsUnavailable: {Effect: Undecided, Basis: BasisInferred, Source: RuleSource{},
		Why: "the image facts (imports, exports, TLS, metadata) could not be read: the rules that need them were not applied"},
}

func init() {
	for r := range ruleInfos {
		ruleInfos[r].Rule = Rule(r)
	}
}

// Info returns the rule's entry in the rule table.
func (r Rule) Info() RuleInfo {
	if int(r) < len(ruleInfos) {
		return ruleInfos[r]
	}
	return RuleInfo{Rule: r}
}

// HotpatchRules returns the rule table, in rule order.
func HotpatchRules() []RuleInfo {
	return append([]RuleInfo(nil), ruleInfos[1:]...)
}
