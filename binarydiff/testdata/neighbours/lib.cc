// A shared object full of functions whose code is the same as that of
// many others: the deleting destructors and accessors of classes of one
// size, and template instances. Built twice (with and without -DV2, which
// adds a class in the middle and changes one function), it tests that
// such functions pair by their neighbourhood, with names ignored.
#include <cstdio>

struct Base {
	virtual ~Base() {}
	virtual int get() const = 0;
	virtual void put(int) = 0;
};

template <int N> struct Leaf : Base {
	int v = N;
	~Leaf() override {}
	int get() const override { return v; }
	void put(int x) override { v = x; }
};

template <int N> __attribute__((noinline)) Base *make() { return new Leaf<N>; }

#define USE(N) sum += make<N>()->get();

extern "C" int run(int k) {
	int sum = k;
	USE(1) USE(2) USE(3) USE(4) USE(5) USE(6) USE(7) USE(8)
#ifdef V2
	USE(100)
	sum *= 3;
#endif
	USE(9) USE(10) USE(11) USE(12) USE(13) USE(14) USE(15) USE(16)
	std::printf("%d\n", sum);
	return sum;
}
