package binarydiff

import (
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// TestIsInitName checks the initializer names by convention, and (rapid)
// that the last-byte shortcut rejects no name the full definition takes.
func TestIsInitName(t *testing.T) {
	for name, want := range map[string]bool{
		"main.init":               true,
		"main.init.0":             true,
		"net/http.init.12":        true,
		"_GLOBAL__sub_I_main.cpp": true,
		"_init":                   true,
		"main.initialize":         false,
		"main.init.":              false,
		"main.init.x1":            false,
		"init":                    false,
		".init":                   false,
		"main.Init":               false,
		"sub_1000":                false,
		"":                        false,
	} {
		if got := isInitName(name); got != want {
			t.Errorf("isInitName(%q) = %v, want %v", name, got, want)
		}
	}
	// The definition without the shortcut.
	full := func(name string) bool {
		if strings.HasPrefix(name, "_GLOBAL__sub_I_") || name == "_init" {
			return true
		}
		i := strings.LastIndex(name, ".init")
		if i <= 0 {
			return false
		}
		rest := name[i+len(".init"):]
		if rest == "" {
			return true
		}
		if rest[0] != '.' || len(rest) == 1 {
			return false
		}
		return strings.Trim(rest[1:], "0123456789") == ""
	}
	parts := []string{"main", ".", "init", "_init", "0", "7", "x", "_GLOBAL__sub_I_", "t", ""}
	rapid.Check(t, func(t *rapid.T) {
		name := strings.Join(rapid.SliceOfN(rapid.SampledFrom(parts), 0, 6).Draw(t, "parts"), "")
		if got, want := isInitName(name), full(name); got != want {
			t.Fatalf("isInitName(%q) = %v, want %v", name, got, want)
		}
	})
}
