package pgtest

import (
	"database/sql"
	"testing"
)

func TestNewDatabase(t *testing.T) {
	c := Start(t)
	for range 2 {
		u := c.NewDatabase(t)
		db, err := sql.Open("pgx", u)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("tables in a new database = %d, want 0", n)
		}
		db.Close()
	}
}
