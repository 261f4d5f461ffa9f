//go:build !race

package msrc_test

const raceEnabled = false
