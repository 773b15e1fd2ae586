package pgtest

import (
	"errors"
	"testing"

	"github.com/ticketd/ticketd/internal/e2e"
)

// Start launches a cluster for t and stops it when t ends. Without
// PostgreSQL, t fails under "make test" and is skipped elsewhere.
func Start(t testing.TB) *Cluster {
	t.Helper()
	c, err := Launch()
	if errors.Is(err, ErrNotInstalled) {
		e2e.Unavailable(t, "%v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	})
	return c
}

// NewDatabase returns the URL of a new empty database on c.
func (c *Cluster) NewDatabase(t testing.TB) string {
	t.Helper()
	u, err := c.CreateDatabase(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return u
}
