package binarydiff

// SetChangeWindow sets how many bytes of new offsets the assessment
// compares at a time, for a test, and returns what restores it.
func SetChangeWindow(n uint32) (restore func()) {
	old := changeWindow
	changeWindow = n
	return func() { changeWindow = old }
}

// ProcessCPU is cpuTime, for the benchmarks of the external test package.
var ProcessCPU = cpuTime

// ElfSymbols is elfSymbols, for the external test package.
var ElfSymbols = elfSymbols
