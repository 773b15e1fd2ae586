package store

// postgres reports whether db is a PostgreSQL store. Until the PostgreSQL
// backend lands every store is SQLite.
func (db *DB) postgres() bool { return false }
