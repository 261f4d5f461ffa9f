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

// view returns nil: x/exp/mmap does not expose the mapped bytes, so
// callers read a copy.
func (m *mapping) view(off, n int64) []byte { return nil }

// private reports false: callers copy.
func (m *mapping) private(off, n int64) ([]byte, func(), bool) { return nil, nil, false }
