//go:build race

package msrc_test

// raceEnabled is true under the race detector, which makes reading
// megabytes of XML ten times slower.
const raceEnabled = true
