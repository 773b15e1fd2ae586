package storetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ticketd/ticketd/store"
)

// Cached returns the path of a store of n tickets built with Key and seed
// 1, building it when there is none, or when the one there was built for
// another schema or by another BuilderVersion. It is kept at
// $TICKETD_BENCH_DB when that is set, else in the user's cache directory
// (ticketd/bench-N.db); beside it, a file ending in ".built" says what
// made it. progress, when not nil, hears how a build goes.
func Cached(ctx context.Context, n int, progress func(made int)) (string, error) {
	path := os.Getenv("TICKETD_BENCH_DB")
	if path == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("storetest: cache: %w (set TICKETD_BENCH_DB)", err)
		}
		path = filepath.Join(dir, "ticketd", fmt.Sprintf("bench-%d.db", n))
	}
	stamp, err := stampOf(ctx, n)
	if err != nil {
		return "", err
	}
	if got, err := os.ReadFile(path + ".built"); err == nil && string(got) == stamp {
		if _, err := os.Stat(path); err == nil {
			return path, nil
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("storetest: cache: %w", err)
	}
	tmp := path + ".building"
	if err := removeStore(tmp); err != nil {
		return "", err
	}
	if err := Build(ctx, tmp, n, &Options{Key: Key(), Seed: 1, Progress: progress}); err != nil {
		return "", err
	}
	if err := removeStore(path); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("storetest: cache: %w", err)
	}
	if err := os.WriteFile(path+".built", []byte(stamp), 0o644); err != nil {
		return "", fmt.Errorf("storetest: cache: %w", err)
	}
	return path, nil
}

// Open opens a store Cached made, with its key.
func Open(ctx context.Context, path string) (*store.DB, error) {
	db, err := store.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	if err := db.UseKey(Key()); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// stampOf is what the ".built" file of a store of n tickets made now
// says: the schema version of a new store, the builder's version, n.
func stampOf(ctx context.Context, n int) (string, error) {
	dir, err := os.MkdirTemp("", "ticketd-schema")
	if err != nil {
		return "", fmt.Errorf("storetest: %w", err)
	}
	defer os.RemoveAll(dir)
	db, err := store.Open(ctx, filepath.Join(dir, "schema.db"))
	if err != nil {
		return "", fmt.Errorf("storetest: %w", err)
	}
	defer db.Close()
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return "", fmt.Errorf("storetest: %w", err)
	}
	return fmt.Sprintf("ticketd storetest: schema %d, builder %d, %d tickets\n", v, BuilderVersion, n), nil
}

// removeStore removes the database at path with its write-ahead log and
// marker, if any.
func removeStore(path string) error {
	for _, p := range []string{path, path + "-wal", path + "-shm", path + ".built"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("storetest: %w", err)
		}
	}
	return nil
}
