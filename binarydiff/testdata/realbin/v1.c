/* Version 1 of the C program of realbin_test.go. v2.c differs in scale
 * (an immediate), clamp (a new branch) and main (calls fresh instead of
 * legacy); legacy is removed and fresh added. */
#include <stdio.h>
#include <string.h>

#define NOINLINE __attribute__((noinline, noclone))

NOINLINE int scale(int x) { return x * 3 + 7; }

NOINLINE unsigned checksum(const char *s) {
	unsigned h = 2166136261u;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

NOINLINE int clamp(int x, int lo, int hi) {
	if (x < lo)
		return lo;
	if (x > hi)
		return hi;
	return x;
}

static const char *names[] = {"alpha", "beta", "gamma"};

NOINLINE const char *pick(int i) { return names[i % 3]; }

NOINLINE int legacy(int x) { return x ^ 0x5a5a; }

int main(int argc, char **argv) {
	printf("%d %u %d %s %d\n", scale(argc), checksum(argv[0]), clamp(argc, 2, 5), pick(argc), legacy(argc));
	return 0;
}
