package accounts

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/ticketd/ticketd/store"
)

// *store.DB is what Service keeps accounts in.
var _ Store = (*store.DB)(nil)

func openStore(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "ticketd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestAuthenticate(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 3, 10, 0, 15, 0, time.UTC)
	s := &Service{Store: openStore(t), Params: fast(), Now: func() time.Time { return now }}
	const pw = "correct horse battery"
	for _, n := range []string{"anna", "boris", "vera"} {
		if _, err := s.Add(ctx, n, RoleOperator, pw, "test"); err != nil {
			t.Fatal(err)
		}
	}
	en, err := s.EnrolTOTP(ctx, "boris", "test")
	if err != nil {
		t.Fatal(err)
	}
	code, _ := TOTPCode(en.Secret, now)
	if err := s.Disable(ctx, "vera", "test"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, user, password, code string
		want                       error
	}{
		{"password only", "anna", pw, "", nil},
		{"wrong password", "anna", pw + "!", "", ErrDenied},
		{"unknown user", "nobody", pw, "", ErrDenied},
		{"password and code", "boris", pw, code, nil},
		{"same code again", "boris", pw, code, ErrDenied},
		{"code missing", "boris", pw, "", ErrDenied},
		{"code wrong", "boris", pw, flip(code), ErrDenied},
		{"disabled", "vera", pw, "", ErrDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := s.Authenticate(ctx, tc.user, tc.password, tc.code)
			if !errors.Is(err, tc.want) || (err == nil && u.Name != tc.user) {
				t.Errorf("Authenticate(%s) = %q, %v, want %v", tc.user, u.Name, err, tc.want)
			}
		})
	}
}

func TestAuthenticateNextCode(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 3, 10, 0, 15, 0, time.UTC)
	s := &Service{Store: openStore(t), Params: fast(), Now: func() time.Time { return now }}
	const pw = "correct horse battery"
	if _, err := s.Add(ctx, "boris", RoleAdmin, pw, "test"); err != nil {
		t.Fatal(err)
	}
	en, _ := s.EnrolTOTP(ctx, "boris", "test")
	for i, want := range []error{nil, nil, ErrDenied} {
		code, _ := TOTPCode(en.Secret, now)
		if i == 2 { // the code of the step before the last one used
			code, _ = TOTPCode(en.Secret, now.Add(-30*time.Second))
		}
		if _, err := s.Authenticate(ctx, "boris", pw, code); !errors.Is(err, want) {
			t.Errorf("login %d at %v = %v, want %v", i, now, err, want)
		}
		now = now.Add(30 * time.Second)
	}
}

func TestServiceTokens(t *testing.T) {
	ctx := context.Background()
	s := &Service{Store: openStore(t), Params: fast()}
	if _, err := s.Add(ctx, "anna", RoleAuditor, "correct horse battery", "test"); err != nil {
		t.Fatal(err)
	}
	tok, err := s.IssueToken(ctx, "anna", "test")
	if err != nil {
		t.Fatal(err)
	}
	if u, err := s.UserByToken(ctx, tok); err != nil || u.Name != "anna" || u.Role != string(RoleAuditor) {
		t.Errorf("UserByToken = %+v, %v, want anna the auditor", u, err)
	}
	if _, err := s.UserByToken(ctx, tok+"x"); !errors.Is(err, ErrDenied) {
		t.Errorf("UserByToken(other) = %v, want ErrDenied", err)
	}
	if err := s.Disable(ctx, "anna", "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UserByToken(ctx, tok); !errors.Is(err, ErrDenied) {
		t.Errorf("UserByToken after Disable = %v, want ErrDenied", err)
	}
}

func TestAddChecks(t *testing.T) {
	ctx := context.Background()
	s := &Service{Store: openStore(t), Params: fast()}
	for _, tc := range []struct{ name, user, role, password string }{
		{"bad role", "anna", "root", "correct horse battery"},
		{"empty name", "", "admin", "correct horse battery"},
		{"name with space", "an na", "admin", "correct horse battery"},
		{"name with escape", "anna\x1b[2J", "admin", "correct horse battery"},
		{"short password", "anna", "admin", "short"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.Add(ctx, tc.user, Role(tc.role), tc.password, "test"); err == nil {
				t.Errorf("Add(%q, %q) = nil, want an error", tc.user, tc.role)
			}
		})
	}
}
