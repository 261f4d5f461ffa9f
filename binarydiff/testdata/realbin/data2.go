// data2.go is data1.go with a string and a number changed in place: no
// code changes, two functions read other bytes.
package main

import (
	"fmt"
	"os"
)

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
	fmt.Println(greeting(), label(len(os.Args)), limit(len(os.Args)))
}
