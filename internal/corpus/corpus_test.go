package corpus

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a TB that records what Dir did.
type recorder struct{ skipped, failed string }

func (r *recorder) Helper()                      {}
func (r *recorder) Skipf(f string, args ...any)  { r.skipped = fmt.Sprintf(f, args...) }
func (r *recorder) Fatalf(f string, args ...any) { r.failed = fmt.Sprintf(f, args...) }

// TestDir checks Dir in a repository without the corpus beside it, and
// with it: a skip that names the directory and CI, a failure under CI, and
// the directory when it is there.
func TestDir(t *testing.T) {
	top := t.TempDir()
	repo := filepath.Join(top, "ticketd")
	pkg := filepath.Join(repo, "mailparse")
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(pkg)
	missing := filepath.Join(top, "shared", "corpus")

	t.Setenv("CI", "")
	var r recorder
	if got := Dir(&r); got != "" || r.failed != "" || !strings.Contains(r.skipped, missing) || !strings.Contains(r.skipped, "missing") ||
		!strings.Contains(r.skipped, "CI") {
		t.Errorf("Dir without the corpus = %q, skipped %q, failed %q; want a skip naming %s, that it is missing and CI", got, r.skipped, r.failed, missing)
	}
	t.Setenv("CI", "true")
	r = recorder{}
	if got := Dir(&r); got != "" || r.skipped != "" || !strings.Contains(r.failed, missing) {
		t.Errorf("Dir without the corpus under CI = %q, skipped %q, failed %q; want a failure naming %s", got, r.skipped, r.failed, missing)
	}
	if err := os.MkdirAll(missing, 0o755); err != nil {
		t.Fatal(err)
	}
	r = recorder{}
	if got := Dir(&r); got != "" || !strings.Contains(r.failed, Index) {
		t.Errorf("Dir with an empty corpus directory under CI = %q, failed %q; want a failure naming %s", got, r.failed, Index)
	}
	if err := os.WriteFile(filepath.Join(missing, Index), []byte("path\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = recorder{}
	if got := Dir(&r); got != missing || r.skipped != "" || r.failed != "" {
		t.Errorf("Dir with the corpus = %q, skipped %q, failed %q; want %s", got, r.skipped, r.failed, missing)
	}
}
