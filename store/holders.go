package store

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// A holder id (NewHolder) is "HOST:PID:RANDOM", where HOST is the host
// name joined to the process's PID namespace ("db1~4026531836"): two
// processes with the same HOST see each other's PIDs. So a process can
// tell that a holder on its own HOST has died, when no process has its
// PID any more, and take its claims and leases at once instead of waiting
// for them to expire: a daemon restarted after a crash sends what the
// crashed one had claimed, and reads its mailboxes, without waiting for
// claim_ttl and lease_ttl. A PID reused by another process only makes the
// holder look alive, so its claims wait for their expiry, as a holder on
// another host's always do.

// localHost is this process's HOST part of a holder id.
func localHost() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	if ns, err := os.Readlink("/proc/self/ns/pid"); err == nil {
		ns = strings.TrimSuffix(strings.TrimPrefix(ns, "pid:["), "]")
		host += "~" + ns
	}
	return strings.ReplaceAll(host, ":", "_")
}

// deadHere reports whether holder is a process of this host (see above)
// that no longer runs.
func deadHere(holder, host string) bool {
	h, rest, ok := strings.Cut(holder, ":")
	if !ok || h != host {
		return false
	}
	pidText, _, _ := strings.Cut(rest, ":")
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 || pid == os.Getpid() {
		return false
	}
	return !processRuns(pid)
}

// deadHolders returns the holders of column in table (claimed_by of
// outbox or notices, holder of leases) that are dead processes of this
// host, among the rows whose claim or lease (column until) has not
// expired at now.
func (db *DB) deadHolders(ctx context.Context, tx conn, table, column, until string, now int64) ([]string, error) {
	rows, err := tx.QueryContext(ctx, "SELECT DISTINCT "+column+" FROM "+table+" WHERE "+until+" > ? AND "+column+" <> ?",
		now, db.Holder())
	if err != nil {
		return nil, fmt.Errorf("holders of %s: %w", table, err)
	}
	defer rows.Close()
	host := localHost()
	var dead []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, fmt.Errorf("holders of %s: %w", table, err)
		}
		if deadHere(h, host) {
			dead = append(dead, h)
		}
	}
	return dead, rows.Err()
}

// orHolderIn is SQL's "OR column IN (?, ...)" for holders, and its
// arguments; "" when there are none.
func orHolderIn(column string, holders []string) (string, []any) {
	if len(holders) == 0 {
		return "", nil
	}
	args := make([]any, len(holders))
	for i, h := range holders {
		args[i] = h
	}
	return " OR " + column + " IN (" + strings.Repeat(", ?", len(holders))[2:] + ")", args
}
