/* Version 2 of the C program of realbin_test.go; see v1.c. */
#include <stdio.h>
#include <string.h>

#define NOINLINE __attribute__((noinline, noclone))

NOINLINE int scale(int x) { return x * 3 + 9; }

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
	if (x == 3)
		return 4;
	return x;
}

static const char *names[] = {"alpha", "beta", "gamma"};

NOINLINE const char *pick(int i) { return names[i % 3]; }

NOINLINE int fresh(int x) { return (x << 2) | 1; }

int main(int argc, char **argv) {
	printf("%d %u %d %s %d\n", scale(argc), checksum(argv[0]), clamp(argc, 2, 5), pick(argc), fresh(argc));
	return 0;
}
