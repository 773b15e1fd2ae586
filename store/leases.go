package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"time"
)

// Leases let several processes share one store (migration 0017): a lease
// row names what only one of them may do at a time, reading a mailbox
// ("mailbox:general") or a singleton task ("task:deadlines"), and who does
// it until when. The holder renews it well before it expires; a holder
// that dies stops renewing, and another process takes the lease once it
// has expired. Time is the store's clock (DB.SetClock), compared with the
// expiry written by whichever process wrote it: the hosts' clocks must
// agree to well within a lease's time to live, as NTP keeps them.

// DefaultClaimTTL is how long a claimed delivery is kept from other
// processes (outbox_claim.go): longer than sending a letter takes.
const DefaultClaimTTL = 2 * time.Minute

// fleet is what the store knows of the process among others: its holder
// id, made once, and how long its claims on deliveries last.
type fleet struct {
	once     sync.Once
	holder   string
	claimTTL time.Duration
}

// Holder is this process's id in leases and claims: host:pid:random,
// the random part telling apart two processes that reuse a pid.
func (db *DB) Holder() string {
	db.fleet.once.Do(func() {
		if db.fleet.holder == "" {
			db.fleet.holder = NewHolder()
		}
	})
	return db.fleet.holder
}

// SetHolder replaces the holder id of db's claims on deliveries; call it
// before the first claim. Tests use it to play several processes on one
// store.
func (db *DB) SetHolder(holder string) {
	db.fleet.once.Do(func() {})
	db.fleet.holder = holder
}

// SetClaimTTL sets how long a claim on a delivery lasts; 0 is
// DefaultClaimTTL.
func (db *DB) SetClaimTTL(d time.Duration) { db.fleet.claimTTL = d }

func (db *DB) claimTTL() time.Duration {
	if db.fleet.claimTTL > 0 {
		return db.fleet.claimTTL
	}
	return DefaultClaimTTL
}

// NewHolder returns a fresh holder id: host:pid:random (holders.go).
func NewHolder() string {
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s:%d:%s", localHost(), os.Getpid(), hex.EncodeToString(b[:]))
}

// TakeLease takes the lease name for holder until ttl from now, when it is
// free, expired, holder's already (a renewal), or held by a process of
// this host that died (holders.go). It reports whether
// holder holds it now; false means another holder does.
func (db *DB) TakeLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now := millis(db.now())
	var took bool
	err := db.inTx(ctx, func(tx conn) error {
		dead, err := db.deadHolders(ctx, tx, "leases", "holder", "expires_at", now)
		if err != nil {
			return err
		}
		orDead, deadArgs := orHolderIn("leases.holder", dead)
		// An upsert whose update is refused (another's lease, not expired)
		// changes no row, on SQLite as on PostgreSQL.
		res, err := tx.ExecContext(ctx, `INSERT INTO leases (name, holder, expires_at, renewed) VALUES (?, ?, ?, 0)
			ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at,
				renewed = CASE WHEN leases.holder = excluded.holder THEN leases.renewed + 1 ELSE 0 END
			WHERE leases.holder = excluded.holder OR leases.expires_at <= ?`+orDead,
			append([]any{name, holder, now + ttl.Milliseconds(), now}, deadArgs...)...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		took = n > 0
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store: take lease %s: %w", name, err)
	}
	return took, nil
}

// ReleaseLease gives up holder's lease name, so that another process
// takes it at once instead of after it expires. Releasing a lease holder
// does not hold does nothing.
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	err := db.inTx(ctx, func(tx conn) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM leases WHERE name = ? AND holder = ?", name, holder)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: release lease %s: %w", name, err)
	}
	return nil
}

// Lease is who holds a lease, and until when.
type Lease struct {
	Name, Holder string
	ExpiresAt    time.Time
	Renewed      int64
}

// Leases lists the leases, expired ones included, by name.
func (db *DB) Leases(ctx context.Context) ([]Lease, error) {
	rows, err := db.conn().QueryContext(ctx, "SELECT name, holder, expires_at, renewed FROM leases ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("store: leases: %w", err)
	}
	defer rows.Close()
	var ls []Lease
	for rows.Next() {
		var l Lease
		var exp int64
		if err := rows.Scan(&l.Name, &l.Holder, &exp, &l.Renewed); err != nil {
			return nil, fmt.Errorf("store: leases: %w", err)
		}
		l.ExpiresAt = fromMillis(exp)
		ls = append(ls, l)
	}
	return ls, rows.Err()
}
