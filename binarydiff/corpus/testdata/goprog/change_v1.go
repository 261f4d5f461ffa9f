//go:build !v2
// +build !v2

package main

import "strings"

// normalize is the function the v2 build changes.
func normalize(host string) string {
	return strings.ToLower(host)
}
