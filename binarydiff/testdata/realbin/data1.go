// data1.go is the base of the data pairs of realdata_test.go: functions
// that read a string, a table of strings and a table of numbers.
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

func main() {
	println(greeting(), label(len(arg)), limit(len(arg)))
}
