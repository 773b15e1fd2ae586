package accounts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/ticketd/ticketd/store"
)

// ErrDenied is returned when a login or a token does not let its holder in.
// It says no more than that, whatever the reason.
var ErrDenied = errors.New("accounts: access denied")

// Users is what accounts needs of the store to keep users; *store.DB is
// one.
type Users interface {
	AddUser(ctx context.Context, u store.NewUser, actor string) (store.User, error)
	User(ctx context.Context, name string) (store.User, error)
	SetPassword(ctx context.Context, name, passwordHash, actor string) error
	SetTOTP(ctx context.Context, name, secret, actor string) error
	UseTOTPStep(ctx context.Context, name string, step int64) (bool, error)
	DisableUser(ctx context.Context, name, actor string) error
}

// Tokens is what accounts needs of the store to keep API tokens by their
// hash; *store.DB is one.
type Tokens interface {
	AddToken(ctx context.Context, name string, hash []byte, actor string) error
	UserByToken(ctx context.Context, hash []byte) (store.User, error)
}

// Store is everything accounts needs of the store.
type Store interface {
	Users
	Tokens
}

// Service manages accounts: the operations the CLI and the console share.
// Each one that changes something names its actor, for the event log.
type Service struct {
	Store  Store
	Params Params           // zero: DefaultParams
	Now    func() time.Time // nil: time.Now
}

func (s *Service) params() Params {
	if s.Params == (Params{}) {
		return DefaultParams()
	}
	return s.Params
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// CheckName returns an error unless name can be a user name: 1 to 64
// letters, digits, and . _ - @.
func CheckName(name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("accounts: user name %q: want 1 to 64 characters", name)
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("._-@", r) {
			return fmt.Errorf("accounts: user name %q: only letters, digits and . _ - @", name)
		}
	}
	return nil
}

// Add adds user name with role and password.
func (s *Service) Add(ctx context.Context, name string, role Role, password, actor string) (store.User, error) {
	if err := CheckName(name); err != nil {
		return store.User{}, err
	}
	if !role.Valid() {
		_, err := ParseRole(string(role))
		return store.User{}, err
	}
	hash, err := HashPassword(password, s.params())
	if err != nil {
		return store.User{}, err
	}
	u, err := s.Store.AddUser(ctx, store.NewUser{Name: name, Role: string(role), PasswordHash: hash}, actor)
	if err != nil {
		return u, fmt.Errorf("add user %s: %w", name, err)
	}
	return u, nil
}

// SetPassword replaces the password of user name.
func (s *Service) SetPassword(ctx context.Context, name, password, actor string) error {
	hash, err := HashPassword(password, s.params())
	if err != nil {
		return err
	}
	if err := s.Store.SetPassword(ctx, name, hash, actor); err != nil {
		return fmt.Errorf("set password of %s: %w", name, err)
	}
	return nil
}

// Disable disables user name; the store revokes the user's sessions and
// tokens with it.
func (s *Service) Disable(ctx context.Context, name, actor string) error {
	if err := s.Store.DisableUser(ctx, name, actor); err != nil {
		return fmt.Errorf("disable user %s: %w", name, err)
	}
	return nil
}

// EnrolTOTP gives user name a new TOTP second factor, replacing any
// before it, and returns it to show once.
func (s *Service) EnrolTOTP(ctx context.Context, name, actor string) (Enrolment, error) {
	e, err := NewTOTP(name)
	if err != nil {
		return e, err
	}
	if err := s.Store.SetTOTP(ctx, name, e.Secret, actor); err != nil {
		return Enrolment{}, fmt.Errorf("enrol totp of %s: %w", name, err)
	}
	return e, nil
}

// IssueToken makes a new API token for user name and returns it to show
// once: only its hash is stored.
func (s *Service) IssueToken(ctx context.Context, name, actor string) (string, error) {
	token, hash, err := NewToken()
	if err != nil {
		return "", err
	}
	if err := s.Store.AddToken(ctx, name, hash, actor); err != nil {
		return "", fmt.Errorf("issue token for %s: %w", name, err)
	}
	return token, nil
}

// UserByToken returns the user holding token, or ErrDenied.
func (s *Service) UserByToken(ctx context.Context, token string) (store.User, error) {
	u, err := s.Store.UserByToken(ctx, HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return u, ErrDenied
	}
	return u, err
}

// Authenticate checks a login: the password of user name, and the TOTP
// code when the user has enrolled one, each code good for one login. Any
// failure is ErrDenied; an unknown name costs the same hashing as a known
// one.
func (s *Service) Authenticate(ctx context.Context, name, password, code string) (store.User, error) {
	u, err := s.Store.User(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		VerifyPassword(dummyHash, password) // as slow as a real check
		return store.User{}, ErrDenied
	}
	if err != nil {
		return store.User{}, fmt.Errorf("authenticate %s: %w", name, err)
	}
	ok, err := VerifyPassword(u.PasswordHash, password)
	if err != nil {
		return store.User{}, fmt.Errorf("authenticate %s: %w", name, err)
	}
	if !ok || u.Disabled {
		return store.User{}, ErrDenied
	}
	if !u.HasTOTP {
		return u, nil
	}
	step, ok := matchTOTP(u.TOTPSecret, code, s.now())
	if !ok {
		return store.User{}, ErrDenied
	}
	fresh, err := s.Store.UseTOTPStep(ctx, name, step)
	if err != nil {
		return store.User{}, fmt.Errorf("authenticate %s: %w", name, err)
	}
	if !fresh {
		return store.User{}, ErrDenied // a code seen before: replayed
	}
	return u, nil
}

// dummyHash is a hash of DefaultParams that no password matches in
// practice (an all-zero salt and key).
const dummyHash = "$argon2id$v=19$m=65536,t=3,p=2$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
