//go:build !linux

package binarydiff

import "golang.org/x/exp/mmap"

// mapping is golang.org/x/exp/mmap's reader, which maps the file where the
// system allows; pages cannot be released early.
type mapping struct{ *mmap.ReaderAt }

func openMapping(path string) (*mapping, error) {
	r, err := mmap.Open(path)
	if err != nil {
		return nil, err
	}
	return &mapping{r}, nil
}

func (m *mapping) release(off, n int64) {}

// prefault returns s: mapping memory in ahead is for Linux (see
// mmap_linux.go).
func prefault[T any](s []T) []T { return s }

// populateAt does nothing: copy-on-write views are for Linux (see
// mmap_linux.go).
func populateAt(p []byte, rs []uint32, base, w uint32) {}
