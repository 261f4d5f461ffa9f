// Package difftest builds PE32+ x86-64 images in memory, and generates
// random images and mutations of them with ground truth, for testing
// binary differs: the tests of package binarydiff and downstream suites,
// the way net/http/httptest serves HTTP code.
//
// An [Image] is a list of functions made of real x86-64 instructions
// ([Insn]: moves, arithmetic, RIP-relative loads and stores, calls, tail
// jumps, short and near branches, absolute addresses) and of data items.
// References between them are symbolic, by name, and [Image.Build] resolves
// them once everything is placed. The result is a valid PE file: DOS and
// PE headers, a section table with aligned sections, .text, .rdata and
// .data, a .pdata exception directory whose RUNTIME_FUNCTION entries point
// to UNWIND_INFO describing each prologue (in .rdata or .xdata, optionally
// with chained entries), an optional export table, a .reloc base
// relocation table with a DIR64 entry for every absolute pointer, and an
// optional COFF symbol table. [Layout] holds the ground truth: where each
// function and data item landed.
//
// Because references are symbolic, two functions with equal instruction
// lists have equal normalized code: [Compare] derives which functions a
// change made Changed, Added or Removed from the two images alone, however
// the mutations that produced them were composed.
//
// [ImageGen] and [PairGen] are rapid generators of images and of
// (old, new) pairs related by [Mutation]s; [RandomImage] and [RandomPair]
// make large images and pairs deterministically, without rapid, for
// benchmarks.
//
// Limits: only the instructions of [Op] (plus raw bytes) are encoded;
// functions have the simple push/sub rsp prologue (no frame pointer, no
// exception handlers); there are no imports, resources or TLS; names are
// unique (a real image may repeat them).
//
// The format follows the Microsoft PE format specification:
// https://learn.microsoft.com/en-us/windows/win32/debug/pe-format and the
// x64 exception handling description:
// https://learn.microsoft.com/en-us/cpp/build/exception-handling-x64
package difftest
