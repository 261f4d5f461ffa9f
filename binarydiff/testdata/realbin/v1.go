// Version 1 of the Go program of realbin_test.go. v2.go differs in
// main.scale (an immediate), main.clamp (a new branch) and main.main
// (calls fresh instead of legacy); legacy is removed and fresh added, with
// new strings that move the data after them.
//
// It imports strconv, not fmt or os: the tests cross-build it for four
// targets, and a cold build compiles, per target, every package of the
// standard library the program imports (fmt and os would double that
// time). What it links is still mostly a real Go binary's: the runtime's
// functions, its pclntab, type data and relocations.
package main

import "strconv"

// arg stands for the program's input (a variable, so that the calls in
// main are not folded away).
var arg = "realbin"

//go:noinline
func scale(x int) int { return x*3 + 7 }

//go:noinline
func checksum(b []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range b {
		h ^= uint32(c)
		h *= 16777619
	}
	return h
}

//go:noinline
func clamp(x, lo, hi int) int {
	if x < lo {
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}

//go:noinline
func greet(name string) string {
	return "hello, " + strconv.Quote(name) + " #" + strconv.Itoa(len(name))
}

//go:noinline
func legacy(x int) int { return x ^ 0x5a5a }

func main() {
	n := len(arg)
	println(scale(n), checksum([]byte(arg)), clamp(n, 2, 5), greet("world"), legacy(n))
}
