// Package testenv gives other packages' tests the real dependencies they run
// against: a Temporal dev server, a fresh PostgreSQL database, stripe-mock.
// A missing dependency fails the test with what to do about it; nothing skips.
package testenv

import (
	"os"
	"path/filepath"
)

// RepoRoot is the directory holding go.mod, found by walking up from the
// working directory (a test runs in its package's directory). It panics
// outside the module, where no test of it can run anyway.
func RepoRoot() string {
	wd, err := os.Getwd()
	if err != nil {
		panic("testenv: working directory: " + err.Error())
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		if filepath.Dir(dir) == dir {
			panic("testenv: no go.mod at or above " + wd)
		}
	}
}
