package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// CachedPostgres makes the PostgreSQL database at url hold a store of n
// tickets built as Cached builds one, unless it holds one already: the
// database's comment (COMMENT ON DATABASE) is the stamp Cached keeps in
// its ".built" file, written once the build is done and analysed. A
// rebuild empties the database first (DROP SCHEMA public CASCADE): url
// must name a database kept for this. After the build, VACUUM (ANALYZE)
// gives the planner its statistics and the tables their visibility maps,
// as a store that has run for a while would have them.
func CachedPostgres(ctx context.Context, url string, n int, progress func(made int)) error {
	stamp, err := stampOf(ctx, n)
	if err != nil {
		return err
	}
	stamp = strings.TrimSuffix(stamp, "\n") + ", postgres, analysed"
	sqldb, err := sql.Open("pgx", url)
	if err != nil {
		return fmt.Errorf("storetest: postgres: %w", err)
	}
	defer sqldb.Close()
	var name string
	var got sql.NullString
	err = sqldb.QueryRowContext(ctx, `SELECT current_database(), shobj_description(oid, 'pg_database')
		FROM pg_database WHERE datname = current_database()`).Scan(&name, &got)
	if err != nil {
		return fmt.Errorf("storetest: postgres: read the stamp: %w", err)
	}
	if got.String == stamp {
		return nil
	}
	comment := func(text string) error {
		value := "NULL"
		if text != "" {
			value = "'" + strings.ReplaceAll(text, "'", "''") + "'"
		}
		_, err := sqldb.ExecContext(ctx, `COMMENT ON DATABASE "`+strings.ReplaceAll(name, `"`, `""`)+`" IS `+value)
		return err
	}
	if err := comment(""); err != nil {
		return fmt.Errorf("storetest: postgres: clear the stamp: %w", err)
	}
	if _, err := sqldb.ExecContext(ctx, "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public"); err != nil {
		return fmt.Errorf("storetest: postgres: empty the database: %w", err)
	}
	if err := Build(ctx, url, n, &Options{Key: Key(), Seed: 1, Progress: progress}); err != nil {
		return err
	}
	if _, err := sqldb.ExecContext(ctx, "VACUUM (ANALYZE)"); err != nil {
		return fmt.Errorf("storetest: postgres: vacuum: %w", err)
	}
	if err := comment(stamp); err != nil {
		return fmt.Errorf("storetest: postgres: write the stamp: %w", err)
	}
	return nil
}

// isPostgres reports whether a store's location is a PostgreSQL URL.
func isPostgres(location string) bool {
	return strings.HasPrefix(location, "postgres://") || strings.HasPrefix(location, "postgresql://")
}
