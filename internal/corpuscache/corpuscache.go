// Package corpuscache locates, for tests, the cache of binarydiff's
// real-world corpus that binarydiff/corpus/fetch.sh fills: pinned npm
// releases and Go builds, never committed.
package corpuscache

import (
	"os"
	"path/filepath"
)

// Dir returns the cache directory as fetch.sh has it:
// $PATCHMODEL_CORPUS_CACHE, or ~/.cache/patchmodel-corpus.
func Dir() string {
	if d := os.Getenv("PATCHMODEL_CORPUS_CACHE"); d != "" {
		return d
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "patchmodel-corpus")
}

// Files returns the directory that holds the corpus files.
func Files() string { return filepath.Join(Dir(), "files") }

// File returns the path of the named corpus file and whether it is a
// regular file there.
func File(name string) (string, bool) {
	p := filepath.Join(Files(), name)
	st, err := os.Stat(p)
	return p, err == nil && st.Mode().IsRegular()
}
