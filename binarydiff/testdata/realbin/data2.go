// data2.go is data1.go with a string and a number changed in place: no
// code changes, two functions read other bytes.
//
// Like v1.go, it imports neither fmt nor os, so that a cold test run
// compiles no more of the windows/amd64 standard library than the
// runtime needs (see v1.go).
package main

// arg stands for the program's input (a variable, so that the calls in
// main are not folded away).
var arg = "data"

//go:noinline
func greeting() string { return "hello, there" }

//go:noinline
func label(i int) string {
	return [...]string{"alpha", "beta", "gamma", "delta"}[i&3]
}

var limits = [...]int64{4, 5, 7, 11, 13, 17}

//go:noinline
func limit(i int) int64 { return limits[i%len(limits)] }

func main() {
	println(greeting(), label(len(arg)), limit(len(arg)))
}
