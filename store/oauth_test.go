package store

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
)

func TestOAuthTokens(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	db.SetClock(func() time.Time { return now })

	if _, err := db.OAuthToken(ctx, "imap:INBOX"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("OAuthToken before a login = %v, want ErrNotFound", err)
	}
	if first, err := db.RecordOAuthFailure(ctx, "imap:INBOX", "x"); err != nil || first {
		t.Fatalf("RecordOAuthFailure without a row = %v, %v; want false, nil", first, err)
	}
	expiry := now.Add(time.Hour)
	if err := db.SaveOAuthLogin(ctx, "imap:INBOX", OAuthToken{RefreshToken: "rt-1", AccessExpiry: expiry}, "cli:root"); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveOAuthLogin(ctx, "smtp", OAuthToken{RefreshToken: "rt-smtp"}, "cli:root"); err != nil {
		t.Fatal(err)
	}
	tok := must(db.OAuthToken(ctx, "imap:INBOX"))
	if tok.RefreshToken != "rt-1" || !tok.AccessExpiry.Equal(expiry) || !tok.RefreshedAt.Equal(now) || tok.Failure != "" {
		t.Errorf("OAuthToken = %+v, want rt-1 expiring %v", tok, expiry)
	}

	// A failure that lasts is one event; the row says the last reason.
	now = now.Add(time.Minute)
	for i, reason := range []string{"invalid_grant: revoked", "invalid_grant: revoked again"} {
		first, err := db.RecordOAuthFailure(ctx, "imap:INBOX", reason)
		if err != nil || first != (i == 0) {
			t.Fatalf("RecordOAuthFailure #%d = %v, %v; want first %v", i, first, err, i == 0)
		}
	}
	list := must(db.OAuthTokens(ctx))
	if len(list) != 2 || list[0].Account != "imap:INBOX" || list[1].Account != "smtp" {
		t.Fatalf("OAuthTokens = %+v, want imap:INBOX and smtp", list)
	}
	if l := list[0]; l.RefreshToken != "" || l.Failure != "invalid_grant: revoked again" || !l.FailedAt.Equal(now) {
		t.Errorf("OAuthTokens[0] = %+v, want the failure and no refresh token", l)
	}

	// A rotated token saved by a refresh clears the failure, once.
	now = now.Add(time.Minute)
	for i := range 2 {
		recovered, err := db.SaveOAuthToken(ctx, "imap:INBOX", OAuthToken{RefreshToken: "rt-2", AccessExpiry: now.Add(time.Hour)})
		if err != nil || recovered != (i == 0) {
			t.Fatalf("SaveOAuthToken #%d = %v, %v; want recovered %v", i, recovered, err, i == 0)
		}
	}
	tok = must(db.OAuthToken(ctx, "imap:INBOX"))
	if tok.RefreshToken != "rt-2" || tok.Failure != "" || !tok.FailedAt.IsZero() || !tok.RefreshedAt.Equal(now) {
		t.Errorf("OAuthToken after the refresh = %+v, want rt-2 and no failure", tok)
	}
	var got []string
	for _, e := range must(db.OAuthEvents(ctx)) {
		got = append(got, e.Actor+" "+e.Action+" "+e.Detail)
	}
	want := []string{
		"cli:root oauth.login account imap:INBOX",
		"cli:root oauth.login account smtp",
		"daemon oauth.failed account imap:INBOX: invalid_grant: revoked",
		"daemon oauth.recovered account imap:INBOX",
	}
	if len(got) != len(want) {
		t.Fatalf("OAuthEvents = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("OAuthEvents[%d] = %q, want %q", i, got[i], want[i])
		}
	}
	if err := db.SaveOAuthLogin(ctx, "smtp", OAuthToken{}, "cli:root"); err == nil {
		t.Error("SaveOAuthLogin without a refresh token succeeded")
	}
}

// TestOAuthTokenSealed checks that with a key the refresh token is never
// stored in the clear, opens with the key only, and does not open in
// another account's row.
func TestOAuthTokenSealed(t *testing.T) {
	ctx := context.Background()
	path := testLocation(t, "sealed.db")
	db := must(Open(ctx, path))
	defer db.Close()
	if err := db.UseKey([]byte("0123456789abcdef0123456789abcdef")); err != nil {
		t.Fatal(err)
	}
	secret := "1//0refresh-token-of-the-mailbox"
	if err := db.SaveOAuthLogin(ctx, "imap:INBOX", OAuthToken{RefreshToken: secret}, "cli:root"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveOAuthToken(ctx, "smtp", OAuthToken{RefreshToken: "other"}); err != nil {
		t.Fatal(err)
	}
	var stored []byte
	var sealed int
	if err := db.sql.QueryRow("SELECT refresh_token, sealed FROM oauth_tokens WHERE account = ?", "imap:INBOX").Scan(&stored, &sealed); err != nil {
		t.Fatal(err)
	}
	if sealed != 1 || bytes.Contains(stored, []byte("refresh-token")) {
		t.Errorf("stored refresh token: sealed %d, %q; want it sealed", sealed, stored)
	}
	if tok := must(db.OAuthToken(ctx, "imap:INBOX")); tok.RefreshToken != secret {
		t.Errorf("OAuthToken with the key = %q, want %q", tok.RefreshToken, secret)
	}
	noKey := must(Open(ctx, path))
	defer noKey.Close()
	if _, err := noKey.OAuthToken(ctx, "imap:INBOX"); !errors.Is(err, ErrNoKey) {
		t.Errorf("OAuthToken without the key = %v, want ErrNoKey", err)
	}
	if _, err := db.sql.Exec("UPDATE oauth_tokens SET refresh_token = ? WHERE account = ?", stored, "smtp"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.OAuthToken(ctx, "smtp"); err == nil {
		t.Error("a sealed refresh token moved to another account opened")
	}
}

func TestSealOAuthTokens(t *testing.T) {
	ctx := context.Background()
	path := testLocation(t, "later.db")
	plain := must(Open(ctx, path))
	defer plain.Close()
	if err := plain.SaveOAuthLogin(ctx, "smtp", OAuthToken{RefreshToken: "rt-plain"}, "cli:root"); err != nil {
		t.Fatal(err)
	}
	if n, err := plain.SealOAuthTokens(ctx); n != 0 || err != nil {
		t.Errorf("SealOAuthTokens without a key = %d, %v; want 0, nil", n, err)
	}
	keyed := must(Open(ctx, path))
	defer keyed.Close()
	if err := keyed.UseKey([]byte("0123456789abcdef0123456789abcdef")); err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{1, 0} {
		if n, err := keyed.SealOAuthTokens(ctx); n != want || err != nil {
			t.Errorf("SealOAuthTokens #%d = %d, %v; want %d", i, n, err, want)
		}
	}
	var sealed int
	if err := keyed.sql.QueryRow("SELECT sealed FROM oauth_tokens WHERE account = ?", "smtp").Scan(&sealed); err != nil || sealed != 1 {
		t.Errorf("sealed = %d, %v; want 1", sealed, err)
	}
	if tok := must(keyed.OAuthToken(ctx, "smtp")); tok.RefreshToken != "rt-plain" {
		t.Errorf("OAuthToken after sealing = %q, want rt-plain", tok.RefreshToken)
	}
}

// TestSealExistingSealsOAuthTokens checks that "ticketd keys seal-existing"
// counts a refresh token stored before the key among what is still plain,
// and seals it with the rest.
func TestSealExistingSealsOAuthTokens(t *testing.T) {
	ctx := context.Background()
	path := testLocation(t, "seal-existing.db")
	plain := must(Open(ctx, path))
	defer plain.Close()
	if err := plain.SaveOAuthLogin(ctx, "imap:INBOX", OAuthToken{RefreshToken: "rt-before-the-key"}, "cli:root"); err != nil {
		t.Fatal(err)
	}
	keyed := must(Open(ctx, path))
	defer keyed.Close()
	if err := keyed.UseKey([]byte("0123456789abcdef0123456789abcdef")); err != nil {
		t.Fatal(err)
	}
	before := must(keyed.PlainRows(ctx))
	res, err := keyed.SealExisting(ctx, SealOptions{Actor: "cli:root"})
	if err != nil {
		t.Fatal(err)
	}
	if res.OAuthTokens != 1 || before < 1 {
		t.Errorf("SealExisting sealed %d OAuth2 tokens of %d plain rows; want 1", res.OAuthTokens, before)
	}
	if n := must(keyed.PlainRows(ctx)); n != 0 {
		t.Errorf("PlainRows after SealExisting = %d, want 0", n)
	}
	if tok := must(keyed.OAuthToken(ctx, "imap:INBOX")); tok.RefreshToken != "rt-before-the-key" {
		t.Errorf("OAuthToken after sealing = %q", tok.RefreshToken)
	}
}
