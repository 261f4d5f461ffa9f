/*
 * Ground truth for the hotpatchability rules: one small DLL, nine edits.
 * The old image is built without defines, each new one with one -DEDIT_*
 * define; the test (hotpatch_groundtruth_test.go) says which verdict and
 * which rule each edit must get, and why.
 */
#define EXPORT __declspec(dllexport)

struct config {
	int limit;
	int scale;
#ifdef EDIT_LAYOUT
	int extra[4]; /* an existing global grows: its layout changed */
#endif
};

struct config cfg = {10, 3};

#ifdef EDIT_INIT
int counter = 2; /* a global's initializer changed */
#else
int counter = 1;
#endif
int other = 5;

/* A constant table of pointers to mutable globals. */
int *const table[2] = {
	&counter,
#ifdef EDIT_PTRTABLE
	&counter, /* one entry now points to another global */
#else
	&other,
#endif
};

/* First in the text section, where the linker leaves no padding before it. */
EXPORT int get_other(void) { return other; }

EXPORT int compute(int x)
{
#ifdef EDIT_BODY
	return x * 5 + counter; /* a body-only change */
#else
	return x * 3 + counter;
#endif
}

EXPORT const char *describe(int n)
{
#ifdef EDIT_STRING
	if (n < 0)
		return "negative input rejected"; /* a new string only this function reads */
#endif
	if (n > cfg.limit)
		return "many";
	return "few";
}

EXPORT int lookup(int i) { return *table[i & 1]; }

/* A mutable global pointing to a constant string. */
#ifdef EDIT_GREETING
const char *greeting = "howdy"; /* the string changed, in place; the global's bytes did not */
#else
const char *greeting = "hello";
#endif

EXPORT const char *greet(void) { return greeting; }

EXPORT int scaled(int x) { return x * cfg.scale; }

/* Leaf functions reached only through a table of pointers: no call
 * names them, and x64 needs no unwind record for a leaf. */
static int inc(int x) { return x + 1; }
#ifdef EDIT_LEAF
static int dec(int x) { return x - 2; } /* a body-only change */
#else
static int dec(int x) { return x - 1; }
#endif
int (*const steps[2])(int) = {inc, dec};

EXPORT int step(int i, int x) { return steps[i & 1](x); }

/* A table of functions, as a C++ vtable is, which a mutable global object
 * points to (constant-initialized, as a C++ object with a constexpr
 * constructor is). */
static int neg(int x) { return -x; }
int (*const shape_ops[])(int) = {inc, dec,
#ifdef EDIT_VTABLE
	neg, /* a new slot: the object keeps pointing to the old table */
#endif
};
struct shape {
	int (*const *ops)(int);
	int size;
} the_shape = {shape_ops, 1};

EXPORT int shape_op(int i, int x) { return the_shape.ops[i](x) + neg(0); }

#ifdef EDIT_EXPORT
EXPORT int audit(int x) { return x + 1; } /* a new export */
#endif

#ifdef NO_CRT
/* Without a C runtime (clang for the MSVC target): the DLL's own entry. */
int _DllMainCRTStartup(void *module, unsigned reason, void *reserved) { return 1; }
#endif
