// data1.go is the base of the data pairs of realdata_test.go: functions
// that read a string, a table of strings and a table of numbers.
package main

import (
	"fmt"
	"os"
)

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
	fmt.Println(greeting(), label(len(os.Args)), limit(len(os.Args)))
}
