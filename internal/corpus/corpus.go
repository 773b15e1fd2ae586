// Package corpus finds the shared mail corpus that some of ticketd's tests
// read: thousands of real-world messages kept outside the repository, in
// shared/corpus beside it (../shared/corpus from the directory holding
// go.mod), with an INDEX.tsv listing them.
//
// A fresh clone elsewhere has no such directory. There a test that needs
// it is skipped, saying that the directory is missing and that CI requires
// it; when the environment variable CI is set (as CI services set it), the
// test fails instead, so that a CI run cannot pass by skipping the corpus.
package corpus

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// TB is the part of testing.TB that Dir uses; the package does not import
// "testing".
type TB interface {
	Helper()
	Skipf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// Index is the name of the corpus's index in its directory.
const Index = "INDEX.tsv"

// Dir returns the shared corpus directory, which holds Index. When it is
// missing, Dir skips the test, or fails it when CI is set.
func Dir(tb TB) string {
	tb.Helper()
	dir, err := Find()
	switch {
	case err == nil:
		return dir
	case !errors.Is(err, os.ErrNotExist):
		tb.Fatalf("corpus: %v", err)
	case os.Getenv("CI") != "":
		tb.Fatalf("%v: CI (CI is set) requires it", err)
	default:
		tb.Skipf("skipped: %v; only CI (CI set) requires it", err)
	}
	return ""
}

// Find returns the shared corpus directory beside the repository that
// holds the working directory, or an error wrapping os.ErrNotExist that
// names the directory missing.
func Find() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	root := wd
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			return "", fmt.Errorf("no go.mod above %s", wd)
		}
		root = parent
	}
	dir := filepath.Join(filepath.Dir(root), "shared", "corpus")
	if _, err := os.Stat(filepath.Join(dir, Index)); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", missingError{dir}
		}
		return "", fmt.Errorf("the shared corpus: %w", err)
	}
	return dir, nil
}

// missingError says that the corpus directory is missing; it matches
// os.ErrNotExist.
type missingError struct{ dir string }

func (e missingError) Error() string {
	return fmt.Sprintf("the shared corpus directory %s is missing (or has no %s)", e.dir, Index)
}

func (e missingError) Is(target error) bool { return target == os.ErrNotExist }
