// Version 2 of the Go program of realbin_test.go; see v1.go.
package main

import "strconv"

// arg stands for the program's input (a variable, so that the calls in
// main are not folded away).
var arg = "realbin"

//go:noinline
func scale(x int) int { return x*3 + 9 }

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
	if x == 3 {
		return 4
	}
	return x
}

//go:noinline
func greet(name string) string {
	return "hello, " + strconv.Quote(name) + " #" + strconv.Itoa(len(name))
}

// fresh brings new strings (and data after them moves by odd amounts).
//
//go:noinline
func fresh(x int) string {
	return "fresh value " + strconv.Itoa(x<<2|1) + ", shifted by " + "a new string"
}

func main() {
	n := len(arg)
	println(scale(n), checksum([]byte(arg)), clamp(n, 2, 5), greet("world"), fresh(n))
}
