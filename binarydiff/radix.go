package binarydiff

import "slices"

// radixDigit is the bits a radix sort pass looks at: 2^13 counters fit
// in L1, and two or three passes cover the keys sorted here (section
// offsets, 38-bit hashes).
const radixDigit = 13

// radixSort sorts keys by their bits [from, to), stably, a digit at a
// time least significant first: linear, where the lists sorted here run
// to millions. A short list is sorted by comparison of whole keys
// instead, which orders it by those bits too. It may return a different
// slice than a.
func radixSort(a []uint64, from, to int) []uint64 {
	if len(a) < 256 {
		slices.Sort(a)
		return a
	}
	return radixPasses(a, prefault(make([]uint64, len(a))), from, to)
}

// radixPasses is radixSort's passes, using tmp (as long as a). A function
// of its own: its 32 KiB of counters would otherwise make every call of
// radixSort, short lists included, grow its goroutine's stack to 64 KiB
// (and again after the collector shrank it).
//
//go:noinline
func radixPasses(a, tmp []uint64, from, to int) []uint64 {
	var count [1 << radixDigit]uint32
	for shift := from; shift < to; shift += radixDigit {
		clear(count[:])
		for _, v := range a {
			count[v>>shift&(1<<radixDigit-1)]++
		}
		sum := uint32(0)
		for i, c := range count[:] { // a slice: ranging over the array copies it
			count[i], sum = sum, sum+c
		}
		for _, v := range a {
			d := v >> shift & (1<<radixDigit - 1)
			tmp[count[d]] = v
			count[d]++
		}
		a, tmp = tmp, a
	}
	return a
}
