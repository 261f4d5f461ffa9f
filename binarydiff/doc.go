// Package binarydiff tells which functions differ between two versions of
// an executable image, fast and exactly.
//
// # Model
//
// [Open] or [Parse] reads an image into a [Binary]: its sections and its
// functions, each with a fingerprint. [Diff] pairs the functions of two
// Binaries one-to-one and classifies every function of both sides exactly
// once ([Result]). [Explain] gives the instruction-level diff of one pair.
//
// [Open] memory-maps the file, and code, tables and data are then read in
// place rather than copied. On Linux, fingerprinting (in address order, on
// GOMAXPROCS workers) gives back the pages of code every worker has
// passed, and [Diff] those of the data sections it has compared, so a
// Binary's resident memory is its tables (250-300 bytes per function) plus
// the pages later reads touch, not the whole file. Diff's data check
// writes over a copy of each data section it needs; in a mapped image that
// copy is a copy-on-write mapping of the file, in which only the pages
// holding relocated pointers take memory of their own. Those pages, and
// large tables, are mapped in with a system call per run of pages before
// they are written (MADV_POPULATE_WRITE on Linux): on a virtual machine a
// fault per page can cost more than the work done on it. Two images can be opened
// concurrently, as examples/patchdiff does: each Open decodes on every
// core but reads its tables on one.
//
// It reads PE32+ images for x86-64 (EXE, DLL, SYS) and Arm64, PE32 images
// for x86, and ELF x86-64 executables, shared objects and relocatable
// objects; Go binaries of any of these get function names from their
// pclntab even when stripped. Other inputs fail with
// [ErrUnsupportedFormat]; malformed
// inputs fail with a [*FormatError], or parse with [Warning]s when the rest
// of the image is sound. Parsing never allocates more than the file size
// for any single structure, whatever the headers claim, except the
// in-memory layout of a relocatable object, bounded at 4× the file size
// plus 1 MiB.
//
// # Function discovery
//
// Functions come from the image's own metadata, cheapest first (the
// [Source] of each Function records which):
//
//  1. PE: the exception directory (.pdata RUNTIME_FUNCTION entries; on
//     Arm64 packed and .xdata entries). Entries whose UNWIND_INFO has
//     UNW_FLAG_CHAININFO are fragments of the function they chain to
//     ([Function.Fragments]), not functions; cyclic or over-deep chains
//     produce a Warning. ELF: .symtab and .dynsym function symbols with
//     sizes (duplicated local names qualified by file, then by ordinal);
//  2. PE: the export table and the COFF symbol table, which name functions
//     and add the ones .pdata lacks. Names are hints, never keys:
//     duplicates are legal (static functions). ELF without symbols: the
//     .eh_frame FDEs. Any Go binary: its pclntab, even when stripped;
//  3. the entry point;
//  4. PE but Go: targets of relocated pointers in data (function pointer
//     tables, vtables) that follow int3 padding (MSVC's and clang's
//     between functions; MinGW's jump tables point inside functions);
//  5. targets of direct calls in executable bytes no function covers
//     (leaf functions without unwind data), for a few rounds.
//
// Functions without a size from metadata extend to their last reachable
// instruction before the next known function.
//
// Pointers in data are found from base relocations (PE) and dynamic
// relocations (ELF). An ELF executable without either (static and not
// position independent, as Go links by default) has them inferred: the
// 8-byte aligned words of its data that hold an address inside the image.
//
// # Fingerprints
//
// Each function is decoded once: x86 code (64-bit, and 32-bit for PE32)
// with a table-driven length decoder (internal/x86, cross-checked against
// golang.org/x/arch/x86/x86asm by a property test, which it falls back to
// for rare opcodes), Arm64 code from the fields of its fixed-size
// encodings. Per function:
//
//   - an exact hash (xxh3 of the raw bytes);
//   - a normalized hash: xxh3 of the instruction stream in which every
//     operand that encodes an address is replaced by what it means. A
//     relative branch becomes its kind and condition plus the target's byte
//     offset in the function when the target is inside it, or a marker for
//     "another function" (calls) or "outside" (tail jumps). A RIP-relative
//     operand, or an absolute address fixed up by a base relocation
//     (IMAGE_REL_BASED_DIR64, also a bare pointer in code), becomes the
//     imported name for an import address table slot, an offset inside the
//     function, a marker for code, or the name of the data section it points
//     into. Opcodes, registers and immediates are kept. So code that merely
//     moved, or whose callees or data moved, hashes equal; a changed
//     immediate, register or instruction does not;
//   - a loose hash without immediates and displacements, a mnemonic hash
//     without registers either, the referenced strings, constants,
//     instruction/block/edge counts, direct callees, function pointers and
//     data references, and a 16-bin MinHash sketch of instructions and
//     instruction bigrams for similarity.
//
// Callee and data identity are not hashed: addresses change between
// versions and names may be absent. Instead, after matching, a pair with
// equal normalized hashes is Identical or Moved only if
//
//   - each call, tail call and function pointer goes to functions that were
//     paired with each other (a call retargeted to another function, or to
//     an added or from a removed one, makes the pair Changed), and
//   - each data reference reads the same bytes: up to 8 from where it
//     points, through a NUL (a record that starts with a pointer, whole:
//     see Limits), relocated pointers (or, in a section without any
//     relocation, aligned words holding an address in the image) compared
//     by the paired function they point to (any two pointers to data
//     compare equal), and 32-bit jump-table entries by the place in paired
//     code they lead to.
//     In read-only data that is all: data that moved, or moved with its
//     neighbours reordered, or an equal copy, reads the same. In writable
//     and uninitialized data, where which variable is meant matters, the
//     reference must also point to the same data. All those references of the
//     pairs that may be Identical are judged together, per pair of
//     sections, and the verdict does not depend on which side is old
//     (except past the alignment budget, see Limits): in
//     initialized data a reference agrees when an alignment of least cost
//     of the two sections (relocated pointers replaced by what they point
//     to, anchored by the common prefix and suffix and by words unique on
//     both sides) lines up the bytes it reads; in uninitialized data, when
//     it lies on the heaviest order-preserving chain of all the claims, or
//     no other claim contradicts it. A
//     reference retargeted to other data makes the pair Changed (see Limits
//     for data that shows nothing of where it moved).
//
// Similarity (0..1) of two functions: for functions of up to 256
// instructions, the share of equal normalized instruction tokens in a Myers
// diff (2·equal/total), or 0.75·equal/smaller when that is higher (code
// inserted into a small function); for larger ones 0.6·MinHash estimate +
// 0.4·shape (instruction, block, edge and callee count ratios). Equal code
// up to constants scores at least 0.95, up to registers and constants 0.9.
//
// # Matching
//
// Passes run from most to least certain; each pairs only functions left
// unpaired, accepts a key only when it is unique on both sides, and
// records its [Pass] in the result:
//
//	name        same name, unique on both sides (unless Options.IgnoreSymbols)
//	exact       same raw bytes and same normalized code
//	normalized  same normalized code
//	name        duplicated names: by name+code, then by position among the namesakes
//	structural  same loose code; same mnemonics; same strings and shape; same strings; same shape and constants; same shape
//	callgraph   neighbourhoods (callers, callees, call sites, vtables and other
//	            pointer arrays, votes of paired neighbours); then unpaired
//	            callees/callers of a pair, propagated to a fixed point. In a
//	            shared object a caller through a PLT stub or GOT slot counts
//	            as a referrer of the function the slot holds
//	alignment   same normalized code at the same distance from the pairs
//	            around it (the two nearest pairs each side vote); then the
//	            unpaired functions between two consecutive pairs, aligned in
//	            address order
//	similarity  best similarity (see Fingerprints) among the 16 closest candidates by size
//
// The call-graph and alignment passes run a second time on what later
// passes anchored; pairs contradicted by their neighbours are dropped; and
// last, where two consecutive pairs hold the same number of unpaired
// functions between them on both sides (at most 8), the k-th pairs with
// the k-th (PassAlignment), after which the call graph runs once more.
//
// Non-exact passes only pair above Options.Threshold, except where the
// context agrees: the neighbourhood context and vote passes accept half
// of it, and so does that last in-order pass for functions of 64 bytes or
// more (below, a small function replaced in place looks as alike as one
// rewritten). Unless IgnoreSymbols, no pass pairs two functions named
// differently. No pass compares all functions with all: the alignment and
// similarity passes are bounded by gap size (64) and candidate count (16).
//
// # Classification
//
//	identical  paired, same normalized code, same RVA
//	moved      paired, same normalized code, different RVA
//	changed    paired, and the normalized code, a callee or the data read differs (its cause)
//	added      only in the new image
//	removed    only in the old image
//
// Every Changed pair carries its causes (FunctionDiff.Cause), any of:
//
//	code    the normalized instructions differ ([Explain] lists them)
//	callee  a call, tail call or function pointer reaches a function that is
//	        not the partner of the old target (FunctionDiff.Refs; Explain
//	        gives the site and both targets)
//	data    a data reference reads other bytes, or other writable data
//	        (FunctionDiff.Refs; Explain gives the site, both addresses and
//	        sections, and the bytes: hex, and text when printable)
//
// Callee and data causes are looked for only when the code is equal; a
// pair whose code differs has cause code alone. Summary.DataOnly counts
// the Changed pairs whose only cause is data: code that did not change
// reading data that did.
//
// # JSON
//
// A [Result] marshals as follows; these names are stable:
//
//	{
//	  "old": {"format": "pe", "arch": "amd64", "imageBase": 5368709120, "entry": 4096, "functions": 1954, "warnings": 0},
//	  "new": {…same…},
//	  "functions": [
//	    {"kind": "changed",                      // identical|moved|changed|added|removed
//	     "old": {"rva": 674656, "size": 8, "name": "main.check"},  // omitted for added; name omitted if unknown
//	     "new": {"rva": 674656, "size": 8, "name": "main.check"},  // omitted for removed
//	     "similarity": 0.95,                     // 1 for identical/moved, [0,1) for changed, 0 for added/removed
//	     "pass": "name",                         // name|exact|normalized|structural|callgraph|alignment|similarity, "" if unpaired
//	     "cause": ["code"],                      // code|callee|data: present exactly for changed
//	     "refs": [{"cause": ["data"], "index": 0, "old": 8192, "new": 8200}]},  // differing callees and data references, when the code is equal
//	    …
//	  ],
//	  "summary": {"identical": 1953, "moved": 0, "changed": 1, "added": 0, "removed": 0, "dataOnly": 0},
//	  "sections": [
//	    {"name": ".rdata", "kind": "changed",    // identical|moved|changed|added|removed
//	     "old": {"rva": 675840, "size": 904872}, "new": {…},
//	     "changed": [{"off": 1234, "size": 1}],  // offsets from the section start
//	     "changedBytes": 1},
//	    …
//	  ]
//	}
//
// "functions" lists old functions in address order (paired or removed),
// then added functions in address order. "sections" covers every
// non-executable section except .pdata and .reloc, paired by name; 8-byte
// pointers covered by base relocations at the same offset on both sides
// are masked.
//
// # Hotpatchability
//
// [Result.HotpatchabilityContext] judges whether a change can be applied
// in memory the way Windows hotpatching does it: the base image stays
// loaded with its data, each changed function is redirected by a jump at
// its entry to its new version, and new functions and the constants only
// they read come with the patch. Each rule's findings block (verdict
// NotPatchable), leave it undecided (Unknown), warn, or are allowed, and
// each rests on a basis: MS (Microsoft documentation), MS-eng (a Microsoft
// engineer's public writing or Microsoft-contributed code), legacy (the
// documented limits of Windows Server 2003 hotpatching; today's engine
// may differ) or inferred (derived here from the mechanism; no source
// states it). [Rule.Info] gives each rule's entry; a test keeps this
// table equal to it.
//
//	rule                   effect    basis     source
//	data-changed           blocks    legacy    [1] "Global state changes"; mutable globals stay in the base image [2],
//	                                               and so do the constants they point to
//	data-resized           blocks    legacy    [1] "Data structure changes": a global grew or new mutable state
//	const-pointer-changed  blocks    MS-eng    [2] constant data pointing to mutable globals
//	rodata-changed         blocks    inferred  [2] unchanged code reading changed constants keeps the old ones
//	rodata-private         allows    MS-eng    [2] pointer-free constants read only by patched code travel with the patch
//	rodata-unattributed    undecided inferred  [2] changed constants no code refers to directly
//	go-types-changed       undecided inferred  [2] Go type descriptors re-encoded or changed
//	go-type-layout-changed blocks    legacy    [1] "Data structure changes": a Go type's size or pointer layout changed
//	metadata-changed       allows    inferred  [3] unwind/exception tables, debug directory, Go pclntab and funcdata,
//	                                               moduledata and its tables, checksum, timestamp: regenerated, the
//	                                               patch is a whole image
//	tls-changed            undecided inferred  [3] no source says how TLS is treated
//	imports-changed        blocks    legacy    [1] "Dependency changes"
//	exports-changed        blocks    legacy    [1] "Additions or changes to exports"
//	entry-changed          blocks    legacy    [1] "Infinite loops and persistent stack frames"
//	init-changed           undecided inferred  [8] an initializer has already run
//	no-room-for-jump       blocks    MS-eng    [3] the x64 redirect: a 2-byte jump into the padding before the entry
//	unpadded-entry         warns     MS        [5] /FUNCTIONPADMIN: 6 bytes of padding on x64
//	removed-referenced     blocks    inferred  [4] a removed function still reachable from the base image
//	function-added         allows    inferred  [4] new functions reachable only from changed code travel with the patch
//	chpe-image             blocks    MS        [6] CHPE binaries cannot be serviced by hotpatch (Arm64EC/X: warns)
//	hotpatch-image         warns     MS        [7] the image is itself a hotpatch (HotPatchTableOffset)
//	facts-unavailable      undecided inferred  -   imports, exports or TLS could not be read
//
// Sources:
//
//	[1] Limitations and Compatibility Issues (Windows Server 2003 hotpatching),
//	    https://learn.microsoft.com/en-us/previous-versions/windows/it-pro/windows-server-2003/cc778993(v=ws.10)
//	[2] LLVM WindowsSecureHotPatching.cpp (Microsoft-contributed),
//	    https://github.com/llvm/llvm-project/blob/main/llvm/lib/CodeGen/WindowsSecureHotPatching.cpp
//	[3] Patch or attack? Inside the Windows Secure Hotpatch Report (a Windows Secure Kernel
//	    team member's blog, 2026-07-31), https://github.com/CodeMaxx/CodeMaxx.github.io
//	[4] Hotpatch Package Structure (Windows Server 2003),
//	    https://learn.microsoft.com/en-us/previous-versions/windows/it-pro/windows-server-2003/cc782258(v=ws.10)
//	[5] /FUNCTIONPADMIN, https://learn.microsoft.com/cpp/build/reference/functionpadmin-create-hotpatchable-image
//	[6] Hotpatch updates (Windows Autopatch),
//	    https://learn.microsoft.com/windows/deployment/windows-autopatch/manage/windows-autopatch-hotpatch-updates
//	[7] winnt.h of the Windows SDK 10.0.26100.0, https://github.com/microsoft/win32metadata
//	[8] kpatch patch author guide, https://github.com/dynup/kpatch/blob/master/doc/patch-author-guide.md
//
// Data is judged modulo moves: the old and new data sections are aligned
// (words unique on both sides anchor it, relocated pointers read as what
// they point to), so constants that only moved are not changes. Data
// with no word of its own to anchor it (a table of equal runs) that moved
// by another amount than its neighbours is recognised through the
// references of its readers that the diff paired with the same code:
// under their shift it is equal. In x64 PE images, 32-bit offsets from
// the image base (MSVC's RTTI, switch and C++ exception tables), which no
// relocation names, are read as what they denote, and a pointer to RTTI
// by the class it names. A changed range is attributed to the functions whose code refers
// into it, or to the datum it is part of (the nearest referenced address
// before it, at most 4 KiB back and not across metadata). A retargeted
// pointer is shown whole, with what it points to now and before (numbers
// that only look like addresses, in images without relocations, are not
// pointers when their value is the same). Findings name those functions,
// the section and, for at most 16 bytes, the old and new bytes; an
// Assessment lists up to 256 findings per rule and counts them all.
// When every blocker has one cause, [Assessment.Revert] names it.
//
// # Damaged input
//
// A malformed image fails with a [*FormatError] naming what and where,
// or parses with [Binary.Warnings] (at most 16 of one kind, then a count
// of the rest); when the damage cost it most of its functions (code
// missing from the file, an unreadable function table, functions covering
// under a quarter of the code), [Binary.Degraded] says why. Offsets and
// sizes from the file are added only after an overflow check. Tables are
// sized by what the file can hold: export entries must point into the
// image and name distinct strings, and an exception directory or export
// table yields at most one function per 128 bytes of code (real x64
// images have 317-590). On crafted tables of a million entries (6.5 M
// junk export entries, 1 M tiny .pdata entries) patchdiff's peak RSS is
// 60-70 MB, within 4× the inputs plus 64 MiB. The similarity pass counts
// equal instructions with a bit-parallel longest common subsequence after
// a prefilter that skips pairs the threshold excludes, so a diff in which
// most functions find no partner (a damaged exception directory, an
// unrelated image, an ELF file whose e_type says relocatable) costs 1.7 to
// 2.1 times the CPU of an intact diff of the same size, not 20 to 30
// times. A file that shrinks while mapped makes Parse, Diff and Explain
// fail with [ErrFileChanged] instead of killing the process with SIGBUS.
//
// # Limits
//
// Functions are decoded linearly (data embedded in code, such as
// jump tables, is decoded as if it were code, deterministically); jump
// tables of 32-bit RVAs are not normalized, so a function whose jump table
// moved reports Changed (cause code) when the table lies in the code
// (clang for Windows puts it there); in a data section its entries are
// compared by where they lead. Stripped images whose changed function was
// rewritten by the compiler (low similarity) report Removed + Added.
//
// Known limits (a pinned seed keeps `go test` reproducible; RAPID_SEED=0
// explores):
//
//   - With IgnoreSymbols, a small function whose few instructions changed
//     may fall under the similarity threshold and show as Removed + Added;
//     its callers then report Changed, because their callee is unpaired.
//   - A data reference is taken to read up to 8 bytes, through a NUL, and
//     no further than the next address that code or a relocated pointer
//     refers to (an item has no size otherwise); a record that starts
//     with a pointer (a Rust panic Location, a vtable) up to that next
//     address when it is as far on both sides and under 32 bytes, so a
//     Location's changed line number makes its readers Changed by data. A
//     change further into an item than that (a Go type descriptor's later
//     fields) shows only in the section diff. A small item whose
//     neighbour is referred to by nothing reads its neighbour too, and its
//     readers may show as Changed by data with the neighbour's bytes as
//     evidence.
//   - Two pointers to data compare equal in what a reference reads: the
//     identity of the item they point to is not known (only its first
//     bytes, which may be a neighbour's).
//   - Data references to writable and uninitialized data whose bytes are
//     equal are judged by a data map (datamap.go) that has only
//     the bytes and the references: items have no names. In initialized data
//     a reference agrees when an alignment of the two sections of least
//     cost (bytes inserted, deleted or changed in place, relocated pointers
//     replaced by what they point to, the references of paired functions
//     breaking ties) lines up the bytes it reads; the decision is the same
//     whichever side is old. Data made of repeated equal words (runs of
//     zeros, tables of pointers to one function) shows nothing of where it
//     moved: a reference retargeted within such a run, or to an inserted
//     copy of it, can read as data that moved, and the reverse. A reference
//     is taken to read 8 bytes, up to a NUL; Go's strings have no
//     terminator, so a reference made by one function to a string of fewer
//     than 3 bytes whose following bytes changed reads as retargeted.
//   - Sections too large to align whole (over 4 Mi cells) are aligned in
//     regions between anchors (the common prefix and suffix, words unique
//     on both sides, sampled at one byte position in 8, and more sparsely
//     past 8 MiB so that a side costs at most about a million); a region that is still too large, and every region
//     past a budget of 64 Mi cells per pair of sections (about 0.15 s),
//     falls back to a byte-window heuristic that is not symmetric. Data that real linkers
//     reorder (not only insert and delete) agrees only when the bytes read
//     are equal on both sides and either lie in a run of equal bytes that
//     holds a word unique on both sides, or are gone from where the anchors
//     around them put them (and the new ones were not there before).
//   - Uninitialized data (.bss, the tail of a section past its file bytes)
//     has no bytes: a reference there agrees when it lies on the heaviest
//     chain of the claims of all paired functions with equal code that
//     keeps the order of both sides, without a conflicting claim, or when no
//     other claim names its old or its new offset (variables reordered, as
//     Go's linker orders them by size). A retarget in uninitialized data
//     that keeps that order, or to a variable no other code refers to from
//     one referred to by no other code, goes unnoticed.
//   - On real Go binaries (gopls v0.22.0 → v0.23.0, windows/amd64, same
//     toolchain) the diff reports 848 functions Changed: 800 with code
//     that differs, 10 reaching other callees, 38 only reading other data
//     (Go's moduledata counts, string pools whose neighbours changed, and
//     uninitialized data the data map could not follow). Each shows its
//     evidence in Explain; which of the 141 a person would call changed is
//     not established (gopls has no ground truth).
package binarydiff
