// Version 1 of the Go program of realbin_test.go. v2.go differs in
// main.scale (an immediate), main.clamp (a new branch) and main.main
// (calls fresh instead of legacy); legacy is removed and fresh added, with
// new strings that move the data after them.
package main

import (
	"fmt"
	"os"
)

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
func greet(name string) string { return fmt.Sprintf("hello, %s", name) }

//go:noinline
func legacy(x int) int { return x ^ 0x5a5a }

func main() {
	n := len(os.Args)
	fmt.Println(scale(n), checksum([]byte(os.Args[0])), clamp(n, 2, 5), greet("world"), legacy(n))
}
