// data3.go is data1.go with a function added that brings a new string and
// a new table: the data of the others moves, unchanged.
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

//go:noinline
func extra(i int) string {
	return [...]string{"a new string that moves the others", "and one more"}[i&1]
}

func main() {
	fmt.Println(greeting(), label(len(os.Args)), limit(len(os.Args)), extra(len(os.Args)))
}
