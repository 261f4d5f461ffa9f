// data3.go is data1.go with a function added that brings a new string and
// a new table: the data of the others moves, unchanged.
//
// Like v1.go, it imports neither fmt nor os, so that a cold test run
// compiles no more of the windows/amd64 standard library than the
// runtime needs (see v1.go).
package main

// arg stands for the program's input (a variable, so that the calls in
// main are not folded away).
var arg = "data"

//go:noinline
func greeting() string { return "hello, world" }

//go:noinline
func label(i int) string {
	return [...]string{"alpha", "beta", "gamma", "delta"}[i&3]
}

var limits = [...]int64{3, 5, 7, 11, 13, 17}

//go:noinline
func limit(i int) int64 { return limits[i%len(limits)] }

//go:noinline
func extra(i int) string {
	return [...]string{"a new string that moves the others", "and one more"}[i&1]
}

func main() {
	println(greeting(), label(len(arg)), limit(len(arg)), extra(len(arg)))
}
