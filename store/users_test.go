package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func hashOf(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

// accountEvents lists the events of no ticket as "actor action detail".
func accountEvents(t *testing.T, db *DB) []string {
	t.Helper()
	rows, err := db.sql.Query("SELECT actor, action, detail FROM events WHERE ticket_id IS NULL ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var evs []string
	for rows.Next() {
		var a, b, c string
		if err := rows.Scan(&a, &b, &c); err != nil {
			t.Fatal(err)
		}
		evs = append(evs, a+" "+b+" "+c)
	}
	return evs
}

func TestUsers(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if _, err := db.AddUser(ctx, NewUser{Name: "anna", Role: "operator", PasswordHash: "h1"}, "cli:root"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddUser(ctx, NewUser{Name: "boris", Role: "auditor", PasswordHash: "h2"}, "cli:root"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		do   func() error
		want error
	}{
		{"duplicate name", func() error {
			_, err := db.AddUser(ctx, NewUser{Name: "anna", Role: "admin", PasswordHash: "h"}, "cli:root")
			return err
		}, ErrExists},
		{"bad role refused by the schema", func() error {
			_, err := db.AddUser(ctx, NewUser{Name: "vera", Role: "root", PasswordHash: "h"}, "cli:root")
			if err == nil || !strings.Contains(strings.ToUpper(err.Error()), "CHECK") {
				return errors.New("no CHECK error: " + errString(err))
			}
			return nil
		}, nil},
		{"unknown user", func() error { _, err := db.User(ctx, "nobody"); return err }, ErrNotFound},
		{"password of unknown user", func() error { return db.SetPassword(ctx, "nobody", "h", "cli:root") }, ErrNotFound},
		{"totp of unknown user", func() error { return db.SetTOTP(ctx, "nobody", "S", "cli:root") }, ErrNotFound},
		{"disable unknown user", func() error { return db.DisableUser(ctx, "nobody", "cli:root") }, ErrNotFound},
		{"token of unknown user", func() error { return db.AddToken(ctx, "nobody", hashOf("t"), "cli:root") }, ErrNotFound},
		{"set password", func() error { return db.SetPassword(ctx, "anna", "h1b", "cli:root") }, nil},
		{"set totp", func() error { return db.SetTOTP(ctx, "anna", "JBSWY3DPEHPK3PXP", "cli:root") }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.do(); !errors.Is(err, tc.want) {
				t.Errorf("error = %v, want %v", err, tc.want)
			}
		})
	}
	u, err := db.User(ctx, "anna")
	if err != nil || u.Role != "operator" || u.PasswordHash != "h1b" || !u.HasTOTP || u.TOTPSecret != "JBSWY3DPEHPK3PXP" || u.Disabled {
		t.Errorf("User(anna) = %+v, %v", u, err)
	}
	us, err := db.Users(ctx)
	if err != nil || len(us) != 2 || us[0].Name != "anna" || us[1].Name != "boris" || us[0].TOTPSecret != "" || !us[0].HasTOTP || us[1].HasTOTP {
		t.Errorf("Users = %+v, %v; want anna (with TOTP, secret not read) and boris", us, err)
	}
	want := []string{"cli:root user.added anna as operator", "cli:root user.added boris as auditor",
		"cli:root user.password anna", "cli:root user.totp anna"}
	if got := accountEvents(t, db); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}

func TestDisableRevokesSessionsAndTokens(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	db.SetClock(func() time.Time { return now })
	for _, n := range []string{"anna", "boris"} {
		must(db.AddUser(ctx, NewUser{Name: n, Role: "operator", PasswordHash: "h"}, "cli:root"))
		for _, err := range []error{
			db.AddToken(ctx, n, hashOf("token-"+n), "cli:root"),
			db.CreateSession(ctx, n, hashOf("session-"+n)),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := db.DisableUser(ctx, "anna", "cli:root"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		do      func() (User, error)
		wantErr error
		want    string
	}{
		{"token of disabled user", func() (User, error) { return db.UserByToken(ctx, hashOf("token-anna")) }, ErrNotFound, ""},
		{"session of disabled user", func() (User, error) { return db.SessionUser(ctx, hashOf("session-anna"), time.Hour) }, ErrNotFound, ""},
		{"token of other user", func() (User, error) { return db.UserByToken(ctx, hashOf("token-boris")) }, nil, "boris"},
		{"session of other user", func() (User, error) { return db.SessionUser(ctx, hashOf("session-boris"), time.Hour) }, nil, "boris"},
		{"unknown token", func() (User, error) { return db.UserByToken(ctx, hashOf("nope")) }, ErrNotFound, ""},
		{"new token for disabled user", func() (User, error) {
			return User{}, db.AddToken(ctx, "anna", hashOf("token-anna-2"), "cli:root")
		}, ErrDisabled, ""},
		{"new session for disabled user", func() (User, error) {
			return User{}, db.CreateSession(ctx, "anna", hashOf("session-anna-2"))
		}, ErrDisabled, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := tc.do()
			if !errors.Is(err, tc.wantErr) || u.Name != tc.want {
				t.Errorf("= %q, %v, want %q, %v", u.Name, err, tc.want, tc.wantErr)
			}
		})
	}
	// Revoked in the rows themselves, not only hidden by the user's flag.
	var live int
	if err := db.sql.QueryRow(`SELECT (SELECT count(*) FROM sessions WHERE revoked_at IS NULL AND user_id = u.id) +
		(SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL AND user_id = u.id) FROM users u WHERE name = 'anna'`).Scan(&live); err != nil || live != 0 {
		t.Errorf("anna has %d live sessions and tokens (%v), want 0", live, err)
	}
	if u, err := db.User(ctx, "anna"); err != nil || !u.Disabled {
		t.Errorf("User(anna) = %+v, %v; want disabled", u, err)
	}
}

func TestSessionIdleAndRevoke(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	db.SetClock(func() time.Time { return now })
	must(db.AddUser(ctx, NewUser{Name: "anna", Role: "admin", PasswordHash: "h"}, "cli:root"))
	if err := db.CreateSession(ctx, "anna", hashOf("s1")); err != nil {
		t.Fatal(err)
	}
	now = now.Add(20 * time.Minute)
	if u, err := db.SessionUser(ctx, hashOf("s1"), 30*time.Minute); err != nil || u.Name != "anna" {
		t.Fatalf("SessionUser after 20 min = %q, %v, want anna", u.Name, err)
	}
	now = now.Add(25 * time.Minute) // 25 min since last seen, 45 since created
	if u, err := db.SessionUser(ctx, hashOf("s1"), 30*time.Minute); err != nil || u.Name != "anna" {
		t.Fatalf("SessionUser 25 min after last seen = %q, %v, want anna (seen refreshes)", u.Name, err)
	}
	now = now.Add(31 * time.Minute)
	if _, err := db.SessionUser(ctx, hashOf("s1"), 30*time.Minute); !errors.Is(err, ErrNotFound) {
		t.Errorf("SessionUser after 31 idle minutes = %v, want ErrNotFound", err)
	}
	if err := db.CreateSession(ctx, "anna", hashOf("s2")); err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeSession(ctx, hashOf("s2")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SessionUser(ctx, hashOf("s2"), time.Hour); !errors.Is(err, ErrNotFound) {
		t.Errorf("SessionUser after RevokeSession = %v, want ErrNotFound", err)
	}
}

func TestSealedTOTPSecret(t *testing.T) {
	ctx := context.Background()
	path := testLocation(t, "ticketd.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, KeySize)
	key[0] = 1
	if err := db.UseKey(key); err != nil {
		t.Fatal(err)
	}
	const secret = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"
	must(db.AddUser(ctx, NewUser{Name: "anna", Role: "operator", PasswordHash: "h"}, "cli:root"))
	if err := db.SetTOTP(ctx, "anna", secret, "cli:root"); err != nil {
		t.Fatal(err)
	}
	if u, err := db.User(ctx, "anna"); err != nil || u.TOTPSecret != secret {
		t.Errorf("User(anna) secret = %q, %v, want it opened", u.TOTPSecret, err)
	}
	db.Close()
	var raw []byte
	if onPostgres() {
		raw = []byte("anna") // the server's files are not the test's to read
	}
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		raw = append(raw, b...)
	}
	if bytes.Contains(raw, []byte(secret)) {
		t.Errorf("the TOTP secret is readable in the database file")
	}
	if !bytes.Contains(raw, []byte("anna")) {
		t.Errorf("the user name is not in the database file: the check reads the wrong file")
	}

	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.User(ctx, "anna"); !errors.Is(err, ErrNoKey) {
		t.Errorf("User(anna) without the key = %v, want ErrNoKey", err)
	}
	// A store without its key takes no writes.
	if _, err := db.AddUser(ctx, NewUser{Name: "boris", Role: "operator", PasswordHash: "h"}, "cli:root"); !errors.Is(err, ErrEncrypted) {
		t.Errorf("AddUser without the key = %v, want ErrEncrypted", err)
	}
	// A sealed secret copied to another user's row does not open there.
	if err := db.UseKey(key); err != nil {
		t.Fatal(err)
	}
	must(db.AddUser(ctx, NewUser{Name: "boris", Role: "operator", PasswordHash: "h"}, "cli:root"))
	if _, err := db.sql.Exec(`UPDATE users SET (totp_secret, totp_sealed) =
		(SELECT totp_secret, totp_sealed FROM users WHERE name = 'anna') WHERE name = 'boris'`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.User(ctx, "boris"); err == nil {
		t.Errorf("User(boris) with anna's sealed secret opened, want an error")
	}
}

func TestUseTOTPStep(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	must(db.AddUser(ctx, NewUser{Name: "anna", Role: "operator", PasswordHash: "h"}, "cli:root"))
	if err := db.SetTOTP(ctx, "anna", "JBSWY3DPEHPK3PXP", "cli:root"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		do   func() (bool, error)
		want bool
	}{
		{"first", func() (bool, error) { return db.UseTOTPStep(ctx, "anna", 100) }, true},
		{"same step", func() (bool, error) { return db.UseTOTPStep(ctx, "anna", 100) }, false},
		{"earlier step", func() (bool, error) { return db.UseTOTPStep(ctx, "anna", 99) }, false},
		{"later step", func() (bool, error) { return db.UseTOTPStep(ctx, "anna", 101) }, true},
		{"re-enrolled", func() (bool, error) {
			if err := db.SetTOTP(ctx, "anna", "KRSXG5CTMVRXEZLU", "cli:root"); err != nil {
				return false, err
			}
			return db.UseTOTPStep(ctx, "anna", 50)
		}, true},
		{"unknown user", func() (bool, error) { return db.UseTOTPStep(ctx, "nobody", 200) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := tc.do(); got != tc.want || err != nil {
				t.Errorf("UseTOTPStep = %v, %v, want %v, nil", got, err, tc.want)
			}
		})
	}
}
